'use strict';
// A Skia canvas (@napi-rs/canvas): the design drawn with the 2D canvas API
// (round rectangles, a CSS-style linear gradient, text wrapped word by word
// with measureText, the QR code as whole-pixel rectangles, the photo
// cover-fitted with drawImage, blurred by ctx.filter; box shadows by the
// canvas shadow properties), then canvas.encode('png').
const design = require('../lib/design');
const { run } = require('../lib/runner');
const QRCode = require('qrcode');
const { createCanvas, GlobalFonts, loadImage } = require('@napi-rs/canvas');

// fontAlias is the family name a face is registered under: one alias per
// file, so the canvas never has to pick among faces itself.
function fontAlias(f) {
  return `${f.family.replace(/\s/g, '')}-${f.weight}${f.italic ? 'i' : ''}`;
}

function roundRect(ctx, b, r) {
  ctx.beginPath();
  if (r > 0) ctx.roundRect(b.x, b.y, b.width, b.height, r);
  else ctx.rect(b.x, b.y, b.width, b.height);
}

// linearGradient follows CSS: the line runs through the box centre at the
// angle (Strata: 0° left→right, clockwise) and spans the box's extent along
// that direction, so the corners get the end colours.
function linearGradient(ctx, l, b) {
  const a = ((l.angle_in_degrees || 0) * Math.PI) / 180;
  const dx = Math.cos(a);
  const dy = Math.sin(a);
  const half = (Math.abs(b.width * dx) + Math.abs(b.height * dy)) / 2;
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  const g = ctx.createLinearGradient(cx - dx * half, cy - dy * half, cx + dx * half, cy + dy * half);
  for (const c of l.colors) g.addColorStop(c.position / 100, design.cssColor(c.hex_color));
  return g;
}

// wrap breaks text into lines that fit width, word by word.
function wrap(ctx, text, width, splitting) {
  const lines = [];
  for (const para of text.split('\n')) {
    if (!splitting) { lines.push(para); continue; }
    let line = '';
    for (const word of para.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(candidate).width > width) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  return lines;
}

// fontList is a text layer's CSS font list: its face's alias, then, when
// the design needs them, the fallback faces' aliases at its weight and the
// emoji face.
function fontList(req, l) {
  const f = design.textFont(l);
  const names = [fontAlias(f)];
  if (design.needsFallback(req)) {
    for (const family of design.FALLBACK_FAMILIES) names.push(fontAlias({ family, weight: f.weight, italic: false }));
    names.push('NotoColorEmoji');
  }
  return names.map((n) => `"${n}"`).join(', ');
}

// clamp keeps a layer's first max_lines lines, the last one cut to fit an
// ellipsis (text_overflow ellipsis, the default) when lines were dropped.
function clamp(ctx, lines, l, width) {
  if (!l.max_lines || lines.length <= l.max_lines) return lines;
  const kept = lines.slice(0, l.max_lines);
  if ((l.text_overflow || 'ellipsis') === 'ellipsis') {
    let last = kept[kept.length - 1];
    while (last && ctx.measureText(`${last}…`).width > width) last = last.slice(0, -1);
    kept[kept.length - 1] = `${last.trimEnd()}…`;
  }
  return kept;
}

function drawText(ctx, req, l, b) {
  ctx.font = `${l.font_size_in_px}px ${fontList(req, l)}`;
  ctx.letterSpacing = `${l.letter_spacing_in_px || 0}px`;
  ctx.fillStyle = design.cssColor(l.text_color);
  ctx.textBaseline = 'alphabetic';
  const m = ctx.measureText('Hg');
  const ascent = m.fontBoundingBoxAscent;
  const lineHeight = ascent + m.fontBoundingBoxDescent;
  const lines = clamp(ctx, wrap(ctx, l.text, b.width, l.is_splitting_lines !== false), l, b.width);
  const total = lines.length * lineHeight;
  let y = b.y;
  if (l.vertical_align === 'center') y += (b.height - total) / 2;
  else if (l.vertical_align === 'bottom') y += b.height - total;
  ctx.save();
  ctx.beginPath();
  ctx.rect(b.x, b.y, b.width, b.height);
  ctx.clip();
  for (const line of lines) {
    const w = ctx.measureText(line).width;
    let x = b.x;
    if (l.text_align === 'center') x += (b.width - w) / 2;
    else if (l.text_align === 'right') x += b.width - w;
    ctx.fillText(line, x, y + ascent);
    y += lineHeight;
  }
  ctx.restore();
}

function drawQR(ctx, l, b) {
  const qr = QRCode.create(l.value, { errorCorrectionLevel: l.error_correction || 'M' });
  const n = qr.modules.size;
  const g = design.qrGeometry(n, b);
  ctx.fillStyle = design.cssColor(l.background_hex_color);
  ctx.fillRect(b.x, b.y, b.width, b.height);
  ctx.fillStyle = design.cssColor(l.foreground_hex_color);
  const ox = b.x + g.dx + 4 * g.unit;
  const oy = b.y + g.dy + 4 * g.unit;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!qr.modules.get(y, x)) continue;
      let run = 1; // merge horizontal runs of dark modules
      while (x + run < n && qr.modules.get(y, x + run)) run++;
      ctx.fillRect(ox + x * g.unit, oy + y * g.unit, run * g.unit, g.unit);
      x += run - 1;
    }
  }
}

// drawShadows draws a shape's box shadows, the last first (CSS paints the
// first on top), without the shape: the shape is drawn far to the left
// and each shadow offset back into place, the canvas way of getting a
// shadow alone. Spread grows the shape.
function drawShadows(ctx, l, b) {
  const far = b.x + b.width + 10000;
  for (const s of design.shadows(l).reverse()) {
    ctx.save();
    ctx.shadowColor = design.cssColor(s.color);
    ctx.shadowBlur = s.blur; // canvas and CSS both take the blur radius (2σ)
    ctx.shadowOffsetX = s.x + far;
    ctx.shadowOffsetY = s.y;
    ctx.fillStyle = '#000';
    const grown = { x: b.x - s.spread - far, y: b.y - s.spread, width: b.width + 2 * s.spread, height: b.height + 2 * s.spread };
    roundRect(ctx, grown, design.radius(l, b) + s.spread);
    ctx.fill();
    ctx.restore();
  }
}

async function drawImage(ctx, l, b) {
  const img = await loadImage(l.bytes);
  const scale = Math.max(b.width / img.width, b.height / img.height);
  const sw = b.width / scale;
  const sh = b.height / scale;
  ctx.save();
  roundRect(ctx, b, design.radius(l, b));
  ctx.clip();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high'; // comparable to libvips' lanczos; 'low' aliases badly at 1/3.7 scale
  if (design.blur(l)) ctx.filter = `blur(${design.blur(l)}px)`;
  ctx.drawImage(img, (img.width - sw) / 2, (img.height - sh) / 2, sw, sh, b.x, b.y, b.width, b.height);
  ctx.restore();
}

module.exports = {
  name: '@napi-rs/canvas',
  versions() {
    return { '@napi-rs/canvas': design.pkgVersion('@napi-rs/canvas') };
  },
  async setup(req) {
    for (const f of [...design.fontsUsed(req), ...design.fallbackFonts(req)]) GlobalFonts.registerFromPath(f.file, fontAlias(f));
    if (design.needsFallback(req)) GlobalFonts.registerFromPath(design.EMOJI_FONT, 'NotoColorEmoji');
  },
  async render(req) {
    const { width, height } = design.canvasSize(req);
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    for (const l of design.sortedLayers(req)) {
      const b = design.box(req, l);
      ctx.globalAlpha = design.opacity(l);
      if (l.type === 'solid-color' || l.type === 'gradient') drawShadows(ctx, l, b);
      switch (l.type) {
        case 'solid-color':
          ctx.fillStyle = design.cssColor(l.hex_color);
          roundRect(ctx, b, design.radius(l, b));
          ctx.fill();
          break;
        case 'gradient':
          ctx.fillStyle = linearGradient(ctx, l, b);
          roundRect(ctx, b, design.radius(l, b));
          ctx.fill();
          break;
        case 'text': drawText(ctx, req, l, b); break;
        case 'qr-code': drawQR(ctx, l, b); break;
        case 'image': await drawImage(ctx, l, b); break;
        default: throw new Error(`canvas peer: ${l.type} layers are not part of the benchmark`);
      }
    }
    return canvas.encode('png');
  },
};

if (require.main === module) run(module.exports).catch((e) => { console.error(e); process.exit(1); });

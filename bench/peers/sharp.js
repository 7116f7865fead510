'use strict';
// libvips compositing with sharp, the way a sharp user builds such images:
// the vector parts (solid colours, rounded boxes, gradients) as one SVG per
// run of consecutive layers (librsvg), text through sharp's text input
// (Pango, with the same TTF given as fontfile), the QR code as raw pixels,
// the photo cover-fitted by resize (shrink-on-load) and blurred by .blur(σ),
// box shadows as SVG Gaussian filters under their shapes, all composited over
// the first layer and encoded with .png(). The libvips operation cache is
// off (as in Strata) so repeated renders of one design don't hit it.
const design = require('../lib/design');
const { run } = require('../lib/runner');
const QRCode = require('qrcode');
const sharp = require('sharp');

sharp.cache(false);
sharp.concurrency(Number(process.env.SHARP_CONCURRENCY || 1));

const VECTOR = new Set(['solid-color', 'gradient']);

function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// svgShapes draws a run of solid and gradient layers as one SVG of the
// canvas size.
function svgShapes(req, layers) {
  const { width, height } = design.canvasSize(req);
  let defs = '';
  let body = '';
  layers.forEach((l, i) => {
    const b = design.box(req, l);
    const r = design.radius(l, b);
    let fill;
    if (l.type === 'gradient') {
      const a = ((l.angle_in_degrees || 0) * Math.PI) / 180;
      const dx = Math.cos(a);
      const dy = Math.sin(a);
      const half = (Math.abs(b.width * dx) + Math.abs(b.height * dy)) / 2;
      const cx = b.x + b.width / 2;
      const cy = b.y + b.height / 2;
      const stops = l.colors.map((c) => {
        const k = design.rgba(c.hex_color);
        return `<stop offset="${c.position}%" stop-color="rgb(${k.r},${k.g},${k.b})" stop-opacity="${k.a}"/>`;
      }).join('');
      defs += `<linearGradient id="g${i}" gradientUnits="userSpaceOnUse" x1="${cx - dx * half}" y1="${cy - dy * half}" x2="${cx + dx * half}" y2="${cy + dy * half}">${stops}</linearGradient>`;
      fill = `fill="url(#g${i})"`;
    } else {
      const k = design.rgba(l.hex_color);
      fill = `fill="rgb(${k.r},${k.g},${k.b})" fill-opacity="${k.a}"`;
    }
    // Box shadows under the shape, the last first (CSS paints the first on
    // top): the grown box, offset, blurred by an SVG Gaussian (σ = radius/2).
    design.shadows(l).reverse().forEach((sh, k) => {
      const c = design.rgba(sh.color);
      const id = `s${i}_${k}`;
      defs += `<filter id="${id}" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${sh.blur / 2}"/></filter>`;
      body += `<rect x="${b.x - sh.spread + sh.x}" y="${b.y - sh.spread + sh.y}" width="${b.width + 2 * sh.spread}" height="${b.height + 2 * sh.spread}" rx="${r + sh.spread}" ` +
        `fill="rgb(${c.r},${c.g},${c.b})" fill-opacity="${c.a}" filter="url(#${id})" opacity="${design.opacity(l)}"/>`;
    });
    body += `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="${r}" ${fill} opacity="${design.opacity(l)}"/>`;
  });
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>${defs}</defs>${body}</svg>`);
}

// textOverlay renders a text layer with Pango and places it in its box
// (horizontal and vertical alignment, clipped to the box).
async function textOverlay(req, l) {
  const b = design.box(req, l);
  const f = design.textFont(l);
  // Pango takes letter spacing in 1/1024 pt (1 pt = 1 px at 72 dpi); sharp's
  // text input cannot clamp lines (no ellipsize), so max_lines is not drawn.
  const spacing = l.letter_spacing_in_px ? ` letter_spacing="${Math.round(l.letter_spacing_in_px * 1024)}"` : '';
  const markup = `<span foreground="${l.text_color}" font_weight="${f.weight}" font_style="${f.italic ? 'italic' : 'normal'}"${spacing}>${esc(l.text)}</span>`;
  const align = { left: 'left', center: 'centre', right: 'right' }[l.text_align || 'left'];
  const { data, info } = await sharp({
    text: {
      text: markup, font: `${f.family} ${l.font_size_in_px}`, fontfile: f.file, dpi: 72, rgba: true,
      width: l.is_splitting_lines === false ? undefined : b.width, align, wrap: 'word',
    },
  }).raw().toBuffer({ resolveWithObject: true });
  let left = b.x;
  if (align === 'centre') left += Math.round((b.width - info.width) / 2);
  else if (align === 'right') left += b.width - info.width;
  let top = b.y;
  if (l.vertical_align === 'center') top += Math.round((b.height - info.height) / 2);
  else if (l.vertical_align === 'bottom') top += b.height - info.height;
  let input = data;
  let w = info.width;
  let h = info.height;
  if (info.width > b.width || info.height > b.height) { // clip to the box
    w = Math.min(info.width, b.width);
    h = Math.min(info.height, b.height);
    input = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
      .extract({ left: 0, top: 0, width: w, height: h }).raw().toBuffer();
  }
  return { input, raw: { width: w, height: h, channels: 4 }, left: Math.max(0, Math.round(left)), top: Math.max(0, Math.round(top)) };
}

// qrOverlay is the QR code as raw RGBA pixels with Strata's geometry.
function qrOverlay(req, l) {
  const b = design.box(req, l);
  const qr = QRCode.create(l.value, { errorCorrectionLevel: l.error_correction || 'M' });
  const n = qr.modules.size;
  const g = design.qrGeometry(n, b);
  const fg = design.rgba(l.foreground_hex_color);
  const bg = design.rgba(l.background_hex_color);
  const px = Buffer.alloc(b.width * b.height * 4);
  for (let y = 0; y < b.height; y++) {
    const my = Math.floor((y - g.dy) / g.unit) - 4;
    for (let x = 0; x < b.width; x++) {
      const mx = Math.floor((x - g.dx) / g.unit) - 4;
      const dark = mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(my, mx);
      const c = dark ? fg : bg;
      const o = (y * b.width + x) * 4;
      px[o] = c.r; px[o + 1] = c.g; px[o + 2] = c.b; px[o + 3] = Math.round(c.a * 255 * design.opacity(l));
    }
  }
  return { input: px, raw: { width: b.width, height: b.height, channels: 4 }, left: Math.round(b.x), top: Math.round(b.y) };
}

// imageOverlay is a photo cover-fitted into its box.
async function imagePipeline(req, l) {
  const b = design.box(req, l);
  const img = sharp(l.bytes).resize(b.width, b.height, { fit: 'cover' });
  return design.blur(l) ? img.blur(design.blur(l)) : img;
}

function fullCanvas(req, l) {
  const c = design.canvasSize(req);
  const b = design.box(req, l);
  return b.x === 0 && b.y === 0 && b.width === c.width && b.height === c.height && design.opacity(l) === 1 && !l.border_radius;
}

function opaqueBase(req, l) {
  if (!fullCanvas(req, l)) return false;
  if (l.type === 'image') return true;
  if (l.type === 'solid-color') return design.rgba(l.hex_color).a === 1;
  if (l.type === 'gradient') return l.colors.every((c) => design.rgba(c.hex_color).a === 1);
  return false;
}

module.exports = {
  name: 'sharp',
  versions() {
    return { sharp: design.pkgVersion('sharp'), libvips: sharp.versions.vips };
  },
  async setup() {},
  async render(req) {
    const { width, height } = design.canvasSize(req);
    const layers = design.sortedLayers(req);
    const opaque = opaqueBase(req, layers[0]);
    let base;
    let i = 0;
    if (layers[0].type === 'image' && fullCanvas(req, layers[0])) {
      base = await imagePipeline(req, layers[0]);
      i = 1;
    } else if (VECTOR.has(layers[0].type)) {
      let j = 0;
      while (j < layers.length && VECTOR.has(layers[j].type)) j++;
      base = sharp(svgShapes(req, layers.slice(0, j)), { density: 72 });
      i = j;
    } else {
      base = sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } });
    }
    const overlays = [];
    while (i < layers.length) {
      const l = layers[i];
      if (VECTOR.has(l.type)) {
        let j = i;
        while (j < layers.length && VECTOR.has(layers[j].type)) j++;
        overlays.push({ input: svgShapes(req, layers.slice(i, j)), density: 72, left: 0, top: 0 });
        i = j;
        continue;
      }
      switch (l.type) {
        case 'text': overlays.push(await textOverlay(req, l)); break;
        case 'qr-code': overlays.push(qrOverlay(req, l)); break;
        case 'image': {
          const b = design.box(req, l);
          const data = await (await imagePipeline(req, l)).ensureAlpha().raw().toBuffer();
          overlays.push({ input: data, raw: { width: b.width, height: b.height, channels: 4 }, left: Math.round(b.x), top: Math.round(b.y) });
          break;
        }
        default: throw new Error(`sharp peer: ${l.type} layers are not part of the benchmark`);
      }
      i++;
    }
    let img = overlays.length ? base.composite(overlays) : base;
    if (opaque) img = img.removeAlpha();
    return img.png().toBuffer();
  },
};

if (require.main === module) run(module.exports).catch((e) => { console.error(e); process.exit(1); });

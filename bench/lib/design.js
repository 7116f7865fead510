'use strict';
// Shared by every peer: loads a design (a Strata request JSON file under
// bench/designs), resolves the product-photo placeholder, finds the same TTF
// files Strata's registry uses, and parses Strata's colour and box rules so
// each peer draws exactly the layers Strata draws.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BENCH = path.resolve(__dirname, '..');
const DESIGNS = path.join(BENCH, 'designs');
const OUT = process.env.BENCH_OUT || path.join(BENCH, 'out');
const ASSETS = process.env.STRATA_ASSETS_DIR || path.join(os.homedir(), '.cache', 'strata');
const PRODUCT_JPEG = path.join(OUT, 'product-12mp.jpg');
const PHOTO_JPEG = path.join(OUT, 'photo-2mp.jpg');
// PLACEHOLDERS maps each image placeholder a design may hold as base64 to
// the bench-time JPEG that replaces it (lib/product.js makes both).
const PLACEHOLDERS = { '@PRODUCT_JPEG@': PRODUCT_JPEG, '@PHOTO_JPEG@': PHOTO_JPEG };
const DESIGN_NAMES = ['social', 'rich', 'certificate', 'product', 'effects', 'multilingual'];

const WEIGHTS = {
  thin: 100, extralight: 200, light: 300, regular: 400, medium: 500,
  semibold: 600, bold: 700, extrabold: 800, black: 900,
};
const WEIGHT_FILE_NAMES = {
  100: 'Thin', 200: 'ExtraLight', 300: 'Light', 400: 'Regular', 500: 'Medium',
  600: 'SemiBold', 700: 'Bold', 800: 'ExtraBold', 900: 'Black',
};

// designPath is the request file of a design name.
function designPath(name) {
  return path.join(DESIGNS, `${name}.json`);
}

// loadDesign parses a design. Image layers get `bytes` (a Buffer with the
// decoded file) so that in-process runs time rendering, not base64; the
// HTTP servers call decodeImages on each request body instead.
function loadDesign(name) {
  const text = fs.readFileSync(designPath(name), 'utf8');
  const req = JSON.parse(text);
  for (const l of req.layers) {
    if (l.type === 'image' && l.file && PLACEHOLDERS[l.file.base64]) {
      l.bytes = fs.readFileSync(PLACEHOLDERS[l.file.base64]);
    }
  }
  decodeImages(req);
  return req;
}

// resolvedBody is the request body with the placeholder replaced, as sent
// over HTTP.
function resolvedBody(name) {
  let text = fs.readFileSync(designPath(name), 'utf8');
  for (const [ph, file] of Object.entries(PLACEHOLDERS)) {
    if (text.includes(ph)) text = text.replace(ph, fs.readFileSync(file).toString('base64'));
  }
  return text;
}

// decodeImages turns each image layer's base64 (file or buffer shorthand)
// into `bytes`.
function decodeImages(req) {
  for (const l of req.layers) {
    if (l.type !== 'image' || l.bytes) continue;
    const b64 = l.buffer || (l.file && l.file.base64);
    if (!b64) throw new Error('image layers need base64 data in this benchmark');
    l.bytes = Buffer.from(b64, 'base64');
  }
  return req;
}

// sortedLayers is req's layers in Strata's drawing order: ascending index,
// ties in array order.
function sortedLayers(req) {
  return req.layers.map((l, i) => [l, i]).sort((a, b) => (a[0].index - b[0].index) || (a[1] - b[1])).map((p) => p[0]);
}

// canvasSize is the request's width and height.
function canvasSize(req) {
  const d = req.dimensions;
  return { width: d.width ?? d.width_in_px, height: d.height ?? d.height_in_px };
}

// box is a layer's x, y, width, height; optional position and dimensions
// default to the whole canvas as in Strata.
function box(req, l) {
  const c = canvasSize(req);
  const p = l.position || {};
  const d = l.dimensions || {};
  const w = d.width ?? d.width_in_px ?? 0;
  const h = d.height ?? d.height_in_px ?? 0;
  return {
    x: p.x ?? p.x_in_px ?? 0,
    y: p.y ?? p.y_in_px ?? 0,
    width: w > 0 ? w : c.width,
    height: h > 0 ? h : c.height,
  };
}

// radius is the uniform corner radius (the designs use border_radius only).
function radius(l, b) {
  const r = l.border_radius || 0;
  return Math.min(r, b.width / 2, b.height / 2);
}

// opacity is 0..1.
function opacity(l) {
  return (l.opacity ?? 100) / 100;
}

// shadows is a layer's box shadows, each with its offsets, blur radius,
// spread and colour (CSS box-shadow's values; Strata's first is on top,
// as in CSS).
function shadows(l) {
  return (l.shadows || []).map((s) => ({
    x: s.x_in_px || 0, y: s.y_in_px || 0, blur: s.blur_in_px || 0, spread: s.spread_in_px || 0, color: s.hex_color,
  }));
}

// boxShadowCSS is a layer's shadows as a CSS box-shadow value ('' for none).
function boxShadowCSS(l) {
  return shadows(l).map((s) => `${s.x}px ${s.y}px ${s.blur}px ${s.spread}px ${cssColor(s.color)}`).join(', ');
}

// blur is a layer's blur: a Gaussian's standard deviation in pixels, as
// CSS filter: blur() takes it (0 for none).
function blur(l) {
  return l.blur_in_px || 0;
}

// effectsCSS is the CSS style for a layer's shadows and blur (satori and
// takumi take the same properties).
function effectsCSS(l) {
  const css = {};
  const shadow = boxShadowCSS(l);
  if (shadow) css.boxShadow = shadow;
  if (blur(l)) css.filter = `blur(${blur(l)}px)`;
  return css;
}

// typographyCSS is the CSS for a text layer's letter spacing and line
// clamp (satori and takumi take the same properties).
function typographyCSS(l) {
  const css = {};
  if (l.letter_spacing_in_px) css.letterSpacing = `${l.letter_spacing_in_px}px`;
  if (l.max_lines) {
    css.lineClamp = l.max_lines;
    css.textOverflow = l.text_overflow || 'ellipsis';
    css.overflow = 'hidden';
  }
  return css;
}

// rgba parses #RGB, #RRGGBB or #RRGGBBAA.
function rgba(hex) {
  let h = hex.replace('#', '');
  if (h.length === 3) h = h.split('').map((c) => c + c).join('');
  const n = (i) => parseInt(h.slice(i, i + 2), 16);
  return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
}

// cssColor is a colour as css rgba().
function cssColor(hex) {
  const c = rgba(hex);
  return `rgba(${c.r},${c.g},${c.b},${c.a})`;
}

// fontWeight is a text layer's numeric weight.
function fontWeight(l) {
  const w = l.font_weight;
  if (w === undefined) return 400;
  return typeof w === 'number' ? w : WEIGHTS[String(w).toLowerCase()] || 400;
}

// fontFile is the bundled TTF for a family, weight and style: the same file
// Strata's registry loads (fonts/<Family>/<Family>_<weight><Name>[_Italic].ttf).
function fontFile(family, weight, italic) {
  const dir = family.replace(/[\s_-]/g, '');
  const file = path.join(ASSETS, 'fonts', dir, `${dir}_${weight}${WEIGHT_FILE_NAMES[weight]}${italic ? '_Italic' : ''}.ttf`);
  if (!fs.existsSync(file)) throw new Error(`${file} missing (run scripts/setup.sh)`);
  return file;
}

// textFont is the family, weight, style and TTF of a text layer.
function textFont(l) {
  const weight = fontWeight(l);
  const italic = l.font_style === 'italic';
  return { family: l.font_name, weight, italic, file: fontFile(l.font_name, weight, italic) };
}

// fontsUsed lists the distinct faces a design's text layers need.
function fontsUsed(req) {
  const seen = new Map();
  for (const l of req.layers) {
    if (l.type !== 'text') continue;
    const f = textFont(l);
    seen.set(f.file, f);
  }
  return [...seen.values()];
}

// FALLBACK_FAMILIES are the faces Strata's registry falls back to for the
// multilingual design's Arabic, Devanagari and Han text
// (pkg/typeset/fallback.go); peers that only draw with the fonts they are
// given get the same files. EMOJI_FONT is Strata's colour emoji face.
const FALLBACK_FAMILIES = ['Noto Sans Arabic', 'Hind', 'Noto Sans SC'];
const EMOJI_FONT = path.join(ASSETS, 'emoji', 'NotoColorEmoji.ttf');

// needsFallback reports whether a design's text goes beyond Latin (then the
// peers are given the fallback faces too).
function needsFallback(req) {
  return req.layers.some((l) => l.type === 'text' && /[^\u0000-\u024F\u2000-\u206F]/u.test(l.text));
}

// fallbackFonts lists the fallback faces, in each weight the design's text
// uses (the nearest weight a family has), when the design needs them.
function fallbackFonts(req) {
  if (!needsFallback(req)) return [];
  const weights = new Set(req.layers.filter((l) => l.type === 'text').map(fontWeight));
  const out = [];
  for (const family of FALLBACK_FAMILIES) {
    for (const weight of weights) {
      for (const w of [weight, 700, 400]) {
        try {
          out.push({ family, weight, italic: false, file: fontFile(family, w, false) });
          break;
        } catch { /* this weight is not bundled: try the next */ }
      }
    }
  }
  return out;
}

// fontStack is the CSS font-family list for a text layer: its face, then
// the fallback faces and the emoji face when the design needs them.
function fontStack(req, l) {
  const f = textFont(l);
  if (!needsFallback(req)) return f.family;
  return [f.family, ...FALLBACK_FAMILIES, 'Noto Color Emoji'].map((n) => `"${n}"`).join(', ');
}

// qrSize is Strata's QR geometry: the square side, the whole-pixel module
// size and the offset that centres the code (quiet zone of 4 modules).
function qrGeometry(modules, b) {
  const side = Math.min(b.width, b.height);
  const unit = Math.max(1, Math.floor(side / (modules + 8)));
  const code = unit * (modules + 8);
  return { unit, code, dx: Math.floor((b.width - code) / 2), dy: Math.floor((b.height - code) / 2) };
}

// pkgVersion is an installed npm package's version.
function pkgVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(BENCH, 'node_modules', name, 'package.json'), 'utf8')).version;
}

module.exports = {
  pkgVersion, BENCH, OUT, ASSETS, PRODUCT_JPEG, PHOTO_JPEG, PLACEHOLDERS, DESIGN_NAMES,
  designPath, loadDesign, resolvedBody, decodeImages, sortedLayers, canvasSize, box, radius, opacity,
  rgba, cssColor, typographyCSS, FALLBACK_FAMILIES, EMOJI_FONT, needsFallback, fallbackFonts, fontStack, shadows, boxShadowCSS, blur, effectsCSS, fontWeight, fontFile, textFont, fontsUsed, qrGeometry,
};

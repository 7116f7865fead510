'use strict';
// takumi (@takumi-rs/core): a Rust renderer behind N-API — taffy layout, its
// own shaping and rasteriser, PNG encoder — that takes a satori-style node
// tree with CSS styles. Each design layer becomes an absolutely positioned
// container; text is a text node inside it; images are passed as bytes
// through the render options' `images`, keyed by src, as takumi's docs do,
// with `cache: 'none'`: takumi would otherwise keep the decoded photo from the
// first render and skip decoding after it, while every Strata request (and
// every other peer's render) decodes the bytes it was sent.
const design = require('../lib/design');
const { run } = require('../lib/runner');
const { qrSVG } = require('../lib/qr');

let renderer;

function container(style, children) {
  return { type: 'container', style, children };
}

// node is a design layer as a takumi node; images collects image sources.
function node(req, l, images) {
  const b = design.box(req, l);
  const base = { position: 'absolute', left: b.x, top: b.y, width: b.width, height: b.height, display: 'flex', opacity: design.opacity(l) };
  const r = design.radius(l, b);
  if (r) base.borderRadius = r;
  Object.assign(base, design.effectsCSS(l));
  switch (l.type) {
    case 'solid-color':
      return container({ ...base, backgroundColor: design.cssColor(l.hex_color) });
    case 'gradient': {
      const stops = l.colors.map((c) => `${design.cssColor(c.hex_color)} ${c.position}%`).join(', ');
      const img = l.gradient_type === 'radial'
        ? `radial-gradient(farthest-corner, ${stops})`
        // Strata: 0° runs left→right turning clockwise; CSS: 0° runs bottom→top.
        : `linear-gradient(${(l.angle_in_degrees || 0) + 90}deg, ${stops})`;
      return container({ ...base, backgroundImage: img });
    }
    case 'text': {
      const f = design.textFont(l);
      const justify = { top: 'flex-start', center: 'center', bottom: 'flex-end' }[l.vertical_align || 'top'];
      return container({ ...base, flexDirection: 'column', justifyContent: justify, overflow: 'hidden' }, [{
        type: 'text',
        text: l.text,
        style: {
          display: 'block', width: '100%', color: design.cssColor(l.text_color), fontFamily: design.fontStack(req, l),
          fontSize: l.font_size_in_px, fontWeight: f.weight, fontStyle: f.italic ? 'italic' : 'normal',
          textAlign: l.text_align || 'left', lineHeight: 'normal',
          whiteSpace: l.is_splitting_lines === false ? 'nowrap' : 'normal',
          ...design.typographyCSS(l),
        },
      }]);
    }
    case 'qr-code': {
      const src = `qr-${images.length}.svg`;
      images.push({ src, data: Buffer.from(qrSVG(l, b)), cache: 'none' });
      return { type: 'image', src, width: b.width, height: b.height, style: base };
    }
    case 'image': {
      const src = `image-${images.length}.jpg`;
      images.push({ src, data: l.bytes, cache: 'none' });
      return { type: 'image', src, width: b.width, height: b.height, style: { ...base, objectFit: 'cover' } };
    }
    default:
      throw new Error(`takumi peer: ${l.type} layers are not part of the benchmark`);
  }
}

module.exports = {
  name: 'takumi',
  versions() {
    return { '@takumi-rs/core': design.pkgVersion('@takumi-rs/core') };
  },
  async setup(req) {
    const { Renderer } = require('@takumi-rs/core');
    const fs = require('node:fs');
    renderer = new Renderer();
    for (const f of [...design.fontsUsed(req), ...design.fallbackFonts(req)]) {
      await renderer.registerFont({ name: f.family, data: fs.readFileSync(f.file), weight: f.weight, style: f.italic ? 'italic' : 'normal' });
    }
    if (design.needsFallback(req)) await renderer.registerFont({ name: 'Noto Color Emoji', data: fs.readFileSync(design.EMOJI_FONT) });
  },
  async render(req) {
    const { width, height } = design.canvasSize(req);
    const images = [];
    const children = design.sortedLayers(req).map((l) => node(req, l, images));
    const tree = container({ display: 'flex', position: 'relative', width, height }, children);
    return renderer.render(tree, { width, height, format: 'png', images });
  },
};

if (require.main === module) run(module.exports).catch((e) => { console.error(e); process.exit(1); });

'use strict';
// The @vercel/og stack: satori lays the design out as an element tree
// (absolutely positioned boxes, CSS gradients, text that satori shapes and
// wraps and turns into paths) and writes SVG; @resvg/resvg-js rasterises it
// and encodes the PNG. This is how @vercel/og's ImageResponse works.
const design = require('../lib/design');
const { run } = require('../lib/runner');
const { qrSVG } = require('../lib/qr');
const { Resvg } = require('@resvg/resvg-js');

let satori;
let fonts = [];

function el(type, style, children) {
  return { type, props: { style, children } };
}

// A design layer as a satori element.
function element(req, l) {
  const b = design.box(req, l);
  const base = { position: 'absolute', left: b.x, top: b.y, width: b.width, height: b.height, display: 'flex', opacity: design.opacity(l) };
  const r = design.radius(l, b);
  if (r) base.borderRadius = r;
  Object.assign(base, design.effectsCSS(l));
  switch (l.type) {
    case 'solid-color':
      return el('div', { ...base, backgroundColor: design.cssColor(l.hex_color) });
    case 'gradient': {
      const stops = l.colors.map((c) => `${design.cssColor(c.hex_color)} ${c.position}%`).join(', ');
      const img = l.gradient_type === 'radial'
        ? `radial-gradient(farthest-corner, ${stops})`
        // Strata: 0° runs left→right turning clockwise; CSS: 0° runs bottom→top.
        : `linear-gradient(${(l.angle_in_degrees || 0) + 90}deg, ${stops})`;
      return el('div', { ...base, backgroundImage: img });
    }
    case 'text': {
      const f = design.textFont(l);
      const justify = { top: 'flex-start', center: 'center', bottom: 'flex-end' }[l.vertical_align || 'top'];
      return el('div', { ...base, flexDirection: 'column', justifyContent: justify, overflow: 'hidden' }, [
        el('div', {
          display: 'block', width: '100%', color: design.cssColor(l.text_color), fontFamily: design.fontStack(req, l),
          fontSize: l.font_size_in_px, fontWeight: f.weight, fontStyle: f.italic ? 'italic' : 'normal',
          textAlign: l.text_align || 'left', lineHeight: 'normal',
          whiteSpace: l.is_splitting_lines === false ? 'nowrap' : 'normal',
          ...design.typographyCSS(l),
        }, l.text),
      ]);
    }
    case 'qr-code': {
      const svg = `data:image/svg+xml;base64,${Buffer.from(qrSVG(l, b)).toString('base64')}`;
      return { type: 'img', props: { src: svg, width: b.width, height: b.height, style: base } };
    }
    case 'image': {
      const src = `data:image/jpeg;base64,${l.bytes.toString('base64')}`;
      return { type: 'img', props: { src, width: b.width, height: b.height, style: { ...base, objectFit: 'cover' } } };
    }
    default:
      throw new Error(`satori peer: ${l.type} layers are not part of the benchmark`);
  }
}

module.exports = {
  name: 'satori+resvg',
  versions() {
    return { satori: design.pkgVersion('satori'), '@resvg/resvg-js': design.pkgVersion('@resvg/resvg-js') };
  },
  async setup(req) {
    satori = (await import('satori')).default;
    const fs = require('node:fs');
    fonts = [...design.fontsUsed(req), ...design.fallbackFonts(req)].map((f) => ({
      name: f.family, data: fs.readFileSync(f.file), weight: f.weight, style: f.italic ? 'italic' : 'normal',
    }));
  },
  async render(req) {
    const { width, height } = design.canvasSize(req);
    const tree = el('div', { display: 'flex', position: 'relative', width, height },
      design.sortedLayers(req).map((l) => element(req, l)));
    const svg = await satori(tree, { width, height, fonts });
    const resvg = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: false } });
    return resvg.render().asPng();
  },
};

if (require.main === module) run(module.exports).catch((e) => { console.error(e); process.exit(1); });

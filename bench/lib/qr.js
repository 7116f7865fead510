'use strict';
// The QR code as an SVG document with Strata's geometry (whole-pixel
// modules, 4-module quiet zone, centred): the usual way to put a QR code into
// a satori-style node tree (satori and takumi both take it as an image).
const QRCode = require('qrcode');
const design = require('./design');

// qrSVG is layer l's code drawn into its box b, as SVG text.
function qrSVG(l, b) {
  const qr = QRCode.create(l.value, { errorCorrectionLevel: l.error_correction || 'M' });
  const n = qr.modules.size;
  const g = design.qrGeometry(n, b);
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (qr.modules.get(y, x)) d += `M${g.dx + (x + 4) * g.unit} ${g.dy + (y + 4) * g.unit}h${g.unit}v${g.unit}h-${g.unit}z`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${b.width}" height="${b.height}" viewBox="0 0 ${b.width} ${b.height}" shape-rendering="crispEdges">` +
    `<rect width="${b.width}" height="${b.height}" fill="${l.background_hex_color}"/><path d="${d}" fill="${l.foreground_hex_color}"/></svg>`;
}

module.exports = { qrSVG };

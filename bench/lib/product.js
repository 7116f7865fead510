'use strict';
// Makes the product design's 12-megapixel JPEG (4000×3000) at bench time
// from a sample photo in the assets dir: upscaled with lanczos3 and given
// a light gaussian grain so that the file decodes and compresses like a
// camera photo (a smooth upscale would be unrealistically small). Not
// committed; written to bench/out/product-12mp.jpg.
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const design = require('./design');

const SOURCE = path.join(design.ASSETS, 'samples', 'coffee.png');

async function makeProductJPEG(out = design.PRODUCT_JPEG) {
  if (fs.existsSync(out)) return out;
  if (!fs.existsSync(SOURCE)) throw new Error(`${SOURCE} missing (run scripts/setup.sh)`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const width = 4000;
  const height = 3000;
  const photo = await sharp(SOURCE).removeAlpha().resize(width, height, { fit: 'cover', kernel: 'lanczos3' }).raw().toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 18 } } }).raw().toBuffer();
  await sharp(photo, { raw: { width, height, channels: 3 } })
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .toFile(out);
  return out;
}

module.exports = { makeProductJPEG };

if (require.main === module) {
  makeProductJPEG(process.argv[2]).then((p) => console.log(p, fs.statSync(p).size, 'bytes')).catch((e) => { console.error(e); process.exit(1); });
}

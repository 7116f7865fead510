'use strict';
// Makes the designs' photos at bench time from a sample photo in the assets
// dir: the product design's 12-megapixel camera JPEG (4000×3000) and the
// effects design's 1.7-megapixel web photo (1600×1067), each upscaled with
// lanczos3 and given a light gaussian grain so that the file decodes and
// compresses like a real photo (a smooth upscale would be unrealistically
// small). Not committed; written to bench/out/.
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const design = require('./design');

const SOURCE = path.join(design.ASSETS, 'samples', 'coffee.png');

// makeJPEG writes a width×height photo to out unless it is there.
async function makeJPEG(out, width, height) {
  if (fs.existsSync(out)) return out;
  if (!fs.existsSync(SOURCE)) throw new Error(`${SOURCE} missing (run scripts/setup.sh)`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const photo = await sharp(SOURCE).removeAlpha().resize(width, height, { fit: 'cover', kernel: 'lanczos3' }).raw().toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 18 } } }).raw().toBuffer();
  await sharp(photo, { raw: { width, height, channels: 3 } })
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .toFile(out);
  return out;
}

// makeProductJPEG is the product design's 12 MP photo.
const makeProductJPEG = (out = design.PRODUCT_JPEG) => makeJPEG(out, 4000, 3000);

// makePhotoJPEG is the effects design's background photo.
const makePhotoJPEG = (out = design.PHOTO_JPEG) => makeJPEG(out, 1600, 1067);

// makeImages makes every photo the benchmark's designs use.
const makeImages = async () => [await makeProductJPEG(), await makePhotoJPEG()];

module.exports = { makeProductJPEG, makePhotoJPEG, makeImages };

if (require.main === module) {
  makeProductJPEG(process.argv[2]).then((p) => console.log(p, fs.statSync(p).size, 'bytes')).catch((e) => { console.error(e); process.exit(1); });
}

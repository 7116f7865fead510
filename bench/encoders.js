'use strict';
// GIF and AVIF: Strata's encoders against every other encoder available
// here, on the same pixels (docs/PERFORMANCE.md, "GIF and AVIF against
// other encoders"). For each design (rich: drawn, effects: photographic)
// Strata renders the PNG that is the source; then
//   - Strata renders the design again with output_format gif / avif
//     (render + encode: an upper bound on its encode time; the design's
//     PNG render time is listed beside it), in-process through the Go
//     harness, one thread;
//   - sharp (its own libvips and cgif / libheif+aom) encodes the source,
//     at Strata's settings and at sharp's defaults;
//   - @napi-rs/canvas encodes AVIF (libavif) from the drawn source;
//   - takumi encodes a one-frame GIF of the source (renderAnimation);
//   - pkg/gifenc alone encodes the source's pixels (its Go benchmark
//     BenchmarkEncodeFile, built once as bench/out/gifenc.test: the mean
//     of b.Loop's runs, one thread), Strata's encode without the render.
// Quality is the PSNR of each output, decoded, against the source (RGB,
// dB; higher is closer). Medians of serial runs, one thread each.
//
//   node bench/encoders.js          (after go build -o bench/out/strata-bench ./bench/strata;
//                                    it builds bench/out/gifenc.test itself)
process.env.UV_THREADPOOL_SIZE = '1';
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const sharp = require('sharp');
const design = require('./lib/design');
const { makeImages } = require('./lib/product');
const { childEnv } = require('./lib/proc');

sharp.cache(false);
sharp.concurrency(1);

const DESIGNS = (process.env.BENCH_DESIGNS || 'rich,effects').split(',');
const BUDGET_MS = Number(process.env.BENCH_ENC_BUDGET_MS || 3000);
const STRATA_BIN = process.env.STRATA_BENCH_BIN || path.join(design.OUT, 'strata-bench');
const OUT = path.join(design.OUT, 'encoders');
const GIFENC_TEST = path.join(design.OUT, 'gifenc.test');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// timed runs fn serially for the budget (at least 3 times) and returns the
// median milliseconds and the last output.
async function timed(fn) {
  const ms = [];
  let out;
  const start = performance.now();
  while (ms.length < 3 || (performance.now() - start < BUDGET_MS && ms.length < 50)) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), n: ms.length, out };
}

// psnr is the PSNR in dB of an encoded image against the source's RGB.
async function psnr(encoded, sourceRGB) {
  const { data } = await sharp(encoded, { animated: false }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (data.length !== sourceRGB.length) throw new Error(`decoded size ${data.length} ≠ source ${sourceRGB.length}`);
  let se = 0;
  for (let i = 0; i < data.length; i++) { const d = data[i] - sourceRGB[i]; se += d * d; }
  const mse = se / data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

// strataRun renders a design file with the Go harness: "once" writes the
// output, "profile" times it (ms per render, one thread).
function strata(designFile, mode, out) {
  const args = ['-design', designFile, '-image', design.PRODUCT_JPEG, '-photo', design.PHOTO_JPEG, '-wire-images', '-mode', mode];
  if (mode === 'once') args.push('-out', out);
  else args.push('-seconds', String(BUDGET_MS / 1000));
  return JSON.parse(execFileSync(STRATA_BIN, args, { encoding: 'utf8', env: childEnv({ VIPS_CONCURRENCY: '1' }) }));
}

// gifencAlone runs pkg/gifenc's BenchmarkEncodeFile on a PNG and returns
// the mean ms per encode, the number of runs and the GIF it wrote.
function gifencAlone(png, out) {
  const text = execFileSync(GIFENC_TEST, ['-test.run', '^$', '-test.bench', '^BenchmarkEncodeFile$', '-test.benchtime', `${BUDGET_MS}ms`, '-test.cpu', '1'],
    { encoding: 'utf8', env: childEnv({ GIFENC_BENCH_PNG: png, GIFENC_BENCH_OUT: out }) });
  const m = text.match(/BenchmarkEncodeFile\S*\s+(\d+)\s+([\d.]+) ns\/op/);
  if (!m) throw new Error(`no benchmark line in: ${text}`);
  return { ms: Number(m[2]) / 1e6, n: Number(m[1]), out: fs.readFileSync(out) };
}

function withFormat(name, format) {
  const req = JSON.parse(fs.readFileSync(design.designPath(name), 'utf8'));
  req.output_format = format;
  const file = path.join(OUT, `${name}.${format}.json`);
  fs.writeFileSync(file, JSON.stringify(req));
  return file;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync('go', ['test', '-c', '-o', GIFENC_TEST, './pkg/gifenc'], { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  await makeImages();
  const { Renderer } = require('@takumi-rs/core');
  const { createCanvas, loadImage } = require('@napi-rs/canvas');
  const takumi = new Renderer();
  const rows = [];
  for (const name of DESIGNS) {
    const srcFile = path.join(OUT, `${name}.png`);
    strata(withFormat(name, 'png'), 'once', srcFile);
    const src = fs.readFileSync(srcFile);
    const meta = await sharp(src).metadata();
    const rgb = await sharp(src).removeAlpha().raw().toBuffer();
    const { width, height } = meta;
    const img = await loadImage(src);
    const canvas = createCanvas(width, height);
    canvas.getContext('2d').drawImage(img, 0, 0);

    const add = async (format, encoder, settings, fn) => {
      const r = await timed(fn);
      const file = path.join(OUT, `${name}.${encoder.replace(/[^a-z0-9]+/gi, '-')}.${settings.replace(/[^a-z0-9]+/gi, '-')}.${format}`);
      fs.writeFileSync(file, r.out);
      rows.push({ design: name, format, encoder, settings, ms: r.ms, n: r.n, bytes: r.out.length, psnr: await psnr(r.out, rgb) });
    };
    // Strata's render alone is about its PNG render minus the PNG encode;
    // the PNG row is there to read the encode off.
    const pngRun = strata(withFormat(name, 'png'), 'profile');
    for (const format of ['gif', 'avif']) {
      rows.push({ design: name, format, encoder: 'Strata (render + PNG, for reference)', settings: 'PNG level 1',
        ms: pngRun.ms_per_render, n: pngRun.renders, bytes: src.length, psnr: Infinity });
      const f = withFormat(name, format);
      const p = strata(f, 'profile');
      const once = path.join(OUT, `${name}.strata.${format}`);
      strata(f, 'once', once);
      const out = fs.readFileSync(once);
      rows.push({ design: name, format, encoder: 'Strata (render + encode)', settings: format === 'gif' ? 'effort 1 (pkg/gifenc), dither 1.0' : 'aom Q60, effort 1',
        ms: p.ms_per_render, n: p.renders, bytes: out.length, psnr: await psnr(out, rgb) });
    }
    {
      const g = gifencAlone(srcFile, path.join(OUT, `${name}.gifenc-alone.gif`));
      rows.push({ design: name, format: 'gif', encoder: 'Strata pkg/gifenc alone (Go benchmark, mean)', settings: 'dither 1.0',
        ms: g.ms, n: g.n, bytes: g.out.length, psnr: await psnr(g.out, rgb) });
    }
    await add('gif', `sharp ${sharp.versions.vips}`, 'effort 1, dither 1.0', () => sharp(src).gif({ effort: 1, dither: 1 }).toBuffer());
    await add('gif', `sharp ${sharp.versions.vips}`, 'defaults (effort 7)', () => sharp(src).gif().toBuffer());
    await add('gif', 'takumi', 'one-frame animation', () => takumi.renderAnimation({
      scenes: [{ node: { type: 'image', src: 'source.png', width, height, style: { width, height } }, durationMs: 1000 }],
      width, height, fps: 1, format: 'gif', images: [{ src: 'source.png', data: src, cache: 'none' }],
    }));
    await add('avif', `sharp ${sharp.versions.vips}`, 'Q60, effort 1', () => sharp(src).avif({ quality: 60, effort: 1 }).toBuffer());
    await add('avif', `sharp ${sharp.versions.vips}`, 'defaults (Q50, effort 4)', () => sharp(src).avif().toBuffer());
    await add('avif', '@napi-rs/canvas', 'quality 60', () => canvas.encode('avif', { quality: 60 }));
  }
  const L = [`### GIF and AVIF encoders, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`, '',
    `${os.cpus()[0].model.trim()} × ${os.cpus().length}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; one thread each; median of serial runs (${BUDGET_MS} ms budget).`, '',
    '| design | format | encoder | settings | median ms | ×fastest | bytes | PSNR dB |', '|---|---|---|---|---:|---:|---:|---:|'];
  for (const name of DESIGNS) {
    for (const format of ['gif', 'avif']) {
      const rs = rows.filter((r) => r.design === name && r.format === format);
      const fastest = Math.min(...rs.filter((r) => r.psnr !== Infinity).map((r) => r.ms));
      for (const r of rs) {
        L.push(`| ${name} | ${format} | ${r.encoder} | ${r.settings} | ${r.ms.toFixed(1)} | ${(r.ms / fastest).toFixed(2)}× | ${r.bytes} | ${r.psnr === Infinity ? "source" : r.psnr.toFixed(1)} |`);
      }
    }
  }
  const md = L.join('\n') + '\n';
  fs.writeFileSync(path.join(OUT, 'encoders.md'), md);
  process.stdout.write(md);
}

main().catch((e) => { console.error(e); process.exit(1); });

'use strict';
// Where Strata's render time goes: reads the CPU and allocation profiles
// that `strata-bench -mode profile` wrote for each design and attributes
// every CPU sample to one stage by its innermost recognisable frame
// (request decode, text shaping and layout, glyph rasterising, QR code,
// image decode and fit, drawing and compositing, buffer allocation,
// encoding, GC). Prints markdown.
//
//   node breakdown.js <strata-bench binary> <pprof dir> <design>...
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Stages, tried in order against each frame from the leaf up; the first
// frame that matches any stage decides.
const STAGES = [
  ['PNG deflate (libdeflate, or flatDeflate in Go; zlib in other encoders)', /libdeflate|libz\.so|deflate|pngenc\.(flatBlock|matchLength|huffmanLengths|writeCodeLengths|canonicalCodes|hash4|\(\*bitWriter\))/i],
  ['PNG filtering and framing (libpng/libspng, C)', /libpng|libspng/],
  ['JPEG decode / other codecs (libjpeg, libwebp…, C)', /libjpeg|libwebp|libheif|libtiff|libgif|libexif|liblcms/],
  ['libvips and libc (C: encode set-up, resize, copies)', /libvips|libc\.so|libglib|libgobject|_Cfunc_|cgocall/],
  ['encoding: scanlines, row filter, hand-over (Go)', /pkg\/pixels\.|pkg\/pngenc\.|render\.\(\*Renderer\)\.encode|hash\/crc32/],
  ['request decode (JSON, validation, base64)', /pkg\/schema\.|encoding\/json|go-json-experiment|encoding\/base64/],
  ['text: glyph rasterising and painting', /typeset\.(drawMask|drawRGBA|fillRect|\(\*paintOp\)|\(\*Registry\)\.(paint|glyph)|raster|\(\*glyphCache\))|typeset\.glyph|golang\.org\/x\/image\/vector|emoji/],
  ['text: shaping, wrapping, layout', /typeset\.|go-text\/typesetting|golang\.org\/x\/text/],
  ['QR code / barcode', /pkg\/codes\.|skip2\/go-qrcode|boombuler\/barcode/],
  ['image layer: decode, fit, smart crop', /pkg\/imaging\.|pkg\/segment\./],
  ['buffer allocation and zeroing (image.NewRGBA, mallocgc)', /image\.NewRGBA|runtime\.mallocgc|runtime\.memclrNoHeapPointers|runtime\.(largeAlloc|makeslice)/],
  ['warnings: text contrast report', /render\.(reportContrast|medianContrast|contrastBin)/],
  ['drawing and compositing (shapes, gradients, corners, blend)', /pkg\/render\./],
  ['garbage collection', /runtime\.gc|runtime\.scanobject|runtime\.markroot|runtime\.bgsweep|runtime\.(scanObject|wbBuf|tryDeferToSpanScan|sweep)/],
];

function toMs(v, unit) {
  return Number(v) * ({ ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000 }[unit] ?? 1);
}

function traces(bin, prof) {
  const out = execFileSync('go', ['tool', 'pprof', '-traces', bin, prof], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const blocks = out.split(/^-+\+-+$/m).slice(1);
  const samples = [];
  for (const b of blocks) {
    const lines = b.split('\n').filter((l) => l.trim());
    if (!lines.length) continue;
    const m = /^\s*([\d.]+)(ns|us|µs|ms|s)\s+(.*)$/.exec(lines[0]);
    if (!m) continue;
    samples.push({ ms: toMs(m[1], m[2]), frames: [m[3].trim(), ...lines.slice(1).map((l) => l.trim())] });
  }
  return samples;
}

function classify(frames) {
  for (const f of frames) {
    for (const [name, re] of STAGES) if (re.test(f)) return name;
  }
  return 'other (runtime, scheduling)';
}

function allocTop(bin, prof) {
  try {
    const out = execFileSync('go', ['tool', 'pprof', '-sample_index=alloc_space', '-top', '-nodecount=6', bin, prof], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const total = /of ([\d.]+[kMG]?B) total/.exec(out);
    const rows = out.split('\n').filter((l) => /^\s+[\d.]+[kMG]?B/.test(l)).map((l) => {
      const c = l.trim().split(/\s+/);
      return { flat: c[0], name: c.slice(5).join(' ') };
    });
    return { total: total ? total[1] : '?', rows };
  } catch {
    return null;
  }
}

function main() {
  const [bin, dir, ...designs] = process.argv.slice(2);
  const L = ['#### Where Strata\'s time goes (CPU profile, one thread, warm)', ''];
  for (const name of designs) {
    const cpu = path.join(dir, `${name}.cpu.pprof`);
    const runFile = path.join(dir, `${name}.json`);
    if (!fs.existsSync(cpu) || !fs.existsSync(runFile)) { L.push(`- ${name}: n/a (no profile: Strata cannot render it yet)`, ''); continue; }
    const run = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    const samples = traces(bin, cpu);
    const total = samples.reduce((s, x) => s + x.ms, 0);
    const by = new Map();
    for (const s of samples) {
      const k = classify(s.frames);
      by.set(k, (by.get(k) || 0) + s.ms);
    }
    L.push(`**${name}**: ${run.renders} renders in ${(run.elapsed_ms / 1000).toFixed(1)} s, ${run.ms_per_render.toFixed(2)} ms wall per render, ${(total / run.renders).toFixed(2)} ms CPU per render.`, '');
    L.push('| stage | CPU ms per render | share |', '|---|---:|---:|');
    for (const [k, v] of [...by.entries()].sort((a, b) => b[1] - a[1])) {
      L.push(`| ${k} | ${(v / run.renders).toFixed(2)} | ${((100 * v) / total).toFixed(1)}% |`);
    }
    const alloc = allocTop(bin, path.join(dir, `${name}.alloc.pprof`));
    if (alloc) {
      L.push('', `Allocations (whole run incl. warm-up, ${alloc.total}): ${alloc.rows.map((r) => `${r.name} ${r.flat}`).join('; ')}.`);
    }
    L.push('');
  }
  process.stdout.write(L.join('\n') + '\n');
}

main();

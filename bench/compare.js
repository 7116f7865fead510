'use strict';
// Side-by-side comparison of Strata with satori+resvg, @napi-rs/canvas,
// sharp and takumi on the designs under bench/designs (scripts/bench-peers.sh runs it;
// docs/PERFORMANCE.md "Peers" explains the method and records results).
//
// In-process: one long-lived worker per engine and design (two per peer, so
// two processes can use the two cores; Strata uses goroutines in one
// process). Rounds interleave engines and designs so that the shared
// machine's drift hits all alike. Per design and engine: median and p90
// latency of serial renders (one request in flight, each engine with its
// production threading: Strata GOMAXPROCS = cores, peers their defaults;
// Strata also pinned to one thread, as a second column), throughput on 2 cores, peak RSS,
// PNG bytes; each as a ratio to Strata. Then over HTTP: Strata's API and
// each peer in a minimal Node server, driven by wrk with the same body and
// concurrency. Then cold start, pixel differences and side-by-side sheets.
//
// Environment: BENCH_ROUNDS (2), BENCH_LAT_N (40), BENCH_LAT_BUDGET_MS
// (2500), BENCH_TPUT_MS (2500), BENCH_HTTP_SECONDS (5), BENCH_HTTP_CONC (4),
// BENCH_DESIGNS (all), BENCH_SKIP_HTTP, BENCH_COLD_REPS (3), STRATA_BENCH_BIN
// (bench/out/strata-bench), STRATA_API_BIN (bin/strata-api).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const sharp = require('sharp');
const design = require('./lib/design');
const { makeImages } = require('./lib/product');
const { Worker, timedRun } = require('./lib/proc');
const { median } = require('./lib/runner');

const env = (k, d) => (process.env[k] !== undefined && process.env[k] !== '' ? process.env[k] : d);
const ROUNDS = Number(env('BENCH_ROUNDS', 2));
const LAT_N = Number(env('BENCH_LAT_N', 40));
const LAT_BUDGET = Number(env('BENCH_LAT_BUDGET_MS', 2500));
const TPUT_MS = Number(env('BENCH_TPUT_MS', 2500));
const HTTP_SECONDS = Number(env('BENCH_HTTP_SECONDS', 5));
const HTTP_CONC = Number(env('BENCH_HTTP_CONC', 4));
const COLD_REPS = Number(env('BENCH_COLD_REPS', 3));
const DESIGNS = env('BENCH_DESIGNS', design.DESIGN_NAMES.join(',')).split(',');
const REPO = path.resolve(design.BENCH, '..');
const STRATA_BIN = env('STRATA_BENCH_BIN', path.join(design.OUT, 'strata-bench'));
const API_BIN = env('STRATA_API_BIN', path.join(REPO, 'bin', 'strata-api'));
const KEY = 'bench-key-0123456789abcdef';

const ENGINES = [
  { id: 'strata', label: 'Strata', peer: false },
  { id: 'satori', label: 'satori+resvg', peer: true },
  { id: 'canvas', label: '@napi-rs/canvas', peer: true },
  { id: 'sharp', label: 'sharp', peer: true },
  { id: 'takumi', label: 'takumi', peer: true },
];

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

function p90(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)];
}

function startWorker(engine, name, slot) {
  const label = `${engine.id}/${name}/${slot}`;
  if (!engine.peer) {
    return new Worker(label, STRATA_BIN, ['-design', design.designPath(name), '-image', design.PRODUCT_JPEG, '-photo', design.PHOTO_JPEG, '-mode', 'serve', '-wire-images'],
      {}); // libvips' default concurrency, as the API runs it
  }
  // Production threading: libuv's default pool (takumi's N-API render runs
  // on it), sharp's default libvips concurrency (SHARP_CONCURRENCY 0).
  return new Worker(label, process.execPath, [path.join(design.BENCH, 'peers', `${engine.id}.js`), name, '--serve'],
    { SHARP_CONCURRENCY: '0' });
}

// rotate puts round r's engine order first-to-last differently each round.
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);

async function inProcess(results) {
  const workers = {};
  for (const name of DESIGNS) {
    for (const e of ENGINES) {
      const ws = e.peer ? [startWorker(e, name, 'a'), startWorker(e, name, 'b')] : [startWorker(e, name, 'a')];
      for (const w of ws) await w.ready.catch(() => {}); // start one at a time: start-up is CPU-heavy
      workers[`${e.id}/${name}`] = ws;
      const r = results[name][e.id];
      // Warm up, save the output, and find out whether this engine renders the design.
      const ready = await ws[0].ready.catch((err) => ({ error: err.message }));
      if (ready.error) { r.error = firstLine(ready.error); log(`${e.label} ${name}: n/a (${r.error})`); continue; }
      if (ready.note) {
        r.note = ready.note;
        log(`${e.label} ${name}: ${ready.note}`);
      }
      const warm = await ws[0].send({ cmd: 'lat', n: 3, budget_ms: 0 });
      if (warm.error) { r.error = firstLine(warm.error); log(`${e.label} ${name}: n/a (${r.error})`); continue; }
      if (e.peer) await ws[1].send({ cmd: 'lat', n: 3, budget_ms: 0 });
      const saved = await ws[0].send({ cmd: 'save', path: path.join(design.OUT, name, `${e.id}.png`) });
      if (saved.error) r.error = firstLine(saved.error);
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of DESIGNS) {
      const engines = rotate(ENGINES, round + DESIGNS.indexOf(name));
      for (const e of engines) {
        const r = results[name][e.id];
        if (r.error) continue;
        const w = workers[`${e.id}/${name}`][0];
        const lat = await w.send({ cmd: 'lat', n: LAT_N, budget_ms: LAT_BUDGET, procs: os.cpus().length });
        if (lat.error) { r.error = firstLine(lat.error); continue; }
        if (!e.peer) {
          const one = await w.send({ cmd: 'lat', n: LAT_N, budget_ms: LAT_BUDGET, procs: 1 });
          if (one.error) { r.error = firstLine(one.error); continue; }
          r.ms1.push(...one.ms);
        }
        r.ms.push(...lat.ms);
        r.roundMedians.push(median(lat.ms));
        r.bytes = lat.bytes;
        if (lat.decode_ms !== undefined) r.decodeMs.push(lat.decode_ms);
      }
      for (const e of engines) {
        const r = results[name][e.id];
        if (r.error) continue;
        const ws = workers[`${e.id}/${name}`];
        const replies = e.peer
          ? await Promise.all(ws.map((w) => w.send({ cmd: 'tput', ms: TPUT_MS })))
          : [await ws[0].send({ cmd: 'tput', ms: TPUT_MS, conc: 2 })];
        const bad = replies.find((x) => x.error);
        if (bad) { r.error = firstLine(bad.error); continue; }
        const renders = replies.reduce((s, x) => s + x.renders, 0);
        const elapsed = Math.max(...replies.map((x) => x.elapsed_ms));
        r.tput.push((renders * 1000) / elapsed);
        // CPU cores the engine kept busy: below 2 means it was starved by
        // other load on the machine or serialised somewhere.
        r.cores.push(replies.reduce((sum, x) => sum + (x.cpu_ms || 0), 0) / elapsed);
      }
      log(`round ${round + 1}/${ROUNDS} ${name}: ` + ENGINES.map((e) => {
        const r = results[name][e.id];
        return r.error ? `${e.id} n/a` : `${e.id} ${r.roundMedians.at(-1)?.toFixed(1)} ms ${r.tput.at(-1)?.toFixed(1)}/s`;
      }).join(', '));
    }
  }
  for (const name of DESIGNS) {
    for (const e of ENGINES) {
      const ws = workers[`${e.id}/${name}`];
      const r = results[name][e.id];
      r.rssMB = ws[0].peakRSS();
      if (e.peer) r.rssPairMB = ws.reduce((s, w) => s + (w.peakRSS() || 0), 0);
      for (const w of ws) await w.quit();
    }
  }
}

function firstLine(s) {
  return String(s).split('\n')[0].slice(0, 200);
}

async function coldStart(cold) {
  for (const e of ENGINES) {
    const times = [];
    for (let i = 0; i < COLD_REPS; i++) {
      try {
        const { ms } = e.peer
          ? await timedRun(process.execPath, [path.join(design.BENCH, 'peers', `${e.id}.js`), 'social', '--once'], { UV_THREADPOOL_SIZE: '1' })
          : await timedRun(STRATA_BIN, ['-design', design.designPath('social'), '-mode', 'once'], { VIPS_CONCURRENCY: '1' });
        times.push(ms);
      } catch (err) {
        cold[e.id] = { error: firstLine(err.message) };
        break;
      }
    }
    if (times.length) cold[e.id] = { ms: median(times), all: times };
    log(`cold start ${e.label}: ${cold[e.id].ms ? cold[e.id].ms.toFixed(0) + ' ms' : cold[e.id].error}`);
  }
}

// HTTP ------------------------------------------------------------------

async function waitFor200(port, bodyFile, timeoutMs, t0) {
  const body = fs.readFileSync(bodyFile);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/image-generation/v1/generate`, {
        method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      });
      const text = await res.text();
      if (res.status === 200) return performance.now() - t0;
      if (res.status !== 503) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    } catch (err) {
      if (!/ECONNREFUSED|fetch failed/.test(String(err.cause || err.message))) throw err;
    }
    if (Date.now() > deadline) throw new Error(`no answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function wrk(port, bodyFile, seconds) {
  const out = execFileSync('wrk', ['-t2', `-c${HTTP_CONC}`, `-d${seconds}s`, '--timeout', '30s', '--latency', '-s', path.join(design.BENCH, 'post.lua'),
    `http://127.0.0.1:${port}/image-generation/v1/generate`], { env: { ...process.env, BODY: bodyFile, BENCH_KEY: KEY }, encoding: 'utf8' });
  const toMs = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[u] ?? 1);
  const pct = (p) => { const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out); return m ? toMs(m[1], m[2]) : null; };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  return { median: pct(50), p90: pct(90), rps: rps ? Number(rps[1]) : null, non2xx: bad ? Number(bad[1]) : 0, requests: total ? Number(total[1]) : 0, raw: out };
}

// httpSeconds is how long wrk runs on a design: BENCH_HTTP_SECONDS, longer
// for slow designs so that the slowest engine completes about six requests
// per connection (at most 30 s).
function httpSeconds(byEngine) {
  const slowest = Math.max(0, ...Object.values(byEngine).map((r) => (r.ms.length ? median(r.ms) : 0)));
  return Math.min(30, Math.max(HTTP_SECONDS, Math.ceil((6 * slowest * HTTP_CONC) / 2 / 1000)));
}

async function overHTTP(results, cold) {
  const bodies = {};
  fs.mkdirSync(path.join(design.OUT, 'requests'), { recursive: true });
  for (const name of DESIGNS) {
    bodies[name] = path.join(design.OUT, 'requests', `${name}.json`);
    fs.writeFileSync(bodies[name], design.resolvedBody(name));
  }
  const social = bodies.social || (() => { const f = path.join(design.OUT, 'requests', 'social.json'); fs.writeFileSync(f, design.resolvedBody('social')); return f; })();
  const servers = [];
  const base = 18470;
  try {
    for (const [i, e] of ENGINES.entries()) {
      const port = base + i;
      const t0 = performance.now();
      const s = e.peer
        ? new Worker(`http-${e.id}`, process.execPath, [path.join(design.BENCH, 'serve.js'), e.id, String(port)], {})
        : new Worker('http-strata', API_BIN, [], {
          STRATA_LISTEN_ADDR: `127.0.0.1:${port}`, STRATA_API_KEYS: KEY, STRATA_LOG_LEVEL: 'error',
          STRATA_RATE_LIMIT: '0', STRATA_RENDER_CONCURRENCY: '2',
          // The render cache would answer every request after the first
          // (the body never changes): off, so each request renders, as the
          // peers' do.
          STRATA_CACHE_MAX_BYTES: '0',
        });
      servers.push(s);
      try {
        cold[`${e.id}-http`] = { ms: await waitFor200(port, social, 30000, t0) };
        log(`HTTP ${e.label} on :${port}, first social card after ${cold[`${e.id}-http`].ms.toFixed(0)} ms`);
      } catch (err) {
        cold[`${e.id}-http`] = { error: firstLine(err.message) };
        log(`HTTP ${e.label}: ${err.message} ${s.stderr}`);
      }
      e.port = port;
    }
    for (const [di, name] of DESIGNS.entries()) {
      for (const e of rotate(ENGINES, di)) {
        const h = results[name][e.id].http = {};
        if (cold[`${e.id}-http`].error) { h.error = cold[`${e.id}-http`].error; continue; }
        try {
          const secs = httpSeconds(results[name]);
          wrk(e.port, bodies[name], Math.max(1, Math.ceil(secs / 5))); // warm
          const w = wrk(e.port, bodies[name], secs);
          h.seconds = secs;
          if (w.requests === 0) {
            h.error = `no request completed in ${HTTP_SECONDS} s`;
          } else if (w.non2xx >= w.requests) {
            h.error = `all ${w.non2xx} responses were errors`;
          } else {
            Object.assign(h, { median: w.median, p90: w.p90, rps: w.rps, non2xx: w.non2xx });
          }
        } catch (err) {
          h.error = firstLine(err.message);
        }
        log(`HTTP ${name} ${e.label}: ${h.error || `${h.median?.toFixed(1)} ms p50, ${h.rps} req/s`}`);
      }
    }
  } finally {
    for (const s of servers) { if (!s.exited) { s.proc.kill('SIGTERM'); await new Promise((r) => { s.proc.once('exit', r); setTimeout(r, 3000); }); } }
  }
}

// Pixels ----------------------------------------------------------------

async function rawRGBA(file) {
  return sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
}

async function pixelDiffs(results) {
  for (const name of DESIGNS) {
    const dir = path.join(design.OUT, name);
    const ref = path.join(dir, 'strata.png');
    const haveRef = fs.existsSync(ref) && !results[name].strata.error;
    const refRaw = haveRef ? await rawRGBA(ref) : null;
    for (const e of ENGINES.filter((x) => x.peer)) {
      const f = path.join(dir, `${e.id}.png`);
      if (!refRaw || !fs.existsSync(f)) continue;
      const { data, info } = await rawRGBA(f);
      if (info.width !== refRaw.info.width || info.height !== refRaw.info.height) continue;
      let sum = 0;
      let over = 0;
      const a = refRaw.data;
      for (let i = 0; i < data.length; i += 4) {
        let m = 0;
        for (let c = 0; c < 4; c++) {
          const d = Math.abs(data[i + c] - a[i + c]);
          sum += d;
          if (d > m) m = d;
        }
        if (m > 32) over++;
      }
      results[name][e.id].diff = { meanAbs: sum / data.length, pctOver32: (100 * over * 4) / data.length };
    }
    await sideBySide(name, dir);
  }
}

// sideBySide writes <design>/side-by-side.png: the four outputs at half
// size in a 2×2 grid with their names.
async function sideBySide(name, dir) {
  const tiles = [];
  for (const e of ENGINES) {
    const f = path.join(dir, `${e.id}.png`);
    if (!fs.existsSync(f)) continue;
    const meta = await sharp(f).metadata();
    const w = Math.round(meta.width / 2);
    const img = await sharp(f).resize(w).png().toBuffer();
    const label = await sharp({ text: { text: `<span foreground="#111">${e.label}</span>`, font: 'Inter Bold 22', fontfile: design.fontFile('Inter', 700, false), dpi: 72, rgba: true } }).png().toBuffer();
    tiles.push({ img, label, w, h: Math.round(meta.height / 2) });
  }
  if (!tiles.length) return;
  const W = Math.max(...tiles.map((t) => t.w));
  const H = Math.max(...tiles.map((t) => t.h));
  const pad = 16;
  const labelH = 36;
  const cols = 2;
  const rows = Math.ceil(tiles.length / cols);
  const composite = [];
  tiles.forEach((t, i) => {
    const x = pad + (i % cols) * (W + pad);
    const y = pad + Math.floor(i / cols) * (H + labelH + pad);
    composite.push({ input: t.label, left: x, top: y });
    composite.push({ input: t.img, left: x, top: y + labelH });
  });
  await sharp({ create: { width: pad + cols * (W + pad), height: pad + rows * (H + labelH + pad), channels: 3, background: '#e5e7eb' } })
    .composite(composite).png().toFile(path.join(dir, 'side-by-side.png'));
}

// Report ----------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  let vips = '';
  try { vips = execFileSync('pkg-config', ['--modversion', 'vips'], { encoding: 'utf8' }).trim(); } catch { /* absent */ }
  let go = '';
  try { go = execFileSync('go', ['version'], { encoding: 'utf8' }).trim().replace(/^go version /, ''); } catch { /* absent */ }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${cpus[0].model.trim()} × ${cpus.length}`,
    cores: cpus.length,
    memGB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((x) => x.toFixed(1)).join(' '),
    go, node: process.version, strataLibvips: vips,
    peers: {
      satori: design.pkgVersion('satori'), '@resvg/resvg-js': design.pkgVersion('@resvg/resvg-js'),
      '@napi-rs/canvas': design.pkgVersion('@napi-rs/canvas'), sharp: design.pkgVersion('sharp'),
      "sharp's libvips": sharp.versions.vips, '@takumi-rs/core': design.pkgVersion('@takumi-rs/core'), qrcode: design.pkgVersion('qrcode'),
    },
  };
}

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x, s) => (x == null || s == null || !s ? 'n/a' : `${(x / s).toFixed(2)}×`);
const kb = (x) => (x == null ? 'n/a' : `${(x / 1024).toFixed(0)} KiB`);

function summarise(results) {
  for (const name of DESIGNS) {
    for (const e of ENGINES) {
      const r = results[name][e.id];
      r.median = r.ms.length ? median(r.ms) : null;
      r.median1 = r.ms1.length ? median(r.ms1) : null;
      r.p90 = p90(r.ms);
      r.tputMedian = r.tput.length ? median(r.tput) : null;
      r.coresMedian = r.cores.length ? median(r.cores) : null;
      // Renders per second of CPU: throughput with the machine's other load
      // factored out (the shared machine often gives an engine less than 2 cores).
      r.perCPU = r.tput.length ? median(r.tput.map((t, i) => t / r.cores[i])) : null;
      if (r.error) Object.assign(r, { median: null, median1: null, p90: null, tputMedian: null, coresMedian: null, perCPU: null, bytes: null, rssMB: null });
    }
  }
}

function report(m, results, cold) {
  const L = [];
  L.push(`### Run of ${m.date}`, '');
  L.push(`- Machine: ${m.cpu}, ${m.memGB} GB, ${m.kernel}; load average at the end ${m.load} (shared machine).`);
  L.push(`- Strata: ${m.go}, libvips ${m.strataLibvips}. Node ${m.node}; ${Object.entries(m.peers).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  L.push(`- Settings: ${ROUNDS} interleaved rounds; latency = up to ${LAT_N} serial renders or ${LAT_BUDGET} ms per round, one request in flight, production threading (Strata GOMAXPROCS ${m.cores}, peers their defaults; Strata pinned to one thread in its own column); throughput = ${TPUT_MS} ms per round on 2 cores; HTTP = wrk, ${HTTP_CONC} connections, ${HTTP_SECONDS} s (longer for slow designs, up to 30 s) after a warm-up, Strata's render cache off.`);
  L.push('', '#### In-process (ratios are peer ÷ Strata: above 1× on latency, RSS and bytes, below 1× on throughput means Strata is ahead)', '');
  L.push('| design | engine | median ms | p90 ms | median ms, 1 thread | renders/s, 2 cores | CPU cores busy | renders per CPU-s | peak RSS MB | PNG | median ×S | p90 ×S | renders/s ×S | RSS ×S | bytes ×S | mean abs Δ vs Strata (0–255) | px Δ>32 |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of DESIGNS) {
    const s = results[name].strata;
    for (const e of ENGINES) {
      const r = results[name][e.id];
      const na = r.error ? ` (n/a: ${r.error.replace(/\|/g, '/')})` : r.note ? ` (${r.note})` : '';
      const rss = r.rssMB == null ? 'n/a' : e.peer ? `${f1(r.rssMB)} (×2 procs: ${f1(r.rssPairMB)})` : f1(r.rssMB);
      L.push(`| ${name} | ${e.label}${na} | ${f1(r.median)} | ${f1(r.p90)} | ${e.peer ? '—' : f1(r.median1)} | ${f1(r.tputMedian)} | ${r.coresMedian == null ? 'n/a' : r.coresMedian.toFixed(2)} | ${f1(r.perCPU)} | ${rss} | ${kb(r.bytes)} | ` +
        (e.peer ? `${ratio(r.median, s.median)} | ${ratio(r.p90, s.p90)} | ${ratio(r.tputMedian, s.tputMedian)} | ${ratio(r.rssMB, s.rssMB)} | ${ratio(r.bytes, s.bytes)} | ${r.diff ? r.diff.meanAbs.toFixed(2) : 'n/a'} | ${r.diff ? r.diff.pctOver32.toFixed(2) + '%' : 'n/a'} |`
          : '— | — | — | — | — | — | — |'));
    }
  }
  if (DESIGNS.some((n) => results[n].strata.http)) {
    L.push('', '#### Over HTTP (same wrk client, body and concurrency; peers in node:cluster with 2 workers)', '');
    L.push('| design | server | seconds | median ms | p90 ms | requests/s | median ×S | p90 ×S | requests/s ×S |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const name of DESIGNS) {
      const s = results[name].strata.http || {};
      for (const e of ENGINES) {
        const h = results[name][e.id].http || {};
        L.push(`| ${name} | ${e.label}${h.error ? ` (n/a: ${h.error.replace(/\|/g, '/')})` : ''}${h.non2xx ? ` (${h.non2xx} errors)` : ''} | ${h.seconds ?? 'n/a'} | ${f1(h.median)} | ${f1(h.p90)} | ${f1(h.rps)} | ` +
          (e.peer ? `${ratio(h.median, s.median)} | ${ratio(h.p90, s.p90)} | ${ratio(h.rps, s.rps)} |` : '— | — | — |'));
      }
    }
  }
  L.push('', '#### Cold start: process start to the first rendered social card (median of runs)', '');
  L.push('| engine | in-process (exec → PNG written) ms | HTTP server (spawn → first 200) ms |');
  L.push('|---|---:|---:|');
  for (const e of ENGINES) {
    const c = cold[e.id] || {};
    const h = cold[`${e.id}-http`] || {};
    L.push(`| ${e.label} | ${c.error ? 'n/a' : f1(c.ms)} | ${h.error ? 'n/a' : f1(h.ms)} |`);
  }
  L.push('', '#### Goal check (Strata ≤ 0.5× the fastest peer\'s median, ≥ 2× the best peer\'s throughput on 2 cores, RSS ≤ leanest peer + 50 MB)', '');
  L.push('| design | Strata ÷ fastest peer median | same, Strata on 1 thread | fastest peer | Strata ÷ best peer renders/s | same per CPU-second | Strata RSS − leanest peer | met |');
  L.push('|---|---:|---:|---|---:|---:|---:|---|');
  for (const name of DESIGNS) {
    const s = results[name].strata;
    const peers = ENGINES.filter((e) => e.peer).map((e) => ({ ...results[name][e.id], label: e.label })).filter((r) => !r.error);
    if (s.error || !peers.length) { L.push(`| ${name} | n/a | n/a | n/a | n/a | n/a | n/a | n/a (${s.error ? 'Strata cannot render it yet' : 'no peer'}) |`); continue; }
    const fastest = peers.reduce((a, b) => (b.median < a.median ? b : a));
    const bestT = Math.max(...peers.map((r) => r.tputMedian));
    const leanest = Math.min(...peers.map((r) => r.rssMB));
    const lm = s.median / fastest.median;
    const t = s.tputMedian / bestT;
    const c = s.perCPU / Math.max(...peers.map((r) => r.perCPU));
    const d = s.rssMB - leanest;
    L.push(`| ${name}${s.note ? ' (see note)' : ''} | ${lm.toFixed(2)}× | ${s.median1 == null ? 'n/a' : (s.median1 / fastest.median).toFixed(2) + '×'} | ${fastest.label} | ${t.toFixed(2)}× | ${c.toFixed(2)}× | ${d >= 0 ? '+' : ''}${d.toFixed(0)} MB | ${lm <= 0.5 && t >= 2 && d <= 50 ? 'yes' : 'no'} |`);
  }
  return L.join('\n') + '\n';
}

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(design.OUT, { recursive: true });
  await makeImages();
  for (const name of DESIGNS) {
    const dir = path.join(design.OUT, name);
    fs.rmSync(dir, { recursive: true, force: true }); // no stale images from an earlier run
    fs.mkdirSync(dir, { recursive: true });
  }
  const results = {};
  for (const name of DESIGNS) {
    results[name] = {};
    for (const e of ENGINES) results[name][e.id] = { ms: [], ms1: [], roundMedians: [], tput: [], cores: [], decodeMs: [] };
  }
  const cold = {};
  log(`in-process: ${DESIGNS.join(', ')} × ${ENGINES.map((e) => e.label).join(', ')}, ${ROUNDS} rounds`);
  await inProcess(results);
  await coldStart(cold);
  if (!process.env.BENCH_SKIP_HTTP) await overHTTP(results, cold);
  log('pixel differences and side-by-side sheets');
  await pixelDiffs(results);
  summarise(results);
  const m = machine();
  const md = report(m, results, cold);
  fs.writeFileSync(path.join(design.OUT, 'results.md'), md);
  fs.writeFileSync(path.join(design.OUT, 'results.json'), JSON.stringify({ machine: m, results, cold }, null, 1));
  process.stdout.write('\n' + md);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s; PNGs and side-by-side sheets under ${design.OUT}/<design>/, results in ${design.OUT}/results.{md,json}`);
}

main().catch((e) => { console.error(e); process.exit(1); });

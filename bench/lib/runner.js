'use strict';
// The command line and stdin protocol every peer script shares with the Go
// harness (bench/strata/main.go):
//
//   node peers/<peer>.js <design> [iterations]   render n times, print JSON timings
//   node peers/<peer>.js <design> --once [out]   cold start: render once, print the
//                                                time since the process started
//   node peers/<peer>.js <design> --serve        JSON commands on stdin, one per line:
//     {"cmd":"lat","n":30,"budget_ms":2500}  serial renders, one at a time (the Go
//                                            harness also takes "procs": GOMAXPROCS for
//                                            them, the machine's cores when absent)
//     {"cmd":"tput","ms":2500}               serial renders for ms (the orchestrator
//                                            runs two processes at once for 2 cores)
//     {"cmd":"save","path":"out.png"}        write one render
//     {"cmd":"quit"}
//
// A peer module exports { name, versions(), setup(), render(req) }: setup
// loads fonts once per process (as a server would), render turns a design
// (a Strata request object, image bytes decoded) into PNG bytes.
const fs = require('node:fs');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const design = require('./design');

function median(xs) {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function latency(peer, req, n, budgetMs) {
  const ms = [];
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < n && (i < 3 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    const png = await peer.render(req);
    ms.push(performance.now() - t0);
    bytes = png.length;
  }
  return { ms, bytes };
}

async function throughput(peer, req, durMs) {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = start + durMs;
  let renders = 0;
  while (performance.now() < deadline) {
    await peer.render(req);
    renders++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { renders, elapsed_ms: performance.now() - start, cpu_ms: (cpu.user + cpu.system) / 1000 };
}

async function serve(peer, req) {
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  out({ ready: true, pid: process.pid });
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    try {
      switch (c.cmd) {
        case 'lat': out(await latency(peer, req, c.n, c.budget_ms)); break;
        case 'tput': out(await throughput(peer, req, c.ms)); break;
        case 'save': {
          const png = await peer.render(req);
          fs.writeFileSync(c.path, png);
          out({ bytes: png.length });
          break;
        }
        case 'quit': rl.close(); return;
        default: out({ error: `unknown command ${c.cmd}` });
      }
    } catch (e) {
      out({ error: String(e && e.stack || e) });
    }
  }
}

// run is a peer script's main.
async function run(peer) {
  const [name, arg, outPath] = process.argv.slice(2);
  if (!design.DESIGN_NAMES.includes(name)) {
    console.error(`usage: node ${process.argv[1]} <${design.DESIGN_NAMES.join('|')}> [iterations|--once [out.png]|--serve]`);
    process.exit(2);
  }
  const req = design.loadDesign(name);
  await peer.setup(req);
  if (arg === '--serve') return serve(peer, req);
  if (arg === '--once') {
    const png = await peer.render(req);
    if (outPath) fs.writeFileSync(outPath, png);
    // performance.now() counts from the process's time origin (node start).
    console.log(JSON.stringify({ ms_since_init: performance.now(), bytes: png.length }));
    return;
  }
  const n = Number(arg || 20);
  await peer.render(req); // warm
  const r = await latency(peer, req, n, Infinity);
  const s = [...r.ms].sort((a, b) => a - b);
  console.log(JSON.stringify({
    peer: peer.name, design: name, n: r.ms.length, median_ms: median(r.ms),
    p90_ms: s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)], bytes: r.bytes, ms: r.ms,
    versions: peer.versions(),
  }));
}

module.exports = { run, median };

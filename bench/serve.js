'use strict';
// A minimal Node HTTP server around one peer, for the HTTP half of the
// comparison: POST a Strata request body (any path) and get Strata's
// envelope back, {"success":true,"data":{"buffer":"<base64>","mime_type":"image/png"}},
// so that the same client with the same body and the same concurrency
// drives Strata's API and every peer. node:cluster runs one worker per core
// (BENCH_HTTP_WORKERS, default 2) because satori and canvas render on the
// JavaScript thread: one process could only use one core.
//
//   node serve.js <satori|canvas|sharp|takumi> <port>
const cluster = require('node:cluster');
const http = require('node:http');
const design = require('./lib/design');

const [peerName, port] = process.argv.slice(2);
const workers = Number(process.env.BENCH_HTTP_WORKERS || 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (w, code, signal) => {
    if (signal !== 'SIGTERM') console.error(`worker ${w.process.pid} exited (${code ?? signal})`);
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  main().catch((e) => { console.error(e); process.exit(1); });
}

async function main() {
  const peer = require(`./peers/${peerName}.js`);
  // Load the faces of every design once, as a server would at start-up.
  const fonts = { layers: design.DESIGN_NAMES.flatMap((n) => JSON.parse(require('node:fs').readFileSync(design.designPath(n), 'utf8')).layers) };
  await peer.setup(fonts);
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status, obj) => {
        const body = JSON.stringify(obj);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (req.method !== 'POST' || !req.headers.authorization) return reply(401, { success: false, error: 'Unauthorized.' });
      try {
        const body = design.decodeImages(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        const png = await peer.render(body);
        reply(200, { success: true, data: { buffer: png.toString('base64'), mime_type: 'image/png' } });
      } catch (e) {
        reply(500, { success: false, error: String(e && e.message || e) });
      }
    });
  }).listen(Number(port), '127.0.0.1');
}

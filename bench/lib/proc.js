'use strict';
// Child processes for the comparison: long-lived render workers speaking
// the JSON-lines protocol of bench/lib/runner.js and bench/strata/main.go,
// timed one-shot runs, and peak RSS from /proc.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

// Worker is one render process. send() writes a command and resolves with
// the next JSON line it prints.
// childEnv is this process's environment plus env, without VIPSHOME:
// loading sharp sets VIPSHOME to its own build prefix, and a child's libvips
// (Strata's) would then look for its modules (HEIF/AVIF among them) there
// and not find them.
function childEnv(env) {
  const out = { ...process.env, ...env };
  delete out.VIPSHOME;
  return out;
}

class Worker {
  constructor(label, cmd, args, env) {
    this.label = label;
    this.proc = spawn(cmd, args, { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    this.waiting = [];
    this.stderr = '';
    this.exited = false;
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { return; } // not protocol output
      const w = this.waiting.shift();
      if (w) w.resolve(msg);
    });
    this.proc.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${label} exited (${code}): ${this.stderr.trim()}`));
    });
    this.ready = this.next();
    this.ready.catch(() => {}); // servers never print a ready line; callers that await it see the error
  }

  next() {
    return new Promise((resolve, reject) => {
      if (this.exited) reject(new Error(`${this.label} is not running: ${this.stderr.trim()}`));
      else this.waiting.push({ resolve, reject });
    });
  }

  send(cmd) {
    const p = this.next();
    if (!this.exited) this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    return p;
  }

  // peakRSS is the process's high-water resident set in MB.
  peakRSS() {
    return peakRSS(this.pid);
  }

  async quit() {
    if (this.exited) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.write('{"cmd":"quit"}\n');
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
}

// peakRSS reads VmHWM (MB) of a live process.
function peakRSS(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// timedRun runs a command to completion and returns the wall time from
// spawn to exit and its stdout.
function timedRun(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env: childEnv(env) });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim().slice(-500)}`));
      else resolve({ ms, stdout: out });
    });
  });
}

module.exports = { Worker, peakRSS, timedRun, childEnv };

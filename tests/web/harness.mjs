// Processes for the web e2e test: a real wats-devserver and a real watsd on 127.0.0.1, each in a
// fresh temporary folder (as tests/watsd/watsd_fixture.c does for the C tests).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export const DEV_TOKEN = 'dGVzdDp0ZXN0'; // base64("test:test"), as tests/support/devserver.c

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through ctest: ctest -R test_web_e2e)`);
  return v;
}

// Resolves with the first line a child writes to its fd 3 (the --ready-fd protocol).
function readyLine(child, what, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdio[3].on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(buf.slice(0, nl)); }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited before it was ready (${code ?? sig})`));
    });
  });
}

export async function startDevserver() {
  const child = spawn(env('WATS_DEVSERVER'), ['--listen', '127.0.0.1:0', '--db', ':memory:',
    '--token', DEV_TOKEN, '--ready-fd', '3'], { stdio: ['ignore', 2, 2, 'pipe'] });
  const line = await readyLine(child, 'wats-devserver', 20000);
  const m = /^READY (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
  if (!m) throw new Error('wats-devserver: unexpected ready line: ' + line);
  return { child, url: m[1] };
}

// A request to the dev server's /_dev routes (faults, stats).
export async function dev(ds, method, p, body) {
  const r = await fetch(ds.url + p, { method, body: body ? JSON.stringify(body) : undefined,
    headers: { Authorization: 'Basic ' + DEV_TOKEN, 'Content-Type': 'application/json' } });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A station folder: config (0600), token file (0600), API key file (0600), inbox.
export function makeStation(dir, ds, http) {
  fs.mkdirSync(path.join(dir, 'inbox'), { recursive: true });
  const key = crypto.randomBytes(16).toString('hex');
  fs.writeFileSync(path.join(dir, 'token'), DEV_TOKEN, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'apikey'), key + '\n', { mode: 0o600 });
  const config = {
    schema_version: 1,
    server: { url: ds.url, token_file: 'token' },
    station: { name: 'web-e2e', location: 'Lab' },
    watch: [{ path: 'inbox', patterns: '*.json', stable_ms: 200 }],
    queue: { backoff_base_ms: 50, backoff_max_ms: 300 },
    log: { file: 'watsd.log', level: 'info' },
    http: { address: '127.0.0.1', port: 0, api_key_file: 'apikey', ...http },
  };
  const file = path.join(dir, 'station.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { dir, file, key, inbox: path.join(dir, 'inbox'), log: path.join(dir, 'watsd.log') };
}

export async function startWatsd(st) {
  const child = spawn(env('WATSD'), ['--config', st.file, '--ready-fd', '3'],
    { stdio: ['ignore', 2, 2, 'pipe'] });
  child.exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15))));
  // An ASan build starts slowly; 30 s leaves room on a loaded machine.
  await readyLine(child, 'watsd', 30000);
  // The HTTP port (port 0 = a free one) is in the log.
  for (let i = 0; i < 100; i++) {
    const log = fs.existsSync(st.log) ? fs.readFileSync(st.log, 'utf8') : '';
    const m = /http: listening on http:\/\/([0-9.]+):(\d+)/.exec(log);
    if (m) {
      child.bound = m[1];
      child.url = `http://127.0.0.1:${m[2]}`;
      return child;
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('watsd did not log its HTTP address (see ' + st.log + ')');
}

// SIGTERM and wait; returns the exit status (SIGKILL after 15 s).
export async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode;
  const exited = child.exited || new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// Poll fn until it returns a truthy value (or throw after timeoutMs with what it last saw).
export async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

// Write the fixture report with a fresh id into a folder (dot file, then renamed).
export function dropReport(fixtureText, folder, name) {
  const r = JSON.parse(fixtureText);
  r.id = crypto.randomUUID();
  const tmp = path.join(folder, '.' + name);
  fs.writeFileSync(tmp, JSON.stringify(r));
  fs.renameSync(tmp, path.join(folder, name));
  return r.id;
}

// tenant/server.js: one of many apps running at once (runs ONLY inside the sandbox).
// Keeps a secret in /data; on /probe it tries to reach the other tenants (ports, host
// paths of their code and data, their host pids) and reports what it saw of /proc.
'use strict';
const fs = require('fs');
const http = require('http');
const net = require('net');

const mine = 'TENANT-' + process.env.APP_ID + '-' + fs.readFileSync('/app/secret.txt', 'utf8').trim();
fs.writeFileSync('/data/secret.txt', mine);

function tryConnect(port) {
  return new Promise((resolve) => {
    let done = false;
    const s = net.connect({ host: '127.0.0.1', port });
    const fin = (r) => { if (!done) { done = true; s.destroy(); resolve(r); } };
    s.on('connect', () => fin('CONNECTED'));
    s.on('error', (e) => fin(e.code));
    setTimeout(() => fin('TIMEOUT'), 2000);
  });
}

http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/secret') { res.end(fs.readFileSync('/data/secret.txt', 'utf8')); return; }
  const q = JSON.parse(u.searchParams.get('q') || '{}');
  const out = { pids: fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number) };
  out.connect = {};
  for (const p of q.ports || []) out.connect[p] = await tryConnect(p);
  out.read = {};
  for (const p of q.paths || []) {
    try { out.read[p] = 'OK:' + fs.readFileSync(p, 'utf8').slice(0, 100); } catch (e) { out.read[p] = e.code; }
  }
  out.kill = {};
  for (const pid of q.pids || []) {
    try { process.kill(pid, 0); out.kill[pid] = 'OK'; } catch (e) { out.kill[pid] = e.code; }
  }
  out.own = fs.readFileSync('/data/secret.txt', 'utf8');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(out));
}).listen(process.env.PORT);

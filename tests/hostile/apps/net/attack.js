// net/attack.js: hostile app (runs ONLY inside the sandbox). Tries to reach the internet,
// DNS, the host's loopback and other addresses, a host unix socket and an abstract unix
// socket, as listed in the JSON spec argv[2], and prints the outcome of each attempt.
'use strict';
const net = require('net');
const dgram = require('dgram');
const dns = require('dns');
const os = require('os');

const spec = JSON.parse(process.argv[2]);
const out = {};
const TIMEOUT = 3000;

function tcp(key, opts) {
  return new Promise((resolve) => {
    let done = false;
    const s = net.connect(opts);
    const fin = (r) => { if (!done) { done = true; out[key] = r; s.destroy(); resolve(); } };
    s.on('connect', () => {
      // Say something the host listener would record, then report success.
      s.write('HOSTILE-HELLO\n');
      setTimeout(() => fin('CONNECTED'), 100);
    });
    s.on('error', (e) => fin(e.code || e.message));
    setTimeout(() => fin('TIMEOUT'), TIMEOUT);
  });
}

function udpDns(key, host, port) {
  return new Promise((resolve) => {
    let done = false;
    let sock;
    const fin = (r) => { if (!done) { done = true; out[key] = r; try { sock.close(); } catch (e) { /* closed */ } resolve(); } };
    try { sock = dgram.createSocket('udp4'); } catch (e) { out[key] = e.code; resolve(); return; }
    sock.on('error', (e) => fin(e.code || e.message));
    sock.on('message', () => fin('REPLY'));
    // A DNS query for example.com, type A.
    const q = Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000010001', 'hex');
    sock.send(q, port, host, (e) => { if (e) fin('SEND:' + (e.code || e.message)); });
    setTimeout(() => fin('NO_REPLY'), TIMEOUT);
  });
}

function lookup(key, name) {
  return new Promise((resolve) => {
    let done = false;
    const fin = (r) => { if (!done) { done = true; out[key] = r; resolve(); } };
    dns.lookup(name, (e, addr) => fin(e ? (e.code || e.message) : 'RESOLVED:' + addr));
    setTimeout(() => fin('TIMEOUT'), TIMEOUT);
  });
}

function resolve4(key, name) {
  return new Promise((resolve) => {
    let done = false;
    const fin = (r) => { if (!done) { done = true; out[key] = r; resolve(); } };
    const r = new dns.Resolver({ timeout: 1500, tries: 1 });
    r.setServers(['8.8.8.8', '1.1.1.1']);
    r.resolve4(name, (e, a) => fin(e ? (e.code || e.message) : 'RESOLVED:' + a));
    setTimeout(() => fin('TIMEOUT'), TIMEOUT);
  });
}

function listenOn(key, port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.on('error', (e) => { out[key] = e.code || e.message; resolve(); });
    srv.listen(port, host, () => {
      const a = srv.address();
      out[key] = 'LISTENING:' + JSON.stringify(a);
      // Stay listening a moment so the host can look for it.
      setTimeout(() => { srv.close(); resolve(); }, spec.listen_hold_ms || 1500);
    });
  });
}

async function main() {
  const jobs = [];
  for (const [h, p] of spec.tcp || []) jobs.push(tcp('tcp:' + h + ':' + p, { host: h, port: p }));
  for (const [h, p] of spec.tcp6 || []) jobs.push(tcp('tcp6:' + h + ':' + p, { host: h, port: p, family: 6 }));
  for (const [h, p] of spec.udp || []) jobs.push(udpDns('udp:' + h + ':' + p, h, p));
  for (const n of spec.dns || []) jobs.push(lookup('dns:' + n, n));
  for (const n of spec.dns || []) jobs.push(resolve4('resolve4:' + n, n));
  for (const p of spec.unix || []) jobs.push(tcp('unix:' + p, { path: p }));
  for (const n of spec.abstract || []) jobs.push(tcp('abstract:' + n, { path: '\0' + n }));
  await Promise.all(jobs);
  for (const [h, p] of spec.listen || []) await listenOn('listen:' + h + ':' + p, p, h);
  try { out.interfaces = Object.keys(os.networkInterfaces()); } catch (e) {
    out.interfaces_error = e.code || e.message;
    // Without netlink, the kernel's own list of this namespace's devices.
    try {
      out.interfaces = require('fs').readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)
        .map((l) => l.split(':')[0].trim()).filter(Boolean);
    } catch (e2) { out.interfaces = 'ERR:' + e2.code; }
  }
  out.done = true;
  process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(out) + '\n');
}
main();

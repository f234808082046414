// jail_probe.js: stands in for scan.js to test the scanner's jail (scanner/confine.h).
// It reads its input like scan.js, then tries what a hijacked scanner would: open
// network and unix sockets, start a process, read a secret, write a file, signal its
// parent. It answers a valid scan result whose one finding's message lists each
// outcome as name=CODE ("ok" when it worked), and its uid and capability sets.
// The files to read are listed in targets.json beside it (a JSON array of paths).
'use strict';
const fs = require('fs');
const path = require('path');

function code(fn) {
  try { fn(); return 'ok'; } catch (e) { return e.code || String(e.errno || e.message).slice(0, 20); }
}

function connect(opts) {
  return new Promise((resolve) => {
    let s;
    try { s = require('net').createConnection(opts); } catch (e) { resolve(e.code || 'throw'); return; }
    s.on('error', (e) => resolve(e.code || 'error'));
    s.on('connect', () => { s.destroy(); resolve('ok'); });
    setTimeout(() => resolve('timeout'), 3000).unref();
  });
}

function udp() {
  return new Promise((resolve) => {
    let s;
    try { s = require('dgram').createSocket('udp4'); } catch (e) { resolve(e.code || 'throw'); return; }
    s.on('error', (e) => resolve(e.code || 'error'));
    s.bind(0, '127.0.0.1', () => { s.close(); resolve('ok'); });
  });
}

async function main() {
  fs.readFileSync(0);
  const r = {};
  r.tcp = await connect({ host: '127.0.0.1', port: 9 });
  r.unix = await connect({ path: '/run/af-jail-probe-nonexistent.sock' });
  r.udp = await udp();
  const sp = require('child_process').spawnSync('/bin/true');
  r.spawn = sp.error ? (sp.error.code || 'error') : 'ok';
  let targets = [];
  try { targets = JSON.parse(fs.readFileSync(path.join(__dirname, 'targets.json'), 'utf8')); } catch (e) { r.targets = e.code || 'bad'; }
  targets.forEach((t, i) => { r['read' + i] = code(() => fs.readFileSync(t)); });
  r.write = code(() => fs.writeFileSync('/tmp/af-jail-probe-' + process.pid, 'x'));
  r.kill = code(() => process.kill(process.ppid, 0));
  const st = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (k) => (st.match(new RegExp('^' + k + ':\\s*(.*)$', 'm')) || [])[1] || '?';
  r.uid = String(process.getuid());
  r.capeff = field('CapEff');
  r.capbnd = field('CapBnd');
  r.nnp = field('NoNewPrivs');
  r.seccomp = field('Seccomp');
  const message = Object.keys(r).map((k) => k + '=' + String(r[k]).replace(/\s+/g, '')).join(' ');
  process.stdout.write(JSON.stringify({ verdict: 'warn', findings: [
    { rule: 'jail-probe', severity: 'warn', file: 'probe', line: 1, column: 1, message }] }));
}
main();

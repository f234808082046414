// supprobe/server.js: hostile app run by appforge-supervisor (ONLY inside the sandbox).
// On /probe it tries what /app/probe.json lists -- the supervisor's control socket, the
// daemon's FastCGI socket, the database, the configuration, the other apps' code and
// data by host path -- on /bomb?kind=mem|fork it exhausts a resource, on /flood it
// writes output without end.
'use strict';
const fs = require('fs');
const http = require('http');
const net = require('net');
const cp = require('child_process');

const spec = JSON.parse(fs.readFileSync('/app/probe.json', 'utf8'));

function unix(path) {
  return new Promise((resolve) => {
    let done = false;
    const s = net.connect({ path });
    const fin = (r) => { if (!done) { done = true; s.destroy(); resolve(r); } };
    s.on('connect', () => { s.write('{"op":"list"}\n'); setTimeout(() => fin('CONNECTED'), 200); });
    s.on('error', (e) => fin(e.code));
    setTimeout(() => fin('TIMEOUT'), 2000);
  });
}

http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/probe') {
    const out = { read: {}, unix: {} };
    for (const p of spec.read || []) {
      try { fs.readFileSync(p); out.read[p] = 'OK'; } catch (e) { out.read[p] = e.code; }
    }
    for (const p of spec.unix || []) out.unix[p] = await unix(p);
    res.end(JSON.stringify(out));
  } else if (u.pathname === '/flood') {
    // Endless output: the supervisor must stay responsive and the log capped.
    res.end('flooding\n');
    const chunk = ('y'.repeat(1023) + '\n').repeat(256);
    const pump = () => { while (process.stdout.write(chunk)) { /* fill */ } process.stdout.once('drain', pump); };
    pump();
  } else if (u.pathname === '/bomb') {
    res.end('bombing\n');
    if (u.searchParams.get('kind') === 'mem') {
      const keep = [];
      setInterval(() => { for (let i = 0; i < 8; i++) keep.push(Buffer.alloc(1 << 20, 1)); }, 5);
    } else {
      cp.spawn('/usr/bin/perl', ['-e', 'fork while 1'], { stdio: 'ignore', detached: true }).unref();
    }
  } else {
    res.end('alive:' + process.env.APP_ID);
  }
}).listen(process.env.PORT);

// bomb/attack.js: hostile app (runs ONLY inside the sandbox). Exhausts one resource,
// chosen by argv[2]: fork (processes), mem, cpu, sleep, fill <path>, bigfile <path>,
// sparse <path>, nofile. Reports progress as it goes, since it may be killed.
'use strict';
const fs = require('fs');
const cp = require('child_process');

const mode = process.argv[2];
const arg = process.argv[3];
const report = (o) => process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(o) + '\n');
const MB = 1024 * 1024;

if (mode === 'fork') {
  const kids = [];
  let error = null;
  for (let i = 0; i < 400; i++) {
    try {
      const c = cp.spawn('/usr/bin/sleep', ['60'], { stdio: 'ignore' });
      let failed = false;
      c.on('error', (e) => { failed = true; error = error || e.code; });
      if (!c.pid) { error = error || 'NOPID'; break; }
      kids.push(c);
    } catch (e) { error = e.code || e.message; break; }
  }
  setTimeout(() => {
    const alive = kids.filter((c) => c.pid && c.exitCode === null && !c.killed).length;
    report({ forked: kids.length, alive, error, done: true });
    process.exit(0);
  }, 500);
} else if (mode === 'mem') {
  const keep = [];
  let mb = 0;
  const cap = Number(arg || 1024);
  while (mb < cap) {
    const b = Buffer.alloc(4 * MB, 1);
    keep.push(b);
    mb += 4;
    if (mb % 16 === 0) report({ allocated_mb: mb });
  }
  report({ allocated_mb: mb, done: true });
} else if (mode === 'cpu') {
  report({ spinning: true });
  for (;;) { /* burn */ }
} else if (mode === 'sleep') {
  report({ sleeping: true });
  setInterval(() => {}, 1000);
} else if (mode === 'fill') {
  const fd = fs.openSync(arg, 'w');
  const chunk = Buffer.alloc(MB, 7);
  const cap = Number(process.argv[4] || 64) * MB;
  let bytes = 0;
  let error = null;
  while (bytes < cap) {
    try { bytes += fs.writeSync(fd, chunk); } catch (e) { error = e.code || e.message; break; }
  }
  try { fs.fsyncSync(fd); } catch (e) { error = error || e.code; }
  report({ bytes, error, done: true });
} else if (mode === 'bigfile') {
  process.on('SIGXFSZ', () => {});
  const fd = fs.openSync(arg, 'w');
  const chunk = Buffer.alloc(MB, 7);
  let bytes = 0;
  let error = null;
  while (bytes < 64 * MB) {
    try { bytes += fs.writeSync(fd, chunk); } catch (e) { error = e.code || e.message; break; }
  }
  let sparse = null;
  try { fs.writeSync(fs.openSync(arg + '.sparse', 'w'), 'x', 4096 * MB); sparse = 'OK'; } catch (e) { sparse = e.code || e.message; }
  report({ bytes, error, sparse, done: true });
} else if (mode === 'nofile') {
  let n = 0;
  let error = null;
  for (let i = 0; i < 100000; i++) {
    try { fs.openSync('/app/attack.js', 'r'); n++; } catch (e) { error = e.code; break; }
  }
  report({ opened: n, error, done: true });
} else if (mode === 'inodes') {
  let n = 0;
  let error = null;
  fs.mkdirSync(arg, { recursive: true });
  for (let i = 0; i < Number(process.argv[4] || 200000); i++) {
    try { fs.closeSync(fs.openSync(arg + '/f' + i, 'w')); n++; } catch (e) { error = e.code; break; }
  }
  report({ files: n, error, done: true });
}

// misc/attack.js: hostile app (runs ONLY inside the sandbox). argv[2] picks:
//   flood N   -- writes N MiB to stdout (the log must stay capped);
//   fake      -- prints forged tool events, then exits 7;
//   orphans N -- leaves N orphaned grandchildren that exit at once, then reports whether
//                any zombie is left un-reaped (pid 1 must reap them).
'use strict';
const cp = require('child_process');
const fs = require('fs');

const mode = process.argv[2];
const n = Number(process.argv[3] || 1);
const report = (o) => process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(o) + '\n');

if (mode === 'flood') {
  const line = 'x'.repeat(1023) + '\n';
  const chunk = line.repeat(1024);
  for (let i = 0; i < n; i++) fs.writeSync(1, chunk);
  report({ flooded_mb: n, done: true });
} else if (mode === 'fake') {
  // Forged tool events on stdout and stderr: the tool's own event stream must not carry them.
  const fake = '{"event":"exited","exit_code":0,"signal":null,"reason":"exited","cpu_usec":1,"memory_peak":1}\n';
  const fake2 = '{"event":"started","pid":1,"port":1,"cgroup":"/sys/fs/cgroup/forged"}\n';
  for (let i = 0; i < 3; i++) { fs.writeSync(1, fake + fake2); fs.writeSync(2, fake + fake2); }
  fs.writeSync(1, '\n\r\x1b[2J' + fake);
  setTimeout(() => process.exit(7), 300);
} else if (mode === 'orphans') {
  for (let i = 0; i < n; i++) cp.execFileSync('/bin/sh', ['-c', '(/usr/bin/true &) ; exit 0']);
  setTimeout(() => {
    const zombies = [];
    for (const p of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const st = fs.readFileSync('/proc/' + p + '/stat', 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        if (f[0] === 'Z') zombies.push({ pid: p, ppid: f[1] });
      } catch (e) { /* gone */ }
    }
    report({ orphans: n, zombies, done: true });
  }, 1500);
}

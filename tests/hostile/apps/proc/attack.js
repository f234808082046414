// proc/attack.js: hostile app (runs ONLY inside the sandbox). Looks at what /proc and its
// own process state reveal: the visible processes, their command lines and environments,
// credentials, capabilities, seccomp, open descriptors (and what they lead to), ttys
// (and TIOCSTI), hostname, mounts. Prints everything for the driver to judge.
'use strict';
const fs = require('fs');
const os = require('os');
const tty = require('tty');
const cp = require('child_process');

const spec = JSON.parse(process.argv[2] || '{}');
const canary = (spec.canary_rev || '').split('').reverse().join('');
const out = {};
const rd = (p) => { try { return fs.readFileSync(p); } catch (e) { return null; } };
const err = (fn) => { try { return fn(); } catch (e) { return 'ERR:' + (e.code || e.message); } };

out.env = process.env;
out.uid = process.getuid();
out.gid = process.getgid();
out.groups = process.getgroups();
out.ppid = process.ppid;
out.pid = process.pid;
out.hostname = os.hostname();
out.pids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
out.cmdlines = {};
out.environ = {};
out.canary_hits = [];
for (const p of out.pids) {
  const c = rd('/proc/' + p + '/cmdline');
  out.cmdlines[p] = c ? c.toString().split('\0').join(' ').trim() : null;
  const e = err(() => fs.readFileSync('/proc/' + p + '/environ'));
  out.environ[p] = typeof e === 'string' ? e : e.toString().split('\0').filter(Boolean).map((x) => x.split('=')[0]);
  for (const f of ['environ', 'cmdline', 'status', 'mountinfo', 'cgroup', 'stat']) {
    const b = rd('/proc/' + p + '/' + f);
    if (b && canary && b.includes(canary)) out.canary_hits.push(p + '/' + f);
  }
}
out.pid1_exe = err(() => fs.readlinkSync('/proc/1/exe'));
out.self_exe = err(() => fs.readlinkSync('/proc/self/exe'));
out.host_pid_visible = spec.host_pid ? err(() => fs.readFileSync('/proc/' + spec.host_pid + '/cmdline').toString()) : null;
const status = (rd('/proc/self/status') || '').toString();
out.status = {};
for (const line of status.split('\n')) {
  const m = /^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):\s*(.*)$/.exec(line);
  if (m) out.status[m[1]] = m[2].trim();
}
// Descriptors of this node process, and what reopening them gives.
out.fds = {};
out.fd_escape = {};
for (const fd of fs.readdirSync('/proc/self/fd')) {
  const target = err(() => fs.readlinkSync('/proc/self/fd/' + fd));
  out.fds[fd] = target;
  const list = err(() => fs.readdirSync('/proc/self/fd/' + fd + '/').slice(0, 50));
  if (Array.isArray(list)) out.fd_escape[fd] = 'LIST:' + JSON.stringify(list);
  const up = err(() => fs.readdirSync('/proc/self/fd/' + fd + '/../../../../').slice(0, 50));
  if (Array.isArray(up)) out.fd_escape[fd + '/..'] = 'LIST:' + JSON.stringify(up);
  // Only regular files: reading a pipe or socket of node's own would block.
  const isFile = err(() => fs.statSync('/proc/self/fd/' + fd).isFile());
  const b = isFile === true ? err(() => fs.readFileSync('/proc/self/fd/' + fd)) : null;
  if (Buffer.isBuffer(b) && canary && b.includes(canary)) out.fd_escape[fd] = 'CANARY';
}
// Descriptors a child program inherits (only the non-close-on-exec ones).
out.child_fds = err(() => cp.execFileSync('/bin/ls', ['-l', '/proc/self/fd/'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
out.child_env = err(() => cp.execFileSync('/usr/bin/env', [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
out.isatty = [0, 1, 2].map((fd) => tty.isatty(fd));
out.dev_tty = err(() => { fs.closeSync(fs.openSync('/dev/tty', 'r+')); return 'OPENED'; });
out.dev_console = err(() => { fs.closeSync(fs.openSync('/dev/console', 'r+')); return 'OPENED'; });
out.dev = err(() => fs.readdirSync('/dev'));
// TIOCSTI: push a command into whatever terminal fd 0, 1 or 2 or /dev/tty is.
const sti = 'import fcntl,termios,os,sys\nr={}\nfor fd in (0,1,2):\n try:\n  fcntl.ioctl(fd, termios.TIOCSTI, b"#")\n  r[fd]="OK"\n except OSError as e: r[fd]=e.errno\ntry:\n f=os.open("/dev/tty",os.O_RDWR); fcntl.ioctl(f, termios.TIOCSTI, b"#"); r["tty"]="OK"\nexcept OSError as e: r["tty"]=e.errno\nprint(r)\n';
out.tiocsti = err(() => cp.execFileSync('/usr/bin/python3', ['-c', sti], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'pipe'] }).trim());
out.limits = ((rd('/proc/self/limits') || '').toString());
out.mountinfo = ((rd('/proc/self/mountinfo') || '').toString()).slice(0, 6000);
out.cgroup = ((rd('/proc/self/cgroup') || '').toString());
out.sys_cgroup = err(() => fs.readdirSync('/sys/fs/cgroup'));
out.uptime_pid1_start = err(() => fs.readFileSync('/proc/1/stat').toString().split(') ')[1].split(' ')[19]);
// Host-wide information /proc must not give: disks and their I/O, kernel config,
// interrupts, locks, CPU times, load, pressure. What Node reads must still work.
// (A report line of its own, written first: the main one is large already.)
const host = {};
host.procfiles = {};
for (const f of ['diskstats', 'partitions', 'config.gz', 'interrupts', 'softirqs', 'locks',
  'schedstat', 'stat', 'loadavg']) {
  const b = err(() => fs.readFileSync('/proc/' + f));
  host.procfiles[f] = Buffer.isBuffer(b) ? b.toString('latin1').slice(0, 600) : b;
}
host.pressure = err(() => fs.readdirSync('/proc/pressure'));
host.cpus = err(() => os.cpus().map((c) => c.times));
host.loadavg = err(() => os.loadavg());
fs.writeSync(1, 'HOSTILE-RESULT ' + JSON.stringify(host) + '\n');
out.done = true;
process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(out) + '\n');

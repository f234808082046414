// priv/attack.js: hostile app (runs ONLY inside the sandbox). Runs the system's own
// privileged tools -- mount, unshare, nsenter, chroot, strace, gdb, setuid binaries (su,
// passwd, mount), setpriv, perf -- and reports each exit status, for the driver to
// assert that none of them got anywhere.
'use strict';
const cp = require('child_process');
const fs = require('fs');

const cmds = {
  mount_tmpfs: ['/usr/bin/mount', '-t', 'tmpfs', 'none', '/tmp/m'],
  mount_bind_root: ['/usr/bin/mount', '--bind', '/', '/tmp/m'],
  mount_proc: ['/usr/bin/mount', '-t', 'proc', 'proc', '/tmp/m'],
  umount_app: ['/usr/bin/umount', '-l', '/app'],
  unshare_r: ['/usr/bin/unshare', '-r', '/usr/bin/id', '-u'],
  unshare_user: ['/usr/bin/unshare', '-U', '/usr/bin/true'],
  unshare_mount: ['/usr/bin/unshare', '-m', '/usr/bin/true'],
  unshare_net: ['/usr/bin/unshare', '-n', '/usr/bin/true'],
  unshare_pid: ['/usr/bin/unshare', '-p', '-f', '/usr/bin/true'],
  unshare_r_mount: ['/usr/bin/unshare', '-r', '-m', '/usr/bin/mount', '-t', 'tmpfs', 'none', '/tmp/m'],
  nsenter_init: ['/usr/bin/nsenter', '-t', '1', '-m', '-u', '-n', '-p', '-i', '/usr/bin/true'],
  nsenter_user: ['/usr/bin/nsenter', '-t', '1', '-U', '/usr/bin/true'],
  chroot: ['/usr/sbin/chroot', '/tmp', '/usr/bin/true'],
  strace_true: ['/usr/bin/strace', '-f', '-o', '/dev/null', '/usr/bin/true'],
  strace_attach_init: ['/usr/bin/strace', '-o', '/dev/null', '-p', '1'],
  gdb_attach_init: ['/usr/bin/gdb', '-batch', '-nx', '-p', '1', '-ex', 'info registers'],
  su_root: ['/usr/bin/su', '-c', '/usr/bin/id -u', 'root'],
  passwd_status: ['/usr/bin/passwd', '-S', 'root'],
  setpriv_root: ['/usr/bin/setpriv', '--reuid=0', '--regid=0', '--clear-groups', '/usr/bin/id', '-u'],
  perf_stat: ['/usr/bin/perf', 'stat', '-e', 'cycles', '/usr/bin/true'],
  chsh: ['/usr/bin/chsh', '-s', '/bin/sh', 'root'],
  newgrp: ['/usr/bin/newgrp', 'root'],
  ping: ['/usr/bin/ping', '-c', '1', '-W', '1', '127.0.0.1'],
};
const out = {};
for (const [name, argv] of Object.entries(cmds)) {
  if (!fs.existsSync(argv[0])) { out['bin:' + name] = 'ABSENT'; continue; }
  const r = cp.spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 8000, stdio: ['ignore', 'pipe', 'pipe'] });
  out['bin:' + name] = {
    status: r.status, signal: r.signal, error: r.error ? (r.error.code || String(r.error)) : null,
    stdout: (r.stdout || '').slice(0, 200), stderr: (r.stderr || '').slice(0, 300),
  };
}
out.id = cp.spawnSync('/usr/bin/id', [], { encoding: 'utf8' }).stdout;
out.capsh = fs.existsSync('/usr/sbin/capsh') ? cp.spawnSync('/usr/sbin/capsh', ['--print'], { encoding: 'utf8' }).stdout : 'ABSENT';
// Setuid binaries: with no_new_privs they run with our own uid.
out.setuid_bins = cp.spawnSync('/bin/sh', ['-c', 'ls -l /usr/bin/su /usr/bin/mount /usr/bin/passwd 2>&1'], { encoding: 'utf8' }).stdout;
out.done = true;
process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(out) + '\n');

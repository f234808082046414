"""test_cli.py: happy paths of appforge-sandbox run/exec (ports 29000-29049).

An HTTP app serves through the inherited socket whatever it passes to listen(), sees
exactly the documented environment, keeps /data across runs, and a stop leaves no
process, cgroup or port behind. Limits end runs with the right reason."""
import os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import *  # noqa: F401,F403

require_host()
tmp = tempdir()
# The cgroups (named after the app id) and the host uids are not in the network
# namespace of a run: per-run names and uids keep two suites on one host apart.
RUN = os.urandom(3).hex()
UID = 10000000 + int.from_bytes(os.urandom(2), 'big') % 4000 * 100 + 7


SERVER = r'''
const http = require('http'), fs = require('fs');
const srv = http.createServer((req, res) => {
  if (req.url === '/env') return res.end(JSON.stringify(process.env));
  if (req.url === '/id') return res.end(JSON.stringify({uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), pid: process.pid}));
  if (req.url === '/write') { fs.writeFileSync(process.env.DATA_DIR + '/keep.txt', 'kept-' + process.env.APP_ID); return res.end('written'); }
  if (req.url === '/read') { try { return res.end(fs.readFileSync('/data/keep.txt')); } catch (e) { return res.end('missing'); } }
  if (req.url === '/listen2') { const s2 = http.createServer(); s2.on('error', e => res.end('second listen: ' + e.code)); s2.listen(9999); return; }
  res.end('hello');
});
srv.listen(8080, '0.0.0.0', () => console.log('listening on', srv.address().port));
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
'''
code = app_dir(tmp, 'app', SERVER)

# 1. run: listen(8080) still serves the host port
r = Run(tmp, 'sbcli1-' + RUN, 29001, code, extra=['--uid', str(UID)])
ok(r.started and r.started.get('event') == 'started' and r.started.get('port') == 29001,
   'started event printed', r.started)
status, body = http_get(29001, '/')
ok(status == 200 and body == 'hello', 'listen(8080) serves the assigned port (io_uring refused, node runs)',
   body)
status, body = http_get(29001, '/env')
env = json.loads(body) if status == 200 else {}
expected = {'PORT': '29001', 'APP_ID': 'sbcli1-' + RUN, 'DATA_DIR': '/data', 'NODE_ENV': 'production',
            'HOME': '/tmp', 'PATH': '/usr/local/bin:/usr/bin:/bin', 'LISTEN_FDS': '1'}
lp = env.pop('LISTEN_PID', None)
ok(env == expected and lp is not None, 'environment is exactly the documented set', body)
status, body = http_get(29001, '/id')
ident = json.loads(body) if status == 200 else {}
ok(ident.get('uid') == 1000 and ident.get('cwd') == '/app' and ident.get('pid') == 2,
   'app runs as uid 1000 in /app as pid 2 (init is pid 1)', body)
ok(procs_of_uids(UID, UID) == 2, 'on the host its processes run as the unprivileged uid %d' % UID)
status, body = http_get(29001, '/listen2')
ok(body == 'second listen: EADDRINUSE', 'a second listen() gets a clear EADDRINUSE', body)
status, body = http_get(29001, '/write')
ok(body == 'written', 'DATA_DIR is writable', body)
cg = r.started.get('cgroup') if r.started else None
ok(cgroup_exists(cg), 'cgroup exists while running', cg)
t0 = time.time()
ex = r.stop()
stop_ms = (time.time() - t0) * 1000
print('# stop latency %.0f ms' % stop_ms)
ok(ex and ex['reason'] == 'stopped' and ex['exit_code'] == 0,
   'SIGTERM to the tool: graceful stop, reason stopped, app exit 0', ex)
ok('got SIGTERM' in r.logtext() and 'listening on 29001' in r.logtext(),
   'app output is in the log and the app saw SIGTERM', r.logtext())
ok(not cgroup_exists(cg), 'cgroup removed after stop', cg)
ok(not port_open(29001), 'port closed after stop')
ok(procs_of_uids(UID, UID) == 0, 'no process of the sandbox uid left')

# 2. data survives a restart
r = Run(tmp, 'sbcli1-' + RUN, 29002, code, extra=['--uid', str(UID)], data=r.data)
status, body = http_get(29002, '/read')
ok(body == 'kept-sbcli1-' + RUN, 'data written to DATA_DIR survives a restart', body)
ex = r.stop()
ok(ex and ex['reason'] == 'stopped', 'second run stopped', ex)
ok(os.path.isfile(os.path.join(r.data, 'data.img')), 'quota image kept in the data dir')

# 3. SIGTERM-ignoring, double-forking, self-stopping processes die with the stop
STUBBORN = r'''
const http = require('http'); const cp = require('child_process');
process.on('SIGTERM', () => {});
cp.spawn('/bin/sh', ['-c', 'trap "" TERM; (sleep 1000 &) ; sleep 1000'], {detached: true, stdio: 'ignore'});
cp.spawn('/bin/sh', ['-c', 'kill -STOP $$'], {detached: true, stdio: 'ignore'});
http.createServer((q, s) => s.end('ok')).listen(0);
'''
code2 = app_dir(tmp, 'stubborn', STUBBORN)
r = Run(tmp, 'sbcli2-' + RUN, 29003, code2, extra=['--uid', str(UID + 1), '--grace-ms', '300'])
status, body = http_get(29003, '/')
ok(status == 200, 'stubborn app serves', body)
# its shells fork their sleeps whenever they get the CPU: wait for them (a loaded
# machine may need seconds), so that the stop below really has stragglers to kill
end = time.time() + 30
while procs_of_uids(UID + 1, UID + 1) < 5 and time.time() < end:
    time.sleep(0.05)
time.sleep(0.3)
n_before = procs_of_uids(UID + 1, UID + 1)
ex = r.stop()
ok(n_before >= 5 and ex and ex['reason'] == 'stopped' and ex['signal'] == 9,
   'stubborn app killed after the grace period (%d processes before)' % n_before, ex)
ok(procs_of_uids(UID + 1, UID + 1) == 0, 'nothing of the stubborn app survives')
ok(not cgroup_exists(r.started.get('cgroup')), 'its cgroup is gone')

# 4. memory limit: reason memory
OOM = r'''
const keep = []; setInterval(() => { for (let i = 0; i < 8; i++) keep.push(Buffer.alloc(4 << 20, 1)); }, 10);
'''
code3 = app_dir(tmp, 'oom', OOM)
r = Run(tmp, 'sbcli3-' + RUN, 29004, code3, extra=['--memory-mb', '64', '--uid', str(UID + 2)])
ex = r.finish()
ok(ex and ex['reason'] == 'memory' and ex['signal'] == 9, 'memory bomb ends with reason memory', ex)

# 5. wall-clock limit
IDLE = "setInterval(() => {}, 1000);\n"
code4 = app_dir(tmp, 'idle', IDLE)
r = Run(tmp, 'sbcli4-' + RUN, 29005, code4, extra=['--wall-seconds', '1', '--uid', str(UID + 3)])
ex = r.finish()
ok(ex and ex['reason'] == 'timeout', 'wall-clock limit ends with reason timeout', ex)

# 6. CPU-time limit (counted over the whole cgroup)
BUSY = "for (;;) {}\n"
code5 = app_dir(tmp, 'busy', BUSY)
r = Run(tmp, 'sbcli5-' + RUN, 29006, code5, extra=['--cpu-seconds', '1', '--cpu-percent', '100',
                                             '--uid', str(UID + 4)])
ex = r.finish()
ok(ex and ex['reason'] == 'timeout' and ex['cpu_usec'] >= 1000000,
   'CPU-time limit ends with reason timeout', '%s %s %s' % (r.started, ex, r.stderr))

# 7. exec mode: output also on the tool's stderr, exit status passed through
r = Run(tmp, 'sbcli6-' + RUN, 29007, code, mode='exec', cmd=['/usr/bin/node', '-e',
        'console.log("exec-out", require("fs").readdirSync("/").sort().join(",")); process.exit(3)'],
        extra=['--uid', str(UID + 5)])
ex = r.finish()
ok(ex and ex['exit_code'] == 3 and ex['reason'] == 'crashed', 'exec: exit status 3, reason crashed', ex)
ok('exec-out' in r.stderr and 'exec-out' in r.logtext(), 'exec: output on stderr and in the log',
   r.stderr)
ok('app,bin,data,dev,etc,lib,lib64,proc,sandbox,sbin,tmp,usr' in r.stderr.replace(',lib32', '')
   .replace(',libx32', ''), 'the root holds only the sandbox pieces', r.stderr)

r = Run(tmp, 'sbcli7-' + RUN, 29008, code, mode='exec', cmd=['/bin/sh', '-c', 'exit 0'],
        extra=['--uid', str(UID + 6)])
ex = r.finish()
ok(ex and ex['exit_code'] == 0 and ex['reason'] == 'exited', 'exec: clean exit, reason exited', ex)

# 7b. listen with an options object and a callback; a WebSocket-style upgrade works
UPGRADE = r'''
const http = require('http');
const srv = http.createServer((q, s) => s.end('plain'));
srv.on('upgrade', (req, sock) => {
  sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  sock.on('data', d => sock.write('echo:' + d));
});
let cb = false;
srv.on('listening', () => console.log('listening event, callback ran first:', cb));
srv.listen({port: 3000, host: '::'}, () => { cb = true; });
'''
code6 = app_dir(tmp, 'upgrade', UPGRADE)
r = Run(tmp, 'sbcli10-' + RUN, 29012, code6, extra=['--uid', str(UID + 7)])
status, body = http_get(29012, '/')
ok(status == 200 and body == 'plain', 'listen({port, host}, cb) serves the assigned port', body)
import socket as _s2
ws = _s2.create_connection(('127.0.0.1', 29012), timeout=30)
ws.sendall(b'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
got = b''
while b'\r\n\r\n' not in got:
    chunk = ws.recv(4096)
    if not chunk:
        break
    got += chunk
ws.sendall(b'ping')
time.sleep(0.2)
got += ws.recv(4096)
ws.close()
ok(got.startswith(b'HTTP/1.1 101') and got.endswith(b'echo:ping'), 'an upgraded connection works', got)
ex = r.stop()
ok(ex and 'listening event' in r.logtext(), 'the listening event fired', r.logtext())

# 7c. the log is capped: rotated to .1 beyond --log-bytes
r = Run(tmp, 'sbcli11-' + RUN, 29013, code, mode='exec', cmd=['/usr/bin/node', '-e',
        'for (let i = 0; i < 3000; i++) console.log("x".repeat(99))'],
        extra=['--uid', str(UID + 8), '--log-bytes', '100000', '--log-rate', '100000000',
               '--log-burst', '100000000'])
ex = r.finish()
sizes = [os.path.getsize(p) if os.path.exists(p) else -1 for p in (r.log, r.log + '.1')]
# the file is rotated at a record boundary: the rotated one is within a record of the cap
ok(ex and ex['exit_code'] == 0 and 0 <= sizes[0] <= 100000 and 100000 - 129 < sizes[1] <= 100000,
   'a 300 kB output leaves at most 2 x 100 kB of log (%s)' % sizes, ex)

# 8. errors are clear
import socket as _s
busy = _s.socket()
busy.setsockopt(_s.SOL_SOCKET, _s.SO_REUSEADDR, 1)
busy.bind(('127.0.0.1', 29009))
busy.listen(1)
r = Run(tmp, 'sbcli8-' + RUN, 29009, code)
r.finish()
ok(r.p.returncode == 1 and 'cannot listen on 127.0.0.1:29009' in r.stderr, 'busy port: exit 1, clear message',
   r.stderr)
busy.close()
res = subprocess.run([CLI, 'run', '--app-id', '../x', '--code', code, '--data', tmp, '--port', '29010',
                      '--log', tmp + '/l'], capture_output=True, text=True)
ok(res.returncode == 2 and 'invalid --app-id' in res.stderr, 'bad app id: usage error', res.stderr)
res = subprocess.run([CLI, 'run', '--app-id', 'x', '--code', code, '--data', tmp, '--port', '70000',
                      '--log', tmp + '/l'], capture_output=True, text=True)
ok(res.returncode == 2 and '--port' in res.stderr, 'bad port: usage error', res.stderr)
# the limits' options and their bounds come from one table (common/sblimits.h)
for opt, bad, rng in (('--memory-mb', '15', '16..1048576'), ('--pids', '3', '4..1048576'),
                      ('--log-bytes', '1023', '1024..'), ('--cpu-boost-ms', '600001', '0..600000')):
    res = subprocess.run([CLI, 'run', '--app-id', 'x', '--code', code, '--data', tmp, '--port', '29010',
                          '--log', tmp + '/l', opt, bad], capture_output=True, text=True)
    ok(res.returncode == 2 and opt in res.stderr and rng in res.stderr,
       '%s %s: usage error naming the bounds' % (opt, bad), res.stderr)
r = Run(tmp, 'sbcli9-' + RUN, 29011, '/nonexistent-dir')
r.finish()
ok(r.p.returncode == 1 and 'code dir' in r.stderr, 'missing code dir: exit 1, clear message', r.stderr)

cleanup(tmp)
done()

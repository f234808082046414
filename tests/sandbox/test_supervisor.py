"""test_supervisor.py: appforge-supervisor over its control socket (ports 29100-29119).

start / wait / status / list / stop, an exit noticed at once and recorded in the
database, a start that crashes or never answers ends with its reason, concurrent starts
share one sandbox, waits are bounded, a port whose run's end cannot be recorded stays
out of the pool, malformed / oversized / unknown requests get an error and the
supervisor keeps serving, a SIGKILLed supervisor leaves no app process behind and its
restart reconciles cgroups and runs, SIGTERM stops every app before exiting."""
import os, signal, socket, sqlite3, stat, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import *  # noqa: F401,F403

require_host()
SUP = os.path.join(BUILD, 'sandbox', 'appforge-supervisor')
tmp = tempdir()
state = os.path.join(tmp, 'state')
apps = os.path.join(state, 'apps')
os.makedirs(apps)
conf = os.path.join(tmp, 'appforge.conf')
UID_BASE = 11000000 + int.from_bytes(os.urandom(2), 'big') % 4000 * 100  # per run: two suites on a host
with open(conf, 'w') as f:
    f.write('state_dir = %s\nport_min = 29100\nport_max = 29103\nsandbox_uid_base = %d\n'
            'sandbox_stop_grace_ms = 500\nnode_path = %s\nsandbox_data_mb = 8\n'
            'workers = 2\nsandbox_start_timeout_ms = %d\nquota_running = 10\n'
            % (state, UID_BASE, NODE, scaled(3000)))
sock_path = os.path.join(state, 'supervisor.sock')
sup_log = os.path.join(tmp, 'sup.log')  # the supervisor's stderr, every start appended


def start_sup():
    p = subprocess.Popen([SUP, '--config', conf], stdout=subprocess.PIPE,
                         stderr=open(sup_log, 'a'), text=True)
    line = p.stdout.readline()
    return p, line.strip() == 'ready'


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(40)
        self.s.connect(sock_path)
        self.buf = b''

    def raw(self, data):
        self.s.sendall(data)
        while b'\n' not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def call(self, **req):
        return self.raw(json.dumps(req).encode() + b'\n')


def make_app(app_id, server_js):
    d = os.path.join(apps, app_id)
    code = app_dir(d, 'code', server_js)
    data = os.path.join(d, 'data')
    os.makedirs(data, exist_ok=True)
    return code, data


def db_app(app_id, seq):
    db = sqlite3.connect(os.path.join(state, 'appforge.db'))
    now = int(time.time())
    db.execute("INSERT OR IGNORE INTO users (id, username, password_hash, role, created_at) "
               "VALUES ('u_sbtest0000000000', 'sbtest', 'x', 'user', ?)", (now,))
    db.execute("INSERT INTO apps (id, seq, owner, name, status, created_at, updated_at) "
               "VALUES (?, ?, 'u_sbtest0000000000', 'test', 'ready', ?, ?)", (app_id, seq, now, now))
    db.commit()
    db.close()


def db_runs(app_id):
    db = sqlite3.connect(os.path.join(state, 'appforge.db'))
    rows = db.execute('SELECT state, port, reason, exit_code, ended_at FROM runs WHERE app_id = ? '
                      'ORDER BY id', (app_id,)).fetchall()
    db.close()
    return rows


def wait_for(pred, secs=30):
    end = time.time() + secs
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


SERVER = "require('http').createServer((q, s) => s.end('sup:' + process.env.APP_ID)).listen(process.env.PORT);\n"
SHORT = "setTimeout(() => process.exit(0), 300);\n"

sup, ready = start_sup()
ok(ready, 'supervisor starts and says ready')
# only root and appforged's user (run_as_user, default appforge) reach the socket;
# while that user does not exist yet (no appforgectl init on this host), root alone
_st = os.stat(sock_path)
try:
    import pwd
    _gid = pwd.getpwnam('appforge').pw_gid
    ok(stat.S_IMODE(_st.st_mode) == 0o660 and _st.st_uid == 0 and _st.st_gid == _gid,
       'control socket is mode 0660 root:appforge')
except KeyError:
    ok(stat.S_IMODE(_st.st_mode) == 0o600 and _st.st_uid == 0, 'control socket is mode 0600 root (no user appforge)')
db_app('asupapp000000001', 1)
db_app('asupapp000000002', 2)
c = Conn()
r = c.call(op='ping')
ok(r.get('ok') is True and r.get('pong') is True, 'ping', r)

code1, data1 = make_app('asupapp000000001', SERVER)
r = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
port1 = r.get('port')
ok(r.get('ok') and 29100 <= (port1 or 0) <= 29103 and r.get('uid') == UID_BASE + port1 - 29100,
   'start: a port from the range, the uid of its slot', r)
ok(r.get('state') == 'starting' and db_runs('asupapp000000001')[-1][:2] == ('starting', port1),
   'start replies at once: the run is recorded as starting', (r, db_runs('asupapp000000001')))
r = c.call(op='wait', app_id='asupapp000000001', wait_ms=20000)
ok(r.get('ok') and r.get('state') == 'running' and r.get('port') == port1,
   'wait: replies once the app answers HTTP', r)
status, body = http_get(port1 or 1, '/')
ok(status == 200 and body == 'sup:asupapp000000001', 'the app serves on its port', body)
r2 = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
ok(r2.get('ok') and r2.get('already') is True and r2.get('port') == port1, 'a second start is a no-op', r2)
r = c.call(op='status', app_id='asupapp000000001')
ok(r.get('ok') and r.get('running') is True and r.get('pids', 0) >= 2 and r.get('memory_bytes', 0) > 0,
   'status: running with pids and memory', r)
ok(db_runs('asupapp000000001')[-1][:2] == ('running', port1), 'the run is recorded as running',
   db_runs('asupapp000000001'))

code2, data2 = make_app('asupapp000000002', SHORT)
r = c.call(op='start', app_id='asupapp000000002', code_dir=code2, data_dir=data2)
port2 = r.get('port')
ok(r.get('ok') and port2 != port1, 'a second app gets another port', r)
r = c.call(op='list')
ok(r.get('ok') and len(r.get('sandboxes', [])) in (1, 2), 'list', r)
r = c.call(op='wait', app_id='asupapp000000002', wait_ms=20000)
ok(r.get('ok') and r.get('state') == 'exited' and r.get('reason') == 'crashed' and r.get('exit_code') == 0,
   'wait: an app that exits before it answers ends as crashed, with its exit code', r)
# New data images are copies of one empty image in <state>/cache, made once.
tpl = os.path.join(state, 'cache', 'data-ext4-v1-8m.img')
ok(os.path.isfile(tpl) and stat.S_IMODE(os.stat(tpl).st_mode) == 0o600 and
   stat.S_IMODE(os.stat(os.path.dirname(tpl)).st_mode) == 0o700,
   'the empty 8 MiB image is cached, root-only', sorted(os.listdir(state)))
img1, img2 = os.path.join(data1, 'data.img'), os.path.join(data2, 'data.img')
ok(os.path.isfile(img1) and os.path.isfile(img2) and os.stat(img1).st_ino != os.stat(img2).st_ino
   and os.path.getsize(img2) == 8 << 20 and os.stat(img2).st_blocks * 512 < 4 << 20,
   "each app has its own sparse copy", [os.stat(x).st_blocks for x in (img1, img2)])
fsck = subprocess.run(['/usr/sbin/e2fsck' if os.path.exists('/usr/sbin/e2fsck') else '/sbin/e2fsck',
                       '-fn', tpl], capture_output=True, text=True)
ok(fsck.returncode == 0, 'the cached image is a clean ext4 file system', fsck.stdout[-300:])
rows = wait_for(lambda: [x for x in db_runs('asupapp000000002') if x[0] == 'exited'], 30)
ok(rows and rows[-1][2] == 'crashed' and rows[-1][3] == 0,
   'the exit is recorded (exited, crashed at start, code 0)', db_runs('asupapp000000002'))
r = c.call(op='status', app_id='asupapp000000002')
ok(r.get('running') is False and r.get('state') == 'exited', 'status of the exited app', r)

r = c.call(op='stop', app_id='asupapp000000001')
ok(r.get('ok') and r.get('state') == 'stopped' and r.get('reason') == 'stopped', 'stop replies once stopped', r)
ok(not port_open(port1), 'its port is closed')
ok(db_runs('asupapp000000001')[-1][0] == 'stopped' and db_runs('asupapp000000001')[-1][2] == 'stopped',
   'the run is recorded as stopped', db_runs('asupapp000000001'))
ok(procs_of_uids(UID_BASE, UID_BASE + 3) == 0, 'no app process left')
r = c.call(op='stop', app_id='asupapp000000001')
ok(r.get('ok') and r.get('running') is False, 'stopping a stopped app is fine', r)

# Network namespaces made ahead (sandbox_netns_pool, default 2, sandbox_netns.c): the
# supervisor holds them; a start's sandbox enters one of them instead of making its own,
# never one that another sandbox has, and finds only lo there, up; the pool is made up
# again without it.
NETAPP = """
const fs = require('fs'), dgram = require('dgram');
const ns = fs.readlinkSync('/proc/self/ns/net');
const ifs = fs.readFileSync('/proc/net/dev', 'utf8').split('\\n').slice(2)
  .map((l) => l.split(':')[0].trim()).filter(Boolean);
const u = dgram.createSocket('udp4');
let lo = false;
u.on('message', () => { lo = true; u.close(); });
u.on('error', () => {});
u.bind(0, '127.0.0.1', () => u.send('x', u.address().port, '127.0.0.1'));
setTimeout(() => require('http').createServer((q, s) => s.end(JSON.stringify({ ns, ifs, lo })))
  .listen(process.env.PORT), 200);
"""


def sup_netns():
    """The network namespaces the supervisor holds open ('net:[inode]')."""
    out = set()
    fdd = '/proc/%d/fd' % sup.pid
    for fd in os.listdir(fdd):
        try:
            link = os.readlink(os.path.join(fdd, fd))
        except OSError:
            continue
        if link.startswith('net:['):
            out.add(link)
    return out


host_ns = os.readlink('/proc/self/ns/net')
pool = wait_for(lambda: sup_netns() if len(sup_netns()) == 2 else None, 10) or set()
ok(len(pool) == 2 and host_ns not in pool, 'the supervisor keeps two network namespaces made ahead',
   (pool, host_ns))
seen = []
for i, aid in enumerate(('asupnet000000001', 'asupnet000000002')):
    db_app(aid, 90 + i)
    cn, dn = make_app(aid, NETAPP)
    before = sup_netns()
    r = c.call(op='start', app_id=aid, code_dir=cn, data_dir=dn)
    w = c.call(op='wait', app_id=aid, wait_ms=20000)
    st, body = http_get(r.get('port') or 1, '/')
    try:
        info = json.loads(body)
    except ValueError:
        info = {}
    seen.append(info.get('ns'))
    ok(w.get('state') == 'running' and info.get('ns') in before and info.get('ns') != host_ns,
       'app %d runs in a network namespace the supervisor made ahead' % (i + 1), (w, info, before))
    ok(info.get('ifs') == ['lo'] and info.get('lo') is True, 'app %d: only lo there, and it is up' % (i + 1), info)
    after = wait_for(lambda: sup_netns() if len(sup_netns()) == 2 and info.get('ns') not in sup_netns() else None, 10)
    ok(after, 'the pool is made up again, without the namespace given away', sup_netns())
ok(len(seen) == 2 and seen[0] != seen[1], 'two live sandboxes never share a network namespace', seen)
for aid in ('asupnet000000001', 'asupnet000000002'):
    r = c.call(op='stop', app_id=aid)
    ok(r.get('ok') and r.get('state') == 'stopped', 'stop ' + aid, r)

# malformed and hostile requests
r = c.raw(b'{"op": "ping"\n')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'malformed JSON: bad_request', r)
r = c.raw(b'[1,2]\n')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'a non-object: bad_request', r)
r = c.call(op='reboot')
ok(r.get('ok') is False and r['error']['code'] == 'unknown_op', 'unknown op', r)
r = c.call(op='start', app_id='asupapp000000001', code_dir='/etc', data_dir=data1)
ok(r.get('ok') is False and 'inside apps_dir' in r['error']['message'], 'code_dir outside apps_dir refused', r)
gcode, gdata = make_app('asupgone00000001', 'require("http").createServer().listen(8080)')
r = c.call(op='start', app_id='asupgone00000001', code_dir=gcode, data_dir=gdata)
ok(r.get('ok') is False and r['error']['code'] == 'not_found',
   'an app missing from the database (deleted meanwhile) is not started', r)
ok(procs_of_uids(UID_BASE, UID_BASE + 3) == 0, 'and no process of it exists')
r = c.call(op='start', app_id='../../x', code_dir=code1, data_dir=data1)
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'bad app id refused', r)
r = c.call(op='status', app_id=5)
ok(r.get('ok') is False, 'app_id of the wrong type refused', r)
r = c.call(op='ping')
ok(r.get('ok') is True, 'the connection still works after bad requests')

# the C client (appforge-sandbox call uses supervisor_call)
res = subprocess.run([CLI, 'call', sock_path, '{"op":"ping"}'], capture_output=True, text=True)
ok(res.returncode == 0 and json.loads(res.stdout).get('pong') is True, 'supervisor_call: ping', res.stdout + res.stderr)

# the typed protocol: strict members and bounds, and oversized lines
r = c.call(op='ping', extra=1)
ok(r.get('ok') is False and r['error']['code'] == 'bad_request' and 'extra' in r['error']['message'],
   'a member the op does not take: bad_request naming it', r)
r = c.call(op='wait', app_id='asupapp000000001', wait_ms=0)
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'wait_ms out of bounds: bad_request', r)
r = c.call(op='stop', app_id='asupapp000000001', grace_ms='5')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'grace_ms of the wrong type: bad_request', r)
r = c.raw(b'{"op":"ping"}{"op":"ping"}\n')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'two objects on one line: bad_request', r)
r = c.raw(b'{"op":"ping","a":' + b'[' * 64 + b']' * 64 + b'}\n')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'nesting too deep: bad_request', r)
r = c.call(op=7)
ok(r.get('ok') is False and r['error']['code'] == 'unknown_op', 'an op that is not a string: unknown_op', r)
# the supervisor checks a start's env itself (common/appenv.h), whoever sent it
for env, what in ((['PORT=1'], 'PORT'), (['NODE_OPTIONS=--inspect'], 'NODE_OPTIONS'), (['A=1', 'A=2'], 'a name twice'),
                  (['NOEQUALS'], 'no ='), (['A=\u0001'], 'a control character'), ('A=1', 'not an array')):
    r = c.call(op='start', app_id='aenvcheck0000000', code_dir='/nonexistent', data_dir='/nonexistent', env=env)
    ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'start with env %s: bad_request' % what, r)
big = Conn()
try:
    r = big.raw(b'{"op":"ping","x":"' + b'a' * 140000 + b'"}\n')
except OSError:
    r = None
ok(r is not None and r.get('ok') is False and r['error']['code'] == 'too_long',
   'a request line over 128 KiB (SUP_LINE_MAX): too_long', r)
try:
    r = big.call(op='ping')
except OSError:
    r = None
ok(r is None, 'and that connection is closed')
ok(Conn().call(op='ping').get('ok') is True, 'the supervisor keeps serving other connections')

# A start that never listens, shared by two callers, waited for by a bounded number.
NOLISTEN = "setInterval(() => {}, 1000);\n"
CRASH = "console.log('about to fail'); process.exit(3);\n"
db_app('asupapp000000003', 3)
db_app('asupapp000000004', 4)
code3, data3 = make_app('asupapp000000003', NOLISTEN)
r = c.call(op='start', app_id='asupapp000000003', code_dir=code3, data_dir=data3)
port3 = r.get('port')
c2 = Conn()
r2 = c2.call(op='start', app_id='asupapp000000003', code_dir=code3, data_dir=data3)
ok(r.get('ok') and r.get('state') == 'starting' and r2.get('already') is True and r2.get('port') == port3,
   'a concurrent start joins the starting run (single flight)', (r, r2))
ok([x['app_id'] for x in c.call(op='list')['sandboxes']].count('asupapp000000003') == 1,
   'one sandbox for the two starts')
w1 = Conn()
w1.s.sendall(b'{"op":"wait","app_id":"asupapp000000003","wait_ms":30000}\n')
ok(wait_for(lambda: c.call(op='ping').get('waiting') == 1, 10), 'the wait is pending (ping counts it)')
busy = c2.call(op='wait', app_id='asupapp000000003', wait_ms=1000)
ok(busy and busy['error']['code'] == 'busy',
   'with 2 workers configured, a second wait for a start is refused: busy', busy)
r = w1.raw(b'')
ok(r.get('ok') and r.get('state') == 'exited' and r.get('reason') == 'start_timeout',
   'the waiting request hears that the start timed out', r)
ok(db_runs('asupapp000000003')[-1][:3] == ('exited', port3, 'start_timeout'),
   'the run is recorded exited (start_timeout)', db_runs('asupapp000000003'))
with open(sup_log) as f:
    ok('app asupapp000000003 neither listened nor answered HTTP within' in f.read(),
       "the supervisor's log says the app neither listened nor answered")
ok(not port_open(port3) and c.call(op='ping').get('running') == 0, 'and its sandbox is gone')
code4, data4 = make_app('asupapp000000004', CRASH)
r = c.call(op='start', app_id='asupapp000000004', code_dir=code4, data_dir=data4)
r = c.call(op='wait', app_id='asupapp000000004', wait_ms=20000)
ok(r.get('ok') and r.get('state') == 'exited' and r.get('reason') == 'crashed' and r.get('exit_code') == 3,
   'a crash at start: exited, crashed, exit code 3', r)

# Running from the app's listen notice (preload.js writes "L" on fd 4 once its server
# listens): the wait is answered before the app's first answer, which the supervisor
# still asks for (its probe) and must get within sandbox_start_timeout_ms.
DELAY = scaled(1500)
SLOW = ("const fs = require('fs');\n"
        "const pipe = fs.readlinkSync('/proc/self/fd/4');\n"
        "let first = true;\n"
        "require('http').createServer((q, s) => {\n"
        "  if (first) { first = false; return setTimeout(() => s.end('late'), %d); }\n"
        "  const held = fs.readdirSync('/proc/self/fd').filter(\n"
        "    (fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === pipe; } catch (e) { return false; } });\n"
        "  s.end(JSON.stringify({ pipe: pipe.slice(0, 5), held, env: 'APPFORGE_READY_FD' in process.env }));\n"
        "}).listen(process.env.PORT);\n" % DELAY)
HANG = "require('http').createServer(() => {}).listen(process.env.PORT);\n"
JUNK = ("require('fs').writeSync(4, Buffer.alloc(60000, 'X'));\n" + SERVER)
QUIET = ("require('fs').closeSync(4);\n" + SERVER)
for n in (5, 6, 7, 8):
    db_app('asupapp00000000%d' % n, n)

code5, data5 = make_app('asupapp000000005', SLOW)
t0 = time.monotonic()
r = c.call(op='start', app_id='asupapp000000005', code_dir=code5, data_dir=data5)
port5 = r.get('port')
r = c.call(op='wait', app_id='asupapp000000005', wait_ms=20000)
took = time.monotonic() - t0
tm = r.get('timings') or {}
ok(r.get('ok') and r.get('state') == 'running' and tm.get('ready', 0) > 0 and not tm.get('answer'),
   'an app that listens is running before its first answer (%.2f s; the answer takes %.1f s)'
   % (took, DELAY / 1000), r)
ok(db_runs('asupapp000000005')[-1][:2] == ('running', port5), 'and recorded running',
   db_runs('asupapp000000005'))
status, body = http_get(port5 or 1, '/')
seen = json.loads(body) if status == 200 else {}
ok(seen == {'pipe': 'pipe:', 'held': [], 'env': False},
   "its requests are served meanwhile; its fd 4 was a pipe, closed once it listens, and "
   "APPFORGE_READY_FD is out of process.env", body)
st = wait_for(lambda: (c.call(op='status', app_id='asupapp000000005').get('timings') or {}).get('answer'),
              scaled(20))
tm = c.call(op='status', app_id='asupapp000000005').get('timings') or {}
ok(st and tm.get('answer', 0) - tm.get('ready', 0) >= (DELAY - 200) * 1000,
   "the supervisor's own first request is answered later (the 'answer' mark)", tm)
left = scaled(3000) / 1000 + 0.5 - (time.monotonic() - t0)
if left > 0:
    time.sleep(left)
r = c.call(op='status', app_id='asupapp000000005')
ok(r.get('running') is True and r.get('state') == 'running',
   'answered in time: still running after the start timeout', r)
c.call(op='stop', app_id='asupapp000000005')

code6, data6 = make_app('asupapp000000006', HANG)
r = c.call(op='start', app_id='asupapp000000006', code_dir=code6, data_dir=data6)
port6 = r.get('port')
r = c.call(op='wait', app_id='asupapp000000006', wait_ms=20000)
ok(r.get('ok') and r.get('state') == 'running', 'an app that listens and never answers: running first', r)
rows = wait_for(lambda: [x for x in db_runs('asupapp000000006') if x[0] == 'exited'], scaled(20))
ok(rows and rows[-1][:3] == ('exited', port6, 'start_timeout'),
   'then stopped once the start timeout passes without an answer: exited, start_timeout',
   db_runs('asupapp000000006'))
with open(sup_log) as f:
    ok('app asupapp000000006 listens but did not answer its first request' in f.read(),
       "the supervisor's log says why")
ok(not port_open(port6 or 1), 'and its sandbox is gone')

for app_id, code_js, what in (('asupapp000000007', JUNK, '60 KB of junk on its readiness pipe'),
                              ('asupapp000000008', QUIET, 'its readiness pipe closed at once')):
    code_n, data_n = make_app(app_id, code_js)
    r = c.call(op='start', app_id=app_id, code_dir=code_n, data_dir=data_n)
    r = c.call(op='wait', app_id=app_id, wait_ms=20000)
    tm = r.get('timings') or {}
    ok(r.get('ok') and r.get('state') == 'running' and tm.get('answer', 0) > 0 and
       tm.get('ready', 0) >= tm.get('answer', 0),
       'an app with %s: running on its answer' % what, r)
    ok(c.call(op='ping').get('ok') is True, 'and the supervisor serves on')
    c.call(op='stop', app_id=app_id)

# The port-release rule: a port returns to the pool only once its run's end is recorded.
r = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
r = c.call(op='wait', app_id='asupapp000000001', wait_ms=20000)
port1 = r.get('port')
ok(r.get('state') == 'running', 'app 1 runs again', r)
lock = sqlite3.connect(os.path.join(state, 'appforge.db'), isolation_level=None, timeout=30)
lock.execute('BEGIN IMMEDIATE')   # every write of the supervisor now fails (busy)
r = c.call(op='stop', app_id='asupapp000000001')
ok(r.get('ok') and r.get('state') == 'stopped' and not port_open(port1),
   'with the database locked, a stop still stops the app', r)
p = c.call(op='ping')
ok(p.get('held_ports') == 1 and p.get('running') == 0,
   'its port stays out of the pool while the end of its run is not recorded', p)
r = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
ok(r.get('ok') is False and r['error']['code'] == 'db_unavailable',
   'a new start of the app is refused meanwhile', r)
lock.execute('ROLLBACK')
lock.close()
ok(wait_for(lambda: c.call(op='ping').get('held_ports') == 0, 30) and
   db_runs('asupapp000000001')[-1][:3] == ('stopped', port1, 'stopped'),
   'once the database answers, the end is recorded and the port returns', db_runs('asupapp000000001'))

# a waiter that hangs up is forgotten; requests behind a deferred reply keep their order
r = c.call(op='start', app_id='asupapp000000003', code_dir=code3, data_dir=data3)
ok(r.get('ok') and r.get('state') == 'starting', 'the never-answering app starts again', r)
w = Conn()
w.s.sendall(b'{"op":"wait","app_id":"asupapp000000003","wait_ms":30000}\n')
ok(wait_for(lambda: c.call(op='ping').get('waiting') == 1, 10), 'its wait is pending')
w.s.close()
ok(wait_for(lambda: c.call(op='ping').get('waiting') == 0, 10), 'a waiter that hangs up is forgotten')
p = Conn()
p.s.sendall(b'{"op":"stop","app_id":"asupapp000000003","grace_ms":0}\n{"op":"ping"}\n')
r1, r2 = p.raw(b''), p.raw(b'')
ok(r1.get('state') == 'stopped' and r1.get('reason') == 'stopped' and r2.get('pong') is True,
   'a request sent behind a stop is answered after the stop, in order', (r1, r2))

# SIGKILL of the supervisor while an app runs: the app dies with it; a restart reconciles
r = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
port1 = r.get('port')
status, body = http_get(port1 or 1, '/')
ok(status == 200, 'app running again', body)
cg = r.get('cgroup')
sup.kill()
sup.wait()
gone = wait_for(lambda: procs_of_uids(UID_BASE, UID_BASE + 3) == 0, 30)
ok(gone, 'after SIGKILL of the supervisor no app process survives')
ok(not port_open(port1), 'and its port is closed')
sup, ready = start_sup()
ok(ready, 'the supervisor restarts')
ok(not os.path.isdir(cg), 'the leftover cgroup was removed', cg)
rows = db_runs('asupapp000000001')
ok(rows[-1][0] == 'exited' and rows[-1][2] == 'crashed' and rows[-1][4], 'the dead run is marked exited (crashed)',
   rows)

# SIGTERM: every app is stopped before the supervisor exits
c = Conn()
r = c.call(op='start', app_id='asupapp000000001', code_dir=code1, data_dir=data1)
ok(r.get('ok'), 'start after restart', r)
sup.send_signal(signal.SIGTERM)
try:
    rc = sup.wait(timeout=20)
except subprocess.TimeoutExpired:
    sup.kill()
    rc = None
ok(rc == 0, 'SIGTERM: the supervisor exits 0')
ok(db_runs('asupapp000000001')[-1][0] == 'stopped', 'its app was stopped and recorded', db_runs('asupapp000000001'))
ok(procs_of_uids(UID_BASE, UID_BASE + 3) == 0 and not os.path.exists(sock_path),
   'nothing left: no app process, no socket')

# One worker: no request may wait for a start (it would be every worker).
with open(conf) as f:
    text = f.read()
with open(conf, 'w') as f:
    f.write(text.replace('workers = 2', 'workers = 1'))
sup, ready = start_sup()
ok(ready, 'the supervisor starts with workers = 1')
c = Conn()
r = c.call(op='start', app_id='asupapp000000003', code_dir=code3, data_dir=data3)
w = c.call(op='wait', app_id='asupapp000000003', wait_ms=20000)
ok(r.get('state') == 'starting' and w.get('ok') is False and w['error']['code'] == 'busy',
   'with one worker every wait is refused at once: busy', (r, w))
sup.send_signal(signal.SIGTERM)
try:
    rc = sup.wait(timeout=20)
except subprocess.TimeoutExpired:
    sup.kill()
    rc = None
ok(rc == 0 and db_runs('asupapp000000003')[-1][:3] == ('stopped', r.get('port'), 'stopped'),
   'SIGTERM during a start: recorded stopped', db_runs('asupapp000000003'))

with open(sup_log, errors='replace') as f:
    bad = [l for l in f if 'AddressSanitizer' in l or 'LeakSanitizer' in l or 'runtime error:' in l]
ok(not bad, 'no sanitizer report in the supervisor log', ''.join(bad[:20]))
cleanup(tmp)
done()

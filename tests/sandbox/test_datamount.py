"""test_datamount.py: the supervisor keeps each app's /data file system mounted between
runs (sandbox/datamount.h; ports 29140-29144).

The data written by one run is there in the next; the kept mount lives in the
supervisor's own mount namespace only (the host's mount table never shows it, nor does
a sandbox's, its own or another app's); an image kept mounted is never mounted a second
time (the CLI on the same data directory fails after a short wait); a data.img replaced while the app is stopped is
mounted afresh, not the old file system; a stop with reason "deleted" unmounts it, and
the image is a clean ext4 file system afterwards; "prepare" makes and mounts a new app's
image before its first start, in a job that never holds up the supervisor's loop (an
unknown app is not_found, a running one left alone; a delete waits for the job);
the start marks ("timings") of a run
are in the supervisor's replies, in order."""
import fcntl, json, os, socket, sqlite3, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import *  # noqa: F401,F403

require_host()
SUP = os.path.join(BUILD, 'sandbox', 'appforge-supervisor')
tmp = tempdir()
state = os.path.join(tmp, 'state')
apps = os.path.join(state, 'apps')
os.makedirs(apps)
conf = os.path.join(tmp, 'appforge.conf')
UID_BASE = 12000000 + int.from_bytes(os.urandom(2), 'big') % 4000 * 100
with open(conf, 'w') as f:
    f.write('state_dir = %s\nport_min = 29140\nport_max = 29143\nsandbox_uid_base = %d\n'
            'sandbox_stop_grace_ms = 500\nnode_path = %s\nsandbox_data_mb = 8\n'
            'workers = 2\nsandbox_start_timeout_ms = %d\nquota_running = 10\n'
            % (state, UID_BASE, NODE, scaled(10000)))
sock_path = os.path.join(state, 'supervisor.sock')
A, B, P = 'akeptmount000001', 'akeptmount000002', 'akeptmount000003'

# Counts its starts in /data and says whether its mount table shows a kept mount.
COUNTER = r"""
const fs = require('fs');
let n = 0;
try { n = parseInt(fs.readFileSync('/data/count', 'utf8'), 10) || 0; } catch (e) {}
fs.writeFileSync('/data/count', String(n + 1));
fs.closeSync(fs.openSync('/data/count', 'r+'));
const mi = fs.readFileSync('/proc/self/mountinfo', 'utf8');
const body = JSON.stringify({count: n + 1, kept: mi.includes('appforge-data'),
  other: mi.includes(process.env.OTHER_ID || 'none'), data: mi.split('\n').some(l => l.split(' ')[4] === '/data')});
require('http').createServer((q, s) => s.end(body)).listen(process.env.PORT);
"""


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(40)
        self.s.connect(sock_path)
        self.f = self.s.makefile('rwb')

    def call(self, **req):
        self.f.write(json.dumps(req).encode() + b'\n')
        self.f.flush()
        return json.loads(self.f.readline())


def make_app(app_id, seq, other):
    d = os.path.join(apps, app_id)
    code = app_dir(d, 'code', COUNTER.replace("process.env.OTHER_ID", repr(other)))
    data = os.path.join(d, 'data')
    os.makedirs(data, exist_ok=True)
    db = sqlite3.connect(os.path.join(state, 'appforge.db'))
    now = int(time.time())
    db.execute("INSERT OR IGNORE INTO users (id, username, password_hash, role, created_at) "
               "VALUES ('u_sbtest0000000000', 'sbtest', 'x', 'user', ?)", (now,))
    db.execute("INSERT INTO apps (id, seq, owner, name, status, created_at, updated_at) "
               "VALUES (?, ?, 'u_sbtest0000000000', 'test', 'ready', ?, ?)", (app_id, seq, now, now))
    db.commit()
    db.close()
    return dict(app_id=app_id, code_dir=code, data_dir=data)


def run_once(c, app):
    """Starts the app, waits, reads its answer, stops it: (answer or None, wait reply)."""
    r = c.call(op='start', **app)
    if not r.get('ok'):
        return None, r
    w = c.call(op='wait', app_id=app['app_id'], wait_ms=scaled(20000))
    body = None
    if w.get('state') == 'running':
        try:
            body = json.loads(http_get(r['port'])[1])
        except Exception as e:  # noqa: BLE001
            body = {'error': str(e)}
    c.call(op='stop', app_id=app['app_id'])
    return body, w


def kept_id(pid, app_id):
    """The mount id of app_id's kept mount in pid's mount table, or None."""
    with open('/proc/%s/mountinfo' % pid) as f:
        for line in f:
            if line.split(' ')[4] == '/run/appforge-data/' + app_id:
                return line.split(' ')[0]
    return None


def kept_in(pid, app_id):
    return kept_id(pid, app_id) is not None


def wait_for_true(pred, secs):
    end = time.time() + scaled(secs)
    while time.time() < end and not pred():
        time.sleep(0.05)
    return pred()


sup = subprocess.Popen([SUP, '--config', conf], stdout=subprocess.PIPE,
                       stderr=open(os.path.join(tmp, 'sup.log'), 'a'), text=True)
ok(sup.stdout.readline().strip() == 'ready', 'supervisor starts and says ready')
c = Conn()
a, b = make_app(A, 1, B), make_app(B, 2, A)

body, w = run_once(c, a)
ok(body and body.get('count') == 1 and body.get('data'), 'first run: /data mounted, the count starts at 1', (body, w))
ok(body and not body.get('kept') and not body.get('other'),
   "the sandbox's mount table shows no kept mount", body)
t = w.get('timings') or {}
order = ['received', 'recorded', 'prepared', 'image', 'cgroup', 'cloned', 'joined', 'binds',
         'data', 'root', 'net', 'userns', 'exec', 'replied', 'ready', 'woken']
ok(all(t.get(k, 0) > 0 for k in order) and
   all(t[x] <= t[y] for x, y in zip(order, order[1:]) if (x, y) != ('cloned', 'joined')),
   "the wait reply carries the start's marks, in order", t)
now_us = time.monotonic() * 1e6
ok(t and 0 < now_us - t.get('received', 0) < 120e6, 'the marks are on CLOCK_MONOTONIC', (now_us, t))
ok(kept_in(sup.pid, A), "after the run, A's file system stays mounted in the supervisor's namespace")
ok(not kept_in('self', A) and not kept_in(1, A), "the host's mount table does not show it")

body, _ = run_once(c, b)
ok(body and body.get('count') == 1 and not body.get('kept') and not body.get('other'),
   "another app's sandbox sees none of A's kept mount", body)
body, w = run_once(c, a)
ok(body and body.get('count') == 2, 'second run of A: the data of the first is there', (body, w))

cli = Run(tmp, 'aclidouble000001', 29144, a['code_dir'], data=a['data_dir'])
ex = cli.finish(timeout=scaled(60))
ok(cli.started is None and cli.p.returncode == 1 and 'mounted already' in cli.stderr,
   'the CLI on A\'s data directory cannot mount the kept image a second time',
   (cli.started, cli.p.returncode, cli.stderr[-300:], ex))
body, w = run_once(c, a)
ok(body and body.get('count') == 3, 'and A still runs on it, data intact', (body, w))

img = os.path.join(a['data_dir'], 'data.img')
os.unlink(img)
body, w = run_once(c, a)
ok(body and body.get('count') == 1, 'a data.img replaced while stopped: the new one is mounted', (body, w))
body, w = run_once(c, a)
ok(body and body.get('count') == 2, 'and kept for the run after', (body, w))

r = c.call(op='stop', app_id=A, reason='deleted')
ok(r.get('ok'), 'stop with reason deleted (A is not running)', r)
ok(wait_for_true(lambda: not kept_in(sup.pid, A), 10), "A's kept mount is gone")
ok(kept_in(sup.pid, B), "B's stays")
fsck = '/usr/sbin/e2fsck' if os.path.exists('/usr/sbin/e2fsck') else '/sbin/e2fsck'
res = subprocess.run([fsck, '-fn', img], capture_output=True, text=True)
ok(res.returncode == 0, "A's image is a clean ext4 file system after its unmount", res.stdout[-400:])

# prepare: the image made and mounted before the first start
p = make_app(P, 3, A)
r = c.call(op='prepare', app_id=P, data_dir=p['data_dir'])
ok(r.get('ok') and r.get('running') is False, 'prepare of a new app: ok, not running', r)
ok(wait_for_true(lambda: kept_id(sup.pid, P), 10) and
   os.path.isfile(os.path.join(p['data_dir'], 'data.img')),
   'its data.img exists and is kept mounted (by a job of the supervisor), before any start')
mid = kept_id(sup.pid, P)
body, w = run_once(c, p)
ok(body and body.get('count') == 1 and body.get('data'), 'its first run uses it', (body, w))
ok(mid and kept_id(sup.pid, P) == mid, 'the very mount prepare made (same mount id): the start '
   'only bound it', (mid, kept_id(sup.pid, P)))
r = c.call(op='prepare', app_id='anosuchapp000001', data_dir=p['data_dir'])
ok(r.get('ok') is False and r['error']['code'] == 'not_found', 'prepare of an unknown app: not_found', r)
r = c.call(op='prepare', app_id=P, data_dir='/etc')
ok(r.get('ok') is False and r['error']['code'] == 'bad_request', 'prepare outside apps_dir: bad_request', r)
r = c.call(op='start', **p)
c.call(op='wait', app_id=P, wait_ms=scaled(20000))
r = c.call(op='prepare', app_id=P, data_dir=p['data_dir'])
ok(r.get('ok') and r.get('state') == 'running', 'prepare of a running app: left as it is', r)
c.call(op='stop', app_id=P)

# prepare runs off the supervisor's loop: while its job waits for the image (here held
# by a lock the test takes, as the loop device of a mount on its way out would hold
# it), the supervisor answers others at once, and the mount is kept once the job ends.
Q = 'akeptmount000004'
q = make_app(Q, 4, A)
r = c.call(op='prepare', app_id=Q, data_dir=q['data_dir'])
ok(wait_for_true(lambda: kept_id(sup.pid, Q), 10), 'Q prepared and kept', r)
c.call(op='stop', app_id=Q, reason='deleted')  # drops the kept mount; the files stay
qimg = os.path.join(q['data_dir'], 'data.img')
holder = open(qimg, 'rb')


def lock_img():
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


ok(wait_for_true(lock_img, 10), "Q's image free of its old mount, and locked by the test")
r = c.call(op='prepare', app_id=Q, data_dir=q['data_dir'])
t0 = time.monotonic()
pongs = [Conn().call(op='ping') for _ in range(3)]
took = time.monotonic() - t0
ok(r.get('ok') and all(x.get('pong') for x in pongs) and took < 0.5 and not kept_id(sup.pid, Q),
   'while a prepare waits for its image, the supervisor answers at once (%.0f ms)' % (took * 1000),
   (r, pongs))
fcntl.flock(holder, fcntl.LOCK_UN)
holder.close()
ok(wait_for_true(lambda: kept_id(sup.pid, Q), 10), 'once the image is free, the job mounts it and '
   'the supervisor keeps it')
body, w = run_once(c, q)
ok(body and body.get('data') and body.get('count') == 1, 'and the first run uses it', (body, w))
r = c.call(op='prepare', app_id=Q, data_dir=q['data_dir'])
r2 = c.call(op='stop', app_id=Q, reason='deleted')
ok(r.get('ok') and r2.get('ok') and wait_for_true(lambda: not kept_id(sup.pid, Q), 10),
   'a delete right after a prepare: the job is waited for, and its mount dropped', (r, r2))

sup.terminate()
ok(sup.wait(timeout=60) == 0, 'supervisor exits 0 on SIGTERM')
cleanup(tmp)
done()

"""test_supervisor.py: hostile apps run by appforge-supervisor (ports 29880-29889).

Apps started over the supervisor's control socket try to reach the control socket and
the daemon's FastCGI socket, read the database, the configuration and another app's
code and data by host path; one exhausts its memory and one fork-bombs while a third
keeps serving; an app that double-forks and ignores SIGTERM is stopped through the
socket; an over-long request line is refused; and a SIGKILLed supervisor takes every app
with it. The driver asserts each attack failed and nothing of an app remains.
"""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
SUP = os.path.join(H.BUILDDIR, "sandbox", "appforge-supervisor")
if not os.access(SUP, os.X_OK):
    T.ok(False, "supervisor binary exists at %s" % SUP)
    sys.exit(1)

tmp = H.tmpdir("sup")
state = os.path.join(tmp, "state")
apps = os.path.join(state, "apps")
os.makedirs(apps)
PMIN, PMAX, UID_BASE = 29880, 29889, H.UID_BASE  # per-run uids: see hostile.py
conf = os.path.join(tmp, "appforge.conf")
with open(conf, "w") as f:
    f.write("state_dir = %s\nport_min = %d\nport_max = %d\nsandbox_uid_base = %d\n"
            "sandbox_stop_grace_ms = 500\nnode_path = %s\nsandbox_data_mb = 8\n"
            "sandbox_memory_mb = 96\nsandbox_pids = 32\nsandbox_start_timeout_ms = %d\n"
            % (state, PMIN, PMAX, UID_BASE, H.NODE, H.scaled(10000)))
sock_path = os.path.join(state, "supervisor.sock")
sup_log = open(os.path.join(tmp, "sup.log"), "a")
procs = []


def start_sup():
    p = subprocess.Popen([SUP, "--config", conf], stdout=subprocess.PIPE, stderr=sup_log, text=True)
    procs.append(p)
    return p, p.stdout.readline().strip() == "ready"


def stop_all_sups():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


H._CLEANUPS.append(stop_all_sups)


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(30)
        self.s.connect(sock_path)
        self.buf = b""

    def raw(self, data):
        try:
            self.s.sendall(data)
            while b"\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return None
                self.buf += chunk
        except OSError:
            return None
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, **req):
        return self.raw(json.dumps(req).encode() + b"\n")


def uid_procs():
    return [p for u in range(UID_BASE, UID_BASE + PMAX - PMIN + 1) for p in H.pids_with_uid(u)
            if (H.host_pid_info(p) or (0, 0, "Z"))[2] != "Z"]


def wait_for(pred, secs=30):
    end = time.time() + secs
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


def db_app(app_id, seq):
    db = sqlite3.connect(os.path.join(state, "appforge.db"))
    now = int(time.time())
    db.execute("INSERT OR IGNORE INTO users (id, username, password_hash, role, created_at) "
               "VALUES ('u_hostile000000000', 'hostile', 'x', 'user', ?)", (now,))
    db.execute("INSERT INTO apps (id, seq, owner, name, status, created_at, updated_at) "
               "VALUES (?, ?, 'u_hostile000000000', 'hostile', 'ready', ?, ?)", (app_id, seq, now, now))
    db.commit()
    db.close()


def make_app(app_id, seq, app, extra=None):
    d = os.path.join(apps, app_id)
    os.makedirs(d)
    code = H.copy_app(app, os.path.join(d, "code"))
    for name, content in (extra or {}).items():
        with open(os.path.join(code, name), "w") as f:
            f.write(content)
    data = os.path.join(d, "data")
    os.makedirs(data)
    db_app(app_id, seq)
    return code, data


sup, ready = start_sup()
T.ok(ready, "the supervisor starts", open(sup_log.name).read()[-1000:])
if not ready:
    sys.exit(1)
c = Conn()
SECRET = "SUPSECRET-" + H.CANARY
A, B, S = "ahostilesup00001", "ahostilesup00002", "ahostilesup00003"
codeB, dataB = make_app(B, 2, "supprobe", {"secret.txt": SECRET, "probe.json": "{}"})
spec = {"read": [os.path.join(codeB, "secret.txt"), os.path.join(dataB, "data.img"),
                 os.path.join(state, "appforge.db"), conf, os.path.join(state, "jwt.secret"),
                 os.path.join(apps, B, "code", "secret.txt"), "/app/../" + B + "/code/secret.txt"],
        "unix": [sock_path, os.path.join(state, "appforge.sock"), "/run/appforge/supervisor.sock"]}
codeA, dataA = make_app(A, 1, "supprobe", {"probe.json": json.dumps(spec)})
rA = c.call(op="start", app_id=A, code_dir=codeA, data_dir=dataA)
rB = c.call(op="start", app_id=B, code_dir=codeB, data_dir=dataB)
T.ok(rA and rA.get("ok") and rB and rB.get("ok"), "two hostile apps start through the supervisor",
     (rA, rB))
pA, pB = (rA or {}).get("port", 0), (rB or {}).get("port", 0)
st, body = H.http_get(pA, "/probe", timeout=30)
T.ok(st == 200, "app A answers its probe", body)
res = json.loads(body) if st == 200 else {"read": {}, "unix": {}}
for p in spec["read"]:
    r = res["read"].get(p)
    T.ok(r is not None and r != "OK", "app A cannot read %s (%s)" % (p, r))
for p in spec["unix"]:
    r = res["unix"].get(p)
    T.ok(r is not None and r != "CONNECTED", "app A cannot connect to %s (%s)" % (p, r))

# Over-long request line: refused or the connection closed, and the supervisor lives on.
bad = Conn()
r = bad.raw(b"{" + b" " * (1 << 20))
T.ok(r is None or r.get("ok") is False, "a 1 MiB request line is refused (%s)" % (str(r)[:120],))
T.ok(Conn().call(op="ping") is not None, "the supervisor still answers after it")

# Memory bomb in A, fork bomb in B: both contained, the supervisor keeps answering.
H.http_get(pA, "/bomb?kind=mem", timeout=5)
st_a = wait_for(lambda: (lambda r: r if r and r.get("running") is False else None)(
    c.call(op="status", app_id=A)), 30)
T.ok(st_a and st_a.get("reason") == "memory", "A's memory bomb ends its run with reason memory",
     st_a)
H.http_get(pB, "/bomb?kind=fork", timeout=5)
time.sleep(1.5)
T.ok(H.host_responsive(), "a host command still completes during B's fork bomb")
r = c.call(op="ping")
T.ok(r is not None and r.get("ok") is True, "the supervisor answers during the fork bomb", r)
r = c.call(op="status", app_id=B)
# Contained either way: within its pids limit while it runs, or, when its forks took
# more than its memory first, ended by the memory limit.
ended_by_memory = bool(r and r.get("running") is False and r.get("reason") == "memory")
T.ok(r and r.get("ok") and (0 < (r.get("pids") or 0) <= 32 or ended_by_memory),
     "B's processes stay within its pids limit (%s, %s)" % ((r or {}).get("pids"),
                                                             (r or {}).get("reason")), r)
r = c.call(op="stop", app_id=B)
T.ok(r and r.get("ok") and r.get("state") == ("exited" if ended_by_memory else "stopped"),
     "B is stopped through the socket", r)
T.ok(not H.port_open(pB), "B's port is closed")

# An app flooding its output: the supervisor stays responsive, the log stays capped.
F = "ahostilesup00004"
codeF, dataF = make_app(F, 4, "supprobe", {"probe.json": "{}"})
r = c.call(op="start", app_id=F, code_dir=codeF, data_dir=dataF)
pF = (r or {}).get("port", 0)
T.ok(r and r.get("ok") and H.http_get(pF, "/flood")[0] == 200, "a flooding app runs", r)
time.sleep(2)
r = c.call(op="ping")
T.ok(r is not None and r.get("ok") is True, "the supervisor answers while an app floods its log", r)
r = c.call(op="status", app_id=F)
T.ok(r and r.get("running") is True, "the flooder is still running (output is drained)", r)
logs = []
for root, _d, files in os.walk(state):
    logs += [os.path.join(root, f) for f in files if ".log" in f or f.startswith("log")]
T.diag("logs under the state dir: %s" % {p[len(state):]: os.path.getsize(p) for p in logs})
T.ok(any(os.path.getsize(p) > 0 for p in logs), "the flooder's output reaches a log (control)", logs)
big = {p: os.path.getsize(p) for p in logs if os.path.getsize(p) > 4 * 1024 * 1024}
T.ok(not big, "no log file under the state dir grows beyond a few MiB during the flood", big)
r = c.call(op="stop", app_id=F)
T.ok(r and r.get("ok") and r.get("state") == "stopped", "the flooder stops", r)

# A survivor stopped through the socket.
codeS, dataS = make_app(S, 3, "survivor", {"mode.json": json.dumps(
    ["doublefork", "ignoreterm", "stopself", "spin"])})
r = c.call(op="start", app_id=S, code_dir=codeS, data_dir=dataS)
pS = (r or {}).get("port", 0)
T.ok(r and r.get("ok") and H.http_get(pS)[0] == 200, "the survivor app runs", r)
time.sleep(0.5)
r = c.call(op="stop", app_id=S)
T.ok(r and r.get("ok") and r.get("state") == "stopped", "the survivor is stopped through the socket", r)
left = wait_for(lambda: not uid_procs(), 30)
T.ok(left, "no process of any app uid remains after the stops", uid_procs())
T.ok(not H.port_open(pS), "the survivor's port is closed")

# The supervisor dies: the apps die with it.
r = c.call(op="start", app_id=S, code_dir=codeS, data_dir=dataS)
pS = (r or {}).get("port", 0)
T.ok(r and r.get("ok") and H.http_get(pS)[0] == 200, "the survivor runs again", r)
time.sleep(0.5)
sup.kill()
sup.wait()
T.ok(wait_for(lambda: not uid_procs(), 30), "after SIGKILL of the supervisor no app process survives",
     uid_procs())
T.ok(not H.port_open(pS), "and the survivor's port is closed")
sup, ready = start_sup()
T.ok(ready, "the supervisor restarts (and reconciles)")
stop_all_sups()
T.ok(not uid_procs() and not os.path.exists(sock_path), "nothing left after its SIGTERM")
T.exit()

#!/usr/bin/env python3
"""bench/sandbox/bench.py: what the sandbox costs, measured (run by hand as root; not part
of `make check`).

  python3 bench/sandbox/bench.py [--builddir DIR] [--runs 20] [--apps 20] [--max 200]
  python3 bench/sandbox/bench.py --stages [--runs 20] [--vs OLD_BUILDDIR] [--bare-cgroup]
                                  # the stage table only

Prints: start latency of sandboxed vs plain `node server.js`, median of --runs each,
interleaved, and the ratio, twice: through the CLI (a new appforge-sandbox process per
start) and through appforge-supervisor (a request on its socket -> first HTTP 200, the
product's path); stop latency (SIGTERM ->
port closed and cgroup gone); memory of --apps idle sandboxed apps vs as many bare node
processes (cgroup usage and the sum of Pss), and the extra per app; the stages of a start
through the supervisor (its reply's "timings", sandbox/startmarks.h, and the app's own
marks of bench/sandbox/timed) next to bare node's, with each stage's share of the
overhead; how many idle
sandboxed apps start before the first failure, up to --max (through appforge-supervisor
when it is built, else with the CLI). Ports: free ones from 40000 up.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "idle")
PORT0 = 40000


def http_ok(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def wait_http_ok(port, timeout, step=0.05):
    """A first 200 within timeout seconds (a loaded host may need a while), asking every
    step seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if http_ok(port):
            return True
        time.sleep(step)
    return False


def port_open(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_200(port, proc, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if http_ok(port):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def http_200_raw(port):
    """One GET on a raw socket (urllib costs a millisecond itself): a 200?"""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def cgroup_dirs(pid):
    out = []
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            for line in f:
                _h, ctrls, path = line.strip().split(":", 2)
                if "appforge" in path and ctrls:
                    c = ctrls.split(",")[0].replace("name=", "")
                    out.append("/sys/fs/cgroup/%s%s" % (c, path))
                elif "appforge" in path:
                    out.append("/sys/fs/cgroup/unified%s" % path)
    except OSError:
        pass
    return out


class Sandboxed:
    def __init__(self, tool, work, port, i, mem=64):
        self.port = port
        d = os.path.join(work, "app%d" % i)
        os.makedirs(os.path.join(d, "data"), exist_ok=True)
        self.err = open(os.path.join(d, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [tool, "run", "--app-id", "bench-%d" % i, "--code", APP, "--data",
             os.path.join(d, "data"), "--port", str(port), "--log", os.path.join(d, "log"),
             "--memory-mb", str(mem), "--pids", "32", "--uid", str(200000 + i),
             "--data-mb", "8", "--tmp-mb", "8"],
            stdout=subprocess.PIPE, stderr=self.err, start_new_session=True)
        self.pid = None
        self.cgroups = []

    def read_started(self, timeout=30):
        import json
        import select
        end = time.monotonic() + timeout
        buf = b""
        while time.monotonic() < end:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if r:
                line = self.proc.stdout.readline()
                if not line:
                    return False
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("event") == "started":
                    self.pid = ev.get("pid")
                    self.cgroups = cgroup_dirs(self.pid)
                    return True
            if self.proc.poll() is not None:
                return False
        del buf
        return False

    def pids(self):
        ps = set()
        for d in self.cgroups:
            try:
                with open(os.path.join(d, "cgroup.procs")) as f:
                    ps.update(int(x) for x in f.read().split())
            except OSError:
                pass
        return ps

    def cgroup_usage(self):
        for d in self.cgroups:
            for name in ("memory.usage_in_bytes", "memory.current"):
                try:
                    with open(os.path.join(d, name)) as f:
                        return int(f.read())
                except OSError:
                    pass
        return 0

    def stop(self):
        t0 = time.monotonic()
        try:
            self.proc.send_signal(signal.SIGTERM)
        except OSError:
            pass
        while port_open(self.port) or any(os.path.isdir(d) for d in self.cgroups):
            if time.monotonic() - t0 > 30:
                break
            time.sleep(0.001)
        dt = time.monotonic() - t0
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.err.close()
        return dt


_next_port = [PORT0]


def free_port():
    """The next port of 40000-40999 that nothing on the host listens on."""
    while _next_port[0] < PORT0 + 2000:
        p = _next_port[0]
        _next_port[0] += 1
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise SystemExit("bench: no free port left in 40000-41999")


def pss(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def bare(node, port):
    env = {"PORT": str(port), "PATH": "/usr/bin:/bin", "NODE_ENV": "production"}
    return subprocess.Popen([node, os.path.join(APP, "server.js")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def mib(x):
    return "%.2f MiB" % (x / 1048576.0)


class Supervisor:
    """appforge-supervisor on a private state directory, spoken to over its socket."""

    def __init__(self, sup, a, work, uid_base=420000):
        import sqlite3
        self.state = os.path.join(work, "state")
        self.apps = os.path.join(self.state, "apps")
        os.makedirs(self.apps)
        pmin = free_port()
        conf = os.path.join(work, "appforge.conf")
        with open(conf, "w") as f:
            f.write("state_dir = %s\nport_min = %d\nport_max = %d\nsandbox_uid_base = %d\n"
                    "node_path = %s\nsandbox_data_mb = 8\nsandbox_memory_mb = %d\n"
                    "sandbox_stop_grace_ms = 500\nquota_running = 100000\n"  # one owner: the supervisor counts
                    % (self.state, pmin, pmin + a.max + 10, uid_base, a.node, a.memory_mb))
        self.errlog = open(os.path.join(work, "sup.log"), "w")
        self.proc = subprocess.Popen([sup, "--config", conf], stdout=subprocess.PIPE,
                                     stderr=self.errlog, text=True)
        self.sock = None
        if self.proc.stdout.readline().strip() != "ready":
            return
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(os.path.join(self.state, "supervisor.sock"))
        self.f = self.sock.makefile("rwb")
        self.db = sqlite3.connect(os.path.join(self.state, "appforge.db"))
        now = int(time.time())
        self.db.execute("INSERT OR IGNORE INTO users (id, username, password_hash, role, "
                        "created_at) VALUES ('u_bench00000000000', 'bench', 'x', 'user', ?)",
                        (now,))
        self.seq = 0

    def call(self, **req):
        import json
        self.f.write(json.dumps(req).encode() + b"\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def add_app(self, app_id):
        """The app's row (the supervisor refuses apps the database lacks) and its dirs."""
        now = int(time.time())
        self.seq += 1
        self.db.execute("INSERT INTO apps (id, seq, owner, name, status, created_at, updated_at) "
                        "VALUES (?, ?, 'u_bench00000000000', 'bench', 'ready', ?, ?)",
                        (app_id, self.seq, now, now))
        self.db.commit()
        d = os.path.join(self.apps, app_id)
        shutil.copytree(APP, os.path.join(d, "code"))
        os.makedirs(os.path.join(d, "data"))
        return dict(app_id=app_id, code_dir=os.path.join(d, "code"),
                    data_dir=os.path.join(d, "data"))

    def close(self):
        self.db.close()
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=300)
        return time.monotonic() - t0


def start_latency_supervisor(sv, a):
    """Request to the supervisor -> first 200, next to plain node, interleaved."""
    app = sv.add_app("alatency00000000")
    sb, nd, first = [], [], None
    for i in range(a.runs + 1):
        t0 = time.monotonic()
        r = sv.call(op="start", **app)
        if not r.get("ok") or not wait_http_ok(r.get("port", 0), 30, 0.002):
            print("supervisor run %d failed: %s" % (i, str(r)[:200]))
            sv.call(op="stop", app_id=app["app_id"])
            continue
        dt = time.monotonic() - t0
        sv.call(op="stop", app_id=app["app_id"])
        if i == 0:
            first = dt
            continue
        sb.append(dt)
        nport = free_port()
        t0 = time.monotonic()
        p = bare(a.node, nport)
        if wait_200(nport, p):
            nd.append(time.monotonic() - t0)
        p.kill()
        p.wait()
    if sb and nd:
        m1, m2 = statistics.median(sb), statistics.median(nd)
        print("start to first 200 through the supervisor: sandboxed median %.1f ms, plain node "
              "median %.1f ms, ratio %.2f (%d runs each; first start %.1f ms)"
              % (m1 * 1000, m2 * 1000, m1 / m2, len(sb), (first or 0) * 1000))


TIMED = os.path.join(HERE, "timed")

# (stage, sandboxed from -> to, bare from -> to or None): marks of the supervisor's
# "timings", the client's "sent"/"got_reply" (the wait's reply)/"first200", the app's
# "script"/"listen". The supervisor's first request ("probe" -> "answer") is served
# after "ready", beside the last two stages.
STAGES = [
    ("request reaches the supervisor", ("sent", "received"), None),
    ("checks, port, run row written", ("received", "recorded"), None),
    ("spec, paths, lock, log", ("recorded", "prepared"), None),
    ("data image", ("prepared", "image"), None),
    ("cgroup", ("image", "cgroup"), None),
    ("clone, namespaces", ("cgroup", "child"), None),
    ("join the cgroup", ("child", "joined"), None),
    ("root tmpfs, /usr, /etc, code binds", ("joined", "binds"), None),
    ("/data loop mount", ("binds", "data"), None),
    ("/tmp, /dev, /proc, pivot_root", ("data", "root"), None),
    ("lo up", ("root", "net"), None),
    ("user ns, maps, seccomp, exec init", ("net", "exec"), None),
    ("init + node's boot to the script", ("exec", "script"), ("sent", "script")),
    ("the script to listen()", ("script", "listen"), ("script", "listen")),
    ("listen() to running (the app's notice)", ("listen", "ready"), None),
    ("running to the wait's reply", ("ready", "got_reply"), None),
    ("first 200 (bare: listen() to it)", ("got_reply", "first200"), ("listen", "first200")),
]


def app_marks(text, marks):
    """The last af-mark lines of an app's output or log, as client-clock seconds."""
    for line in text.splitlines():
        i = line.find("af-mark ")
        if i >= 0:
            parts = line[i:].split()
            if len(parts) == 3 and parts[2].isdigit():
                marks[parts[1]] = int(parts[2]) / 1e6


class BareCgroup:
    """A CPU cgroup of its own for bare node (--bare-cgroup). A sandboxed node is in a
    cgroup, and under a loaded host a cgroup competes as one entity with every runnable
    task of its parent, while bare node's threads compete one by one: this puts both on
    the same footing, to tell the sandbox's cost from the scheduler's."""

    def __init__(self):
        v1 = "/sys/fs/cgroup/cpu"
        self.dir = os.path.join(v1 if os.path.isdir(v1) else "/sys/fs/cgroup",
                                "af-bench-bare-%d" % os.getpid())
        os.mkdir(self.dir)

    def enter(self):
        with open(os.path.join(self.dir, "cgroup.procs"), "w") as f:
            f.write("0")

    def remove(self):
        try:
            os.rmdir(self.dir)
        except OSError as e:
            print("bench: cgroup %s not removed: %s" % (self.dir, e))


def bare_timed(node, port, cg=None):
    """Plain node on the timed app: its marks, on the same clock."""
    env = {"PORT": str(port), "PATH": "/usr/bin:/bin", "NODE_ENV": "production"}
    marks = {"sent": time.monotonic()}
    p = subprocess.Popen([node, os.path.join(TIMED, "server.js")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         preexec_fn=cg.enter if cg else None)
    end = time.monotonic() + 30
    while not http_200_raw(port) and p.poll() is None and time.monotonic() < end:
        time.sleep(0.002)
    marks["first200"] = time.monotonic()
    p.kill()
    out = p.communicate()[0].decode(errors="replace")
    app_marks(out, marks)
    return marks


def sandboxed_timed(sv, app):
    """One start of the timed app through the supervisor (start, wait, first 200): the
    marks of every side, or None."""
    import json
    marks = {"sent": time.monotonic()}
    r = sv.call(op="start", **app)
    if not r.get("ok"):
        print("stages: start failed: %s" % json.dumps(r)[:300])
        return None
    w = sv.call(op="wait", app_id=app["app_id"], wait_ms=30000)
    marks["got_reply"] = time.monotonic()
    end = time.monotonic() + 30
    while w.get("state") == "running" and not http_200_raw(r["port"]) and time.monotonic() < end:
        time.sleep(0.002)
    marks["first200"] = time.monotonic()
    st = sv.call(op="status", app_id=app["app_id"])
    sv.call(op="stop", app_id=app["app_id"])
    if w.get("state") != "running":
        print("stages: the app did not run: %s" % json.dumps(w)[:300])
        return None
    for k, v in (st.get("timings") or w.get("timings") or {}).items():
        marks[k] = v / 1e6
    try:
        with open(r["log_path"], errors="replace") as f:
            app_marks(f.read()[-65536:], marks)
    except (OSError, KeyError):
        pass
    return marks


def stage_table(sb_runs, bare_runs):
    """Prints stage, median ms sandboxed and bare, and each stage's share of the overhead."""
    def span(runs, pair):
        a, b = pair
        return [m[b] - m[a] for m in runs if a in m and b in m]

    def med(xs):
        return statistics.median(xs) * 1000 if xs else None

    rows, extra_sum = [], 0.0
    for name, sbp, barep in STAGES:
        s = med(span(sb_runs, sbp))
        b = med(span(bare_runs, barep)) if barep else 0.0
        extra = (s - b) if s is not None and b is not None else None
        if extra is not None and extra > 0:
            extra_sum += extra
        rows.append((name, s, b if barep else None, extra))
    tot_s = med(span(sb_runs, ("sent", "first200")))
    tot_b = med(span(bare_runs, ("sent", "first200")))
    print("stages of a start through the supervisor (median of %d sandboxed, %d bare runs; "
          "share: of the stages' positive extra over bare, %.1f ms)"
          % (len(sb_runs), len(bare_runs), extra_sum))
    print("  %-38s %10s %10s %9s %6s" % ("stage", "sandboxed", "bare", "extra", "share"))
    f = lambda v: "-" if v is None else "%.2f" % v
    for name, s, b, extra in rows:
        share = "%.0f%%" % (100 * extra / extra_sum) if extra and extra > 0 and extra_sum else "-"
        print("  %-38s %10s %10s %9s %6s" % (name, f(s), f(b), f(extra), share))
    if tot_s and tot_b:
        print("  %-38s %10s %10s %9s   ratio %.2f" % ("total: request to first 200", f(tot_s),
                                                      f(tot_b), f(tot_s - tot_b), tot_s / tot_b))


def timed_app(sv):
    app = sv.add_app("astages000000000")
    shutil.rmtree(app["code_dir"])
    shutil.copytree(TIMED, app["code_dir"])
    return app


def stages_supervisor(sv, a, vs=None):
    """The stage table; with vs (another build's supervisor) its starts alternate with
    ours and bare node's, and its total is printed beside ours."""
    app, vapp = timed_app(sv), vs and timed_app(vs)
    sb_runs, bare_runs, vs_runs = [], [], []
    cg = BareCgroup() if a.bare_cgroup else None
    for i in range(a.runs + 1):
        m = sandboxed_timed(sv, app)
        v = sandboxed_timed(vs, vapp) if vs else None
        b = bare_timed(a.node, free_port(), cg)
        if i == 0 or m is None:
            continue          # the first start makes the data image
        sb_runs.append(m)
        bare_runs.append(b)
        if v:
            vs_runs.append(v)
    if cg:
        cg.remove()
    if sb_runs:
        stage_table(sb_runs, bare_runs)
        if cg:
            print("  (bare node ran in a CPU cgroup of its own: --bare-cgroup)")
    if vs_runs:
        tot = lambda runs: statistics.median(m["first200"] - m["sent"] for m in runs) * 1000
        tb = tot(bare_runs)
        print("  %-38s %10.2f %10.2f %9.2f   ratio %.2f  (--vs %s, alternated)"
              % ("total, the other build", tot(vs_runs), tb, tot(vs_runs) - tb, tot(vs_runs) / tb,
                 a.vs))


def capacity_supervisor(sv, a):
    """Starts idle apps through appforge-supervisor until the first failure (or --max)."""
    count, failure, t0 = 0, None, time.monotonic()
    for i in range(a.max):
        app = sv.add_app("abench%010d" % i)
        r = sv.call(op="start", **app)
        if not r.get("ok") or not wait_http_ok(r.get("port", 0), 30):
            import json
            failure = "app %d: %s" % (i, json.dumps(r)[:300])
            break
        count += 1
    dt = time.monotonic() - t0
    lst = sv.call(op="list")
    with open("/proc/meminfo") as mf:
        avail = [line for line in mf if line.startswith("MemAvailable")][0].strip()
    print("capacity (supervisor): %d idle apps running at once (tried up to %d) in %.1f s; %s; "
          "list shows %d; %s" % (count, a.max, dt, failure or "no failure",
                                 len(lst.get("sandboxes", [])), avail))
    print("supervisor SIGTERM with %d apps: all stopped in %.1f s" % (count, sv.close()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get("AF_BUILDDIR", os.getcwd()))
    ap.add_argument("--node", default=os.environ.get("AF_NODE", "/usr/bin/node"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--apps", type=int, default=20)
    ap.add_argument("--max", type=int, default=200)
    ap.add_argument("--stages", action="store_true",
                    help="only the stage table of starts through the supervisor")
    ap.add_argument("--vs", metavar="BUILDDIR",
                    help="with --stages: alternate with this build's supervisor (before/after)")
    ap.add_argument("--bare-cgroup", action="store_true",
                    help="with --stages: bare node in a CPU cgroup of its own, as a sandbox is")
    ap.add_argument("--memory-mb", type=int, default=256,
                    help="the supervisor's sandbox_memory_mb (default: the product's 256; node "
                    "sizes its heap from the cgroup's limit, and below about 128 starts slower)")
    ap.add_argument("--cli-capacity", action="store_true",
                    help="count capacity with the CLI even when the supervisor exists")
    a = ap.parse_args()
    tool = os.path.join(a.builddir, "sandbox", "appforge-sandbox")
    if not os.access(tool, os.X_OK):
        sys.exit("bench: no sandbox at %s (build it first)" % tool)
    work = tempfile.mkdtemp(prefix="af-bench-")
    try:
        if a.stages:
            sv = Supervisor(os.path.join(a.builddir, "sandbox", "appforge-supervisor"), a, work)
            if not sv.sock:
                sys.exit("supervisor: did not start (see %s)" % sv.errlog.name)
            vs = None
            if a.vs:
                os.makedirs(os.path.join(work, "vs"))
                vs = Supervisor(os.path.join(a.vs, "sandbox", "appforge-supervisor"), a,
                                os.path.join(work, "vs"), uid_base=430000)
                if not vs.sock:
                    sys.exit("--vs supervisor: did not start (see %s)" % vs.errlog.name)
            stages_supervisor(sv, a, vs)
            sv.close()
            if vs:
                vs.close()
            return
        # 1. start and stop latency, interleaved with plain node. Run 0 of each app is a
        # first start (the tool makes the /data image); later runs reuse the data dir.
        sb_start, node_start, sb_stop, first = [], [], [], []
        for i in range(a.runs + 1):
            port = free_port()
            t0 = time.monotonic()
            s = Sandboxed(tool, work, port, 0)
            if not wait_200(port, s.proc):
                print("run %d: sandboxed app never answered" % i)
                s.stop()
                continue
            (first if i == 0 else sb_start).append(time.monotonic() - t0)
            s.read_started(5)
            sb_stop.append(s.stop())
            if i == 0:
                continue
            t0 = time.monotonic()
            nport = free_port()
            p = bare(a.node, nport)
            if wait_200(nport, p):
                node_start.append(time.monotonic() - t0)
            p.kill()
            p.wait()
        ms = lambda v: "%.1f ms" % (v * 1000)
        if sb_start and node_start:
            ms1, ms2 = statistics.median(sb_start), statistics.median(node_start)
            print("start to first 200 through the CLI (a process per start): sandboxed median %s, plain node median %s, ratio %.2f "
                  "(%d runs each)" % (ms(ms1), ms(ms2), ms1 / ms2, len(sb_start)))
        if first:
            print("first start of an app (its /data image is made): %s" % ms(first[0]))
        if sb_stop:
            print("stop (SIGTERM -> port closed, cgroup gone): median %s, max %s (%d runs)"
                  % (ms(statistics.median(sb_stop)), ms(max(sb_stop)), len(sb_stop)))

        # 2. memory of N idle apps, sandboxed vs bare.
        n = a.apps
        boxes = [Sandboxed(tool, work, free_port(), 1000 + i) for i in range(n)]
        ok = [b.read_started() and wait_200(b.port, b.proc) for b in boxes]
        time.sleep(2)
        cg = sum(b.cgroup_usage() for b in boxes)
        sb_pss = sum(pss(p) for b in boxes for p in b.pids())
        sb_rss = sum(rss(p) for b in boxes for p in b.pids())
        nprocs = sum(len(b.pids()) for b in boxes)
        for b in boxes:
            b.stop()
        nports = [free_port() for _ in range(n)]
        nodes = [bare(a.node, nports[i]) for i in range(n)]
        for i, p in enumerate(nodes):
            wait_200(nports[i], p)
        time.sleep(2)
        nd_pss = sum(pss(p.pid) for p in nodes)
        nd_rss = sum(rss(p.pid) for p in nodes)
        for p in nodes:
            p.kill()
            p.wait()
        print("memory of %d idle apps (%d answered): sandboxed Pss %s (RSS %s, cgroup usage %s, "
              "%d processes); bare node Pss %s (RSS %s); extra per app: Pss %s, RSS %s"
              % (n, sum(ok), mib(sb_pss), mib(sb_rss), mib(cg), nprocs, mib(nd_pss), mib(nd_rss),
                 mib((sb_pss - nd_pss) / n), mib((sb_rss - nd_rss) / n)))

        # 3. how many idle sandboxed apps fit.
        sup = os.path.join(a.builddir, "sandbox", "appforge-supervisor")
        if os.access(sup, os.X_OK) and not a.cli_capacity:
            sv = Supervisor(sup, a, work)
            if not sv.sock:
                print("supervisor: did not start (see %s)" % sv.errlog.name)
                return
            start_latency_supervisor(sv, a)
            stages_supervisor(sv, a)
            capacity_supervisor(sv, a)
            return
        boxes = []
        count = 0
        failure = None
        t0 = time.monotonic()
        for i in range(a.max):
            b = Sandboxed(tool, work, free_port(), 2000 + i)
            boxes.append(b)
            if not (b.read_started() and wait_200(b.port, b.proc)):
                failure = "app %d failed: %s" % (i, open(b.err.name, "rb").read()[-300:])
                break
            count += 1
        dt = time.monotonic() - t0
        with open("/proc/meminfo") as f:
            avail = [line for line in f if line.startswith("MemAvailable")][0].strip()
        print("capacity: %d idle sandboxed apps running at once (tried up to %d) in %.1f s; %s; %s"
              % (count, a.max, dt, failure or "no failure", avail))
        for b in boxes:
            b.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

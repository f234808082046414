"""dharness.py: runs appforged directly (no nginx) for one daemon test file.

Each instance has its own temporary state directory (removed at the end), a config
file, users made with `appforgectl`, and talks FastCGI over the unix socket with
fcgi_client. Also a tiny TAP writer. Stdlib only.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_client  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap  # noqa: E402,F401  (tests/tap.py)
import reach  # noqa: E402  (tests/reach.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import holds_socket, unix_listener_inode  # noqa: E402  (one copy, tests/e2e)

BUILDDIR = os.environ.get("AF_BUILDDIR") or os.getcwd()
APPFORGED = os.path.join(BUILDDIR, "fcgi", "appforged")
APPFORGECTL = os.path.join(BUILDDIR, "tools", "appforgectl")
SUPERVISOR = os.path.join(BUILDDIR, "sandbox", "appforge-supervisor")
PASSWORDS = {"admin": "admin-password-1", "alice": "alice-password-1", "bob": "bob-password-12"}


class Daemon:
    """A state dir + configuration; start()/stop() the daemon as often as needed."""

    def __init__(self, workers=2, extra_conf=""):
        self.dir = tempfile.mkdtemp(prefix="afd-", dir="/tmp")
        os.chmod(self.dir, 0o711)  # appforged drops to run_as_user: it must reach its state
        self.state = os.path.join(self.dir, "state")
        self.sock = os.path.join(self.state, "appforged.sock")
        self.resolve_sock = os.path.join(self.state, "resolve.sock")
        self.db_path = os.path.join(self.state, "appforge.db")  # the default db_path
        self.conf = os.path.join(self.dir, "appforge.conf")
        with open(self.conf, "w") as f:
            f.write("state_dir = %s\nworkers = %d\n%s%s\n"
                    % (self.state, workers, "" if "log_level" in extra_conf else "log_level = info\n",
                       extra_conf))
        self.log_path = os.path.join(self.dir, "appforged.log")
        self.sup_log_path = os.path.join(self.dir, "supervisor.log")
        self.proc = None
        self.sup = None
        self.tokens = {}

    # -- setup --
    def ctl(self, *args, stdin=None, check=True):
        p = subprocess.run([APPFORGECTL, "--config", self.conf] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError("appforgectl %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
        return p

    def init(self, users=("admin", "alice", "bob")):
        self.ctl("init")
        reach.grant()
        for u in users:
            extra = ["--role", "admin"] if u == "admin" else []
            self.ctl("user", "add", u, *extra, "--password-stdin", stdin=PASSWORDS[u] + "\n")
        return self

    # -- process --
    def start_supervisor(self):
        """appforge-supervisor runs on its own (as root), as dev-start or systemd starts
        it; appforged only connects to its socket. Started once, kept across restarts of
        appforged, stopped by cleanup()."""
        if self.sup and self.sup.poll() is None:
            return
        with open(self.sup_log_path, "ab") as log:
            self.sup = subprocess.Popen([SUPERVISOR, "--config", self.conf], stdout=log,
                                        stderr=log, stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    def spawn(self, extra_args=(), env=None, pass_fds=(), preexec_fn=None):
        """Starts an appforged process (not waiting); returns the Popen. A supervisor is
        started first when none runs."""
        self.start_supervisor()
        log = open(self.log_path, "ab")
        return subprocess.Popen([APPFORGED, "--config", self.conf, "--foreground"] + list(extra_args),
                                stdout=log, stderr=log, env=env, pass_fds=pass_fds,
                                preexec_fn=preexec_fn, start_new_session=True)

    def start(self, **kw):
        self.proc = self.spawn(**kw)
        self.wait_ready()
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("appforged exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                if self.req("GET", "/api/health").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("appforged not ready in %ds:\n%s" % (timeout, self.log()))

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def sanitizer_report(self):
        """The first sanitizer complaint in the daemon's log, or None."""
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return None
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            i = text.find(marker)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None

    def cleanup(self, tap=None):
        if tap is not None:
            rep = self.sanitizer_report()
            tap.ok(rep is None, "no sanitizer report in the appforged log", rep)
        try:
            if self.proc and self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            if self.sup and self.sup.poll() is None:
                self.sup.send_signal(signal.SIGTERM)
                try:
                    self.sup.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(self.sup.pid, signal.SIGKILL)
                    self.sup.wait()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-6000:]
        except OSError:
            return ""

    def workers(self, pid=None):
        """Pids of the master's live API workers (not its sandbox supervisor, not the
        resolve pool's workers, not the log streamer)."""
        pid = pid or self.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            return []

        def is_supervisor(p):
            try:
                return os.path.basename(os.readlink("/proc/%d/exe" % p)) == "appforge-supervisor"
            except OSError:
                return False
        resolver = unix_listener_inode(self.resolve_sock)
        streamer = unix_listener_inode(os.path.join(self.state, "logstream.sock"))
        return [p for p in kids if not is_supervisor(p)
                and not (resolver and holds_socket(p, resolver))
                and not (streamer and holds_socket(p, streamer))]

    def resolve_workers(self, pid=None):
        """Pids of the master's workers of the resolve pool."""
        pid = pid or self.proc.pid
        resolver = unix_listener_inode(self.resolve_sock)
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            return []
        return [p for p in kids if resolver and holds_socket(p, resolver)]

    def wait_workers(self, n, timeout=30, exclude=()):
        deadline = time.time() + timeout
        while time.time() < deadline:
            w = [p for p in self.workers() if p not in exclude]
            if len(w) >= n:
                return w
            time.sleep(0.05)
        return [p for p in self.workers() if p not in exclude]

    # -- requests --
    def req(self, method, uri, body=b"", token=None, headers=None, extra=None, timeout=30):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        return fcgi_client.request(self.sock, method, uri, body, h, extra, timeout)

    def login(self, user):
        if user not in self.tokens:
            r = self.req("POST", "/api/auth/login", {"username": user, "password": PASSWORDS[user]})
            if r.status != 200:
                raise RuntimeError("login %s: %r" % (user, r))
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]


def sqlite_integrity(db_path):
    import sqlite3
    con = sqlite3.connect(db_path, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def sqlite_query(db_path, sql, args=()):
    import sqlite3
    con = sqlite3.connect(db_path, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def sqlite_write(db_path, sql, args=()):
    """Runs one write as another connection would (a test's own edit of the rows)."""
    import sqlite3
    con = sqlite3.connect(db_path, timeout=10)
    try:
        con.execute(sql, args)
        con.commit()
    finally:
        con.close()


SERVER_JS = "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"


def app_files(extra=None):
    f = {"server.js": SERVER_JS}
    f.update(extra or {})
    return f


def run_daemon(run, **daemon_kw):
    """One daemon test file: starts an initialised Daemon(**daemon_kw), runs run(t, d),
    stops it (which must exit 0) and cleans up; a crash of the harness is a failure, not
    a pass. Returns the exit status for sys.exit."""
    t = Tap()
    d = Daemon(**daemon_kw)
    try:
        d.init().start()
        run(t, d)
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        rc = d.stop()
        t.ok(rc == 0, "appforged exits 0 on SIGTERM (got %r)" % rc)
        d.cleanup(t)
    return t.done()

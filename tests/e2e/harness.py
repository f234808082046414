"""harness.py: runs a real appforge (appforged + nginx) for one end-to-end test file.

Each test file calls run(main, name, base_port, conf=...). The harness:
  - makes a fresh temporary directory with a state dir and a configuration whose ports
    come from the file's own range base_port..base_port+99: the first free slot of ten
    (HTTPS, HTTP, 8 for apps), held with a lock, so test files never collide with each
    other, with a development instance, or with a suite running in another build tree;
  - runs `appforgectl init`, creates the users "admin" (admin), "alice" and "bob" with
    random passwords, renders nginx/render's nginx.conf for it;
  - starts appforged and nginx (each in its own process group), waits for
    GET /api/health through nginx;
  - calls main(t, inst) with a TAP writer and the Instance;
  - always stops everything and removes the directory (AF_KEEP=1 keeps it), also on an
    exception, SIGTERM or SIGINT.

The programs come from $AF_BUILDDIR (make check sets it) or $AF_APPFORGED/$AF_APPFORGECTL,
the sources (render, web/) from $AF_SRCDIR, nginx from $AF_NGINX or PATH.
Python standard library only.
"""
import fcntl
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import reach  # noqa: E402  (tests/reach.py)
from tap import Tap, scaled  # noqa: E402,F401  (tests/tap.py)

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("AF_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("AF_BUILDDIR") or SRCDIR


SLOT = 10          # ports per instance: HTTPS, HTTP, then 8 app ports
SPAN = 100         # ports per test file (its sub-range of ops' 18000-18999)


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def reserve_ports(base, span=SPAN, slot=SLOT):
    """The first free slot of `slot` ports in base..base+span-1, reserved for this
    process: two suites running at once on one machine (several build trees) take
    different slots instead of colliding. Returns (first port, lock file to keep open)."""
    for first in range(base, base + span, slot):
        lock = open(os.path.join(tempfile.gettempdir(), "af-e2e-port-%d.lock" % first), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        if all(_port_free(first + i) for i in range(slot)):
            return first, lock
        lock.close()
    raise RuntimeError("no free ports in %d..%d" % (base, base + span - 1))


class SkipAll(Exception):
    """The host lacks something the whole file needs: prints "1..0 # SKIP reason"."""


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name lower-case, value)
        self.body = body

    def header(self, name):
        """The value of a header (None if absent; the first if repeated)."""
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def error_code(self):
        j = self.json()
        if isinstance(j, dict) and isinstance(j.get("error"), dict):
            return j["error"].get("code")
        return None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class _Conn(http.client.HTTPSConnection):
    """Connects to a fixed address but names `host` in SNI, certificate check and Host."""

    def __init__(self, addr, host, port, context, timeout, source=None):
        super().__init__(host, port, context=context, timeout=timeout)
        self._addr = addr
        self._source = source

    def connect(self):
        sock = socket.create_connection((self._addr, self.port), self.timeout,
                                        (self._source, 0) if self._source else None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Client:
    """An HTTPS keep-alive client for one host name of the instance."""

    IDEMPOTENT = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")

    def __init__(self, inst, host=None, token=None, timeout=30, source=None, cookie=None):
        self.inst = inst
        self.host = host or inst.public_host
        self.token = token
        self.cookie = cookie    # a Cookie header sent with every request (None: none)
        self.timeout = scaled(timeout)
        self.source = source    # a local address to connect from (e.g. 127.0.0.2)
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None, token=None, raw=False):
        """body: a dict/list (sent as JSON), bytes/str (sent as is) or None.
        token: overrides the client's token; "" sends no Authorization."""
        hdrs = {}
        tok = self.token if token is None else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = _Conn(self.inst.listen_address, self.host, self.inst.https_port,
                                  self.inst.ssl_context(self.host), self.timeout, self.source)
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                payload = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self.close()
                # A kept-alive connection the server had closed: retry once, never a
                # non-idempotent request.
                if attempt == 0 and reused and method in self.IDEMPOTENT:
                    continue
                raise
            resp = Response(r.status, [(k.lower(), v) for k, v in r.getheaders()], payload)
            if r.will_close:
                self.close()
            return resp
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


NGINX_USER = "www-data"


def readable_as(user, path):
    """Whether user could read path (a child takes the user's ids and tries)."""
    import pwd
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return False
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.listdir(path)
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def served_web_root(base_dir):
    """The frontend nginx serves, out of reach of nobody: this checkout's web/ when
    www-data (nginx's workers, as in a deployment) can read it, else a copy in base_dir
    (a directory of the instance that www-data can traverse): a clone in a private home
    directory, such as /root, must test the same unprivileged workers."""
    web = os.path.join(SRCDIR, "web")
    if os.geteuid() != 0 or readable_as(NGINX_USER, web):
        return web
    copy = os.path.join(base_dir, "web")
    shutil.copytree(web, copy, dirs_exist_ok=True)
    for d, dirs, files in os.walk(copy):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    return copy


def _find_program(env, names):
    if os.environ.get(env):
        return os.environ[env]
    for n in names:
        p = os.path.join(BUILDDIR, n)
        if os.access(p, os.X_OK):
            return p
    return None


def _build_declares(target):
    """Whether the build directory's Makefile builds target at all."""
    try:
        with open(os.path.join(BUILDDIR, "Makefile"), errors="replace") as f:
            return target in f.read()
    except OSError:
        return True


def _which(name, extra=("/usr/sbin", "/sbin", "/usr/local/sbin")):
    for d in os.environ.get("PATH", "").split(os.pathsep) + list(extra):
        p = os.path.join(d, name)
        if d and os.access(p, os.X_OK):
            return p
    return None


class Instance:
    """One running appforge: state dir, configuration, appforged, nginx, users."""

    USERS = (("admin", "admin"), ("alice", "user"), ("bob", "user"))

    def __init__(self, name, base_port, conf=None, bench=False, workers=2, bench_peer=None):
        """bench: nginx gets render's --bench location (/__bench); bench_peer (a port,
        with bench) also its /__peer/ proxy to 127.0.0.1:bench_peer (bench/api --peer)."""
        self.name = name
        self.listen_address = "127.0.0.1"
        self.public_host = "localhost"
        self.apps_domain = "localhost"
        self.procs = {}
        self.logs = {}
        self.passwords = {}
        self.tokens = {}
        self._ctx = None
        self.nginx = os.environ.get("AF_NGINX") or _which("nginx")
        if not self.nginx or not os.access(self.nginx, os.X_OK):
            raise SkipAll("nginx is not installed")
        self.appforged = _find_program("AF_APPFORGED", ("fcgi/appforged", "appforged"))
        self.appforgectl = _find_program("AF_APPFORGECTL", ("tools/appforgectl", "appforgectl"))
        self.supervisor = _find_program("AF_SUPERVISOR", ("sandbox/appforge-supervisor",
                                                          "appforge-supervisor"))
        if not self.appforged or not self.appforgectl or not self.supervisor:
            if not _build_declares("fcgi/appforged"):
                raise SkipAll("appforged is not part of this build yet")
            raise RuntimeError("appforged/appforgectl not found under %s" % BUILDDIR)
        first, self._port_lock = reserve_ports(base_port)
        self.https_port = first
        self.http_port = first + 1
        self.dir = tempfile.mkdtemp(prefix="af-e2e-%s-" % name)
        # appforged drops root to run_as_user and nginx's workers run as www-data: both
        # must traverse to the state directory (which itself is theirs alone).
        os.chmod(self.dir, 0o711)
        self.state_dir = os.path.join(self.dir, "state")
        self.conf_path = os.path.join(self.dir, "appforge.conf")
        self.nginx_prefix = os.path.join(self.dir, "nginx")
        self.nginx_conf = os.path.join(self.nginx_prefix, "nginx.conf")
        values = {
            "state_dir": self.state_dir,
            "listen_address": self.listen_address,
            "public_host": self.public_host,
            "apps_domain": self.apps_domain,
            "https_port": self.https_port,
            "http_port": self.http_port,
            "port_min": first + 2,
            "port_max": first + SLOT - 1,
            # host uids are shared by every instance on the host (a network namespace
            # does not separate them): one random range of SLOT uids per instance
            "sandbox_uid_base": 12000000 + int.from_bytes(os.urandom(3), "big") % 100000 * SLOT,
            "workers": workers,
            "cors_origins": "https://localhost:%d https://allowed.example" % first,
            "rate_ip_per_sec": 10000,
            "rate_token_per_sec": 10000,
            "rate_generate_per_min": 10000,
            # app origins too: tests that measure them send far more than a visitor
            # (test_proxy checks these limits with its own values)
            "app_rate_ip_per_sec": 10000,
            "app_rate_per_sec": 10000,
            "log_level": "info",
        }
        values.update(conf or {})
        # appforge's own start timeout (10 s by default) stretched on a slow host
        values["sandbox_start_timeout_ms"] = min(120000, scaled(int(
            values.get("sandbox_start_timeout_ms", 10000))))
        self.values = values
        with open(self.conf_path, "w") as f:
            f.write("# written by tests/e2e/harness.py for %s\n" % name)
            for k, v in values.items():
                f.write("%s = %s\n" % (k, v))
        self.bench = bench
        self.bench_peer = bench_peer

    # -- setup -------------------------------------------------------------------

    def ctl(self, *args, stdin=None, check=True):
        p = subprocess.run([self.appforgectl, "--config", self.conf_path] + list(args),
                           input=stdin.encode() if stdin is not None else None,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError("appforgectl %s: exit %d: %s" % (
                " ".join(args), p.returncode, p.stderr.decode(errors="replace").strip()))
        return p

    def start(self):
        self.ctl("init")
        reach.grant()
        for user, role in self.USERS:
            pw = secrets.token_urlsafe(18)
            extra = ["--role", "admin"] if role == "admin" else []
            self.ctl("user", "add", user, *extra, "--password-stdin", stdin=pw + "\n")
            self.passwords[user] = pw
        web = served_web_root(self.dir)
        render = [sys.executable, os.path.join(SRCDIR, "nginx", "render"),
                  "--config", self.conf_path, "--appforgectl", self.appforgectl,
                  "--prefix", self.nginx_prefix, "--web-root", web,
                  "--user", NGINX_USER, "--nginx-workers", "2"]
        if self.bench:
            render.append("--bench")
            if self.bench_peer:
                render += ["--bench-peer", str(self.bench_peer)]
        p = subprocess.run(render, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("nginx/render: %s" % p.stderr.decode(errors="replace"))
        logdir = os.path.join(self.dir, "log")
        os.makedirs(logdir, exist_ok=True)
        self.start_supervisor()
        self._spawn("appforged", [self.appforged, "--config", self.conf_path, "--foreground"],
                    logdir)
        self._spawn("nginx", [self.nginx, "-e", os.path.join(self.nginx_prefix, "error.log"),
                              "-p", self.nginx_prefix, "-c", self.nginx_conf,
                              "-g", "daemon off;"], logdir)
        self.wait_healthy()

    def start_supervisor(self):
        """Starts appforge-supervisor (root) on its own, as dev-start or systemd does:
        appforged only connects to its socket. Again after it died, as Restart= would."""
        self._spawn("supervisor", [self.supervisor, "--config", self.conf_path],
                    os.path.join(self.dir, "log"))

    def _spawn(self, name, argv, logdir):
        path = os.path.join(logdir, name + ".log")
        self.logs[name] = path
        with open(path, "ab") as log:
            self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=log,
                                                stdin=subprocess.DEVNULL,
                                                start_new_session=True)

    def wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError("%s exited with %s during start\n%s" % (
                        name, p.returncode, self.log_tail(name)))
            try:
                c = Client(self, timeout=5)
                r = c.get("/api/health")
                c.close()
                if r.status == 200:
                    return
                last = r
            except (OSError, http.client.HTTPException) as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError("not healthy after %ds (last: %r)\n%s\n%s" % (
            timeout, last, self.log_tail("appforged"), self.log_tail("nginx")))

    def log_tail(self, name, n=30):
        paths = [self.logs.get(name)]
        if name == "nginx":
            paths.append(os.path.join(self.nginx_prefix, "error.log"))
        out = []
        for p in paths:
            try:
                with open(p, errors="replace") as f:
                    out += ["%s: %s" % (os.path.basename(p), l.rstrip())
                            for l in f.readlines()[-n:]]
            except (OSError, TypeError):
                pass
        return "\n".join(out)

    def stop(self):
        """Stops nginx and appforged, then the supervisor, which stops the sandboxes
        (TERM, then KILL of their process groups)."""
        for name in ("nginx", "appforged"):
            p = self.procs.get(name)
            if p and p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        order = [n for n in ("nginx", "appforged") if n in self.procs] + \
            [n for n in self.procs if n not in ("nginx", "appforged")]
        for name in order:
            p = self.procs[name]
            if p.poll() is None and name not in ("nginx", "appforged"):
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = {}

    def cleanup(self):
        self.stop()
        if os.environ.get("AF_KEEP") == "1":
            print("# kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- clients ------------------------------------------------------------------

    def cert_path(self):
        """The development certificate `appforgectl init` made (nginx serves it)."""
        return os.path.join(self.state_dir, "tls", "cert.pem")

    def ssl_context(self, host=None):
        """Verifies nginx's certificate against the development certificate itself. An
        app host <id>.localhost cannot match the certificate's *.localhost (OpenSSL, like
        browsers, refuses a wildcard over a single label): for a host of the apps domain
        the chain is still verified, the name is not."""
        if self._ctx is None:
            ctx = ssl.create_default_context(cafile=self.cert_path())
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            self._ctx = ctx
            app = ssl.create_default_context(cafile=self.cert_path())
            app.minimum_version = ssl.TLSVersion.TLSv1_2
            app.check_hostname = False
            self._ctx_app = app
        if host and host.endswith("." + self.apps_domain) and host != self.public_host:
            return self._ctx_app
        return self._ctx

    def client(self, token=None, host=None, source=None):
        return Client(self, host=host, token=token, source=source)

    def app_host(self, app_id):
        return "%s.%s" % (app_id, self.apps_domain)

    def app_session(self, api, app_id, source=None):
        """The __Host-af_app cookie ("name=value") of app_id's origin for api's user: the
        frontend's way in (POST /api/apps/{id}/open, then the one-time URL on the app's
        origin). Raises AssertionError when refused."""
        r = api.post("/api/apps/%s/open" % app_id)
        url = (r.json() or {}).get("url", "") if r.status == 200 else ""
        if "/__appforge/session?" not in url:
            raise AssertionError("open %s: %r" % (app_id, r))
        c = self.client(host=self.app_host(app_id), source=source)
        try:
            r = c.get(url[url.index("/__appforge/"):])
        finally:
            c.close()
        for v in r.header_all("set-cookie"):
            pair = v.split(";", 1)[0].strip()
            if r.status == 303 and pair.startswith("__Host-af_app="):
                return pair
        raise AssertionError("session for %s: %r" % (app_id, r))

    def app_client(self, api, app_id, source=None):
        """A client of app_id's origin that carries api's user's app cookie (private apps
        let in only their owner and admins; public ones anyone)."""
        return Client(self, host=self.app_host(app_id), source=source,
                      cookie=self.app_session(api, app_id, source))

    def login(self, user):
        """A JWT for user (cached)."""
        if user not in self.tokens:
            c = self.client()
            r = c.post("/api/auth/login", {"username": user, "password": self.passwords[user]})
            c.close()
            if r.status != 200 or not (r.json() or {}).get("token"):
                raise RuntimeError("login %s: %r" % (user, r))
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def sup_call(self, req, timeout=30):
        """One request (a dict) on the sandbox supervisor's control socket, as root: its
        reply as a dict (one JSON line each way, sandbox/supproto.h)."""
        path = self.values.get("supervisor_socket") or os.path.join(self.state_dir, "supervisor.sock")
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(json.dumps(req).encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        return json.loads(buf or b"{}")

    def sql(self, query, args=()):
        """Runs a read-only query on the instance's database."""
        import sqlite3
        db = self.values.get("db_path") or os.path.join(self.state_dir, "appforge.db")
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    def fastcgi_socket(self):
        """appforged's FastCGI socket (socket_path, by default in the state dir)."""
        return self.values.get("socket_path") or os.path.join(self.state_dir, "appforged.sock")

    def fastcgi_workers(self):
        """appforged's children that accept on the FastCGI socket: its workers."""
        master = self.pid_of("appforged")
        inode = unix_listener_inode(self.fastcgi_socket())
        if master is None or inode is None:
            return []
        return [p for p in children(master) if holds_socket(p, inode)]

    def pid_of(self, name):
        p = self.procs.get(name)
        return p.pid if p else None


def children(pid):
    """Direct children of pid (from /proc)."""
    out = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def unix_listener_inode(path):
    """The inode of the listening unix socket bound at path (from /proc/net/unix)."""
    try:
        with open("/proc/net/unix") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                # Num RefCount Protocol Flags Type St Inode Path; St 01 = listening
                if len(parts) >= 8 and parts[7] == path and parts[5] == "01":
                    return parts[6]
    except OSError:
        pass
    return None


def holds_socket(pid, inode):
    target = "socket:[%s]" % inode
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                    return True
            except OSError:
                continue
    except OSError:
        pass
    return False


def run(main, name, base_port, conf=None, **kw):
    """Runs one test file: main(t, inst). Exits 0 when every test passed."""
    t = Tap()
    inst = None

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        inst = Instance(name, base_port, conf, **kw)
        inst.start()
        main(t, inst)
    except SkipAll as e:
        print("1..0 # SKIP %s" % e)
        sys.stdout.flush()
        return 0
    except BaseException as e:  # a crash in the test is a failure, never a silent pass
        t.ok(False, "%s: no exception" % name, "".join(traceback.format_exception(e)))
        if inst is not None:
            t.diag(inst.log_tail("appforged"))
            t.diag(inst.log_tail("nginx"))
    finally:
        if inst is not None:
            inst.cleanup()
    t.done()
    return 1 if t.failed else 0

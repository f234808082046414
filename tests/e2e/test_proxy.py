#!/usr/bin/env python3
"""test_proxy.py: nginx's apps origin on its own (ports 18600-18699).

Renders nginx.conf with nginx/render from a values file, runs nginx, and plays the
backend's GET /internal/resolve and a running app with test doubles (fakeresolve.py),
to check what nginx lets through to an app and what it answers itself: the upstream
from the resolve answer (validated), no Authorization and no API cookie towards the
app, cookies bound to the app's own host, WebSocket upgrades, the bandwidth limit, the
404 and 503 pages. The real daemon's side is covered by the other e2e tests."""
import json
import grp
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from fakeresolve import EchoApp, Resolver  # noqa: E402

BASE = 18600
DOMAIN = "apps.localhost"
BANDWIDTH = 50000
RUNNING, STOPPED, EVIL, SMUGGLE, GONE = ("a" * 16, "b" * 16, "c" * 16, "d" * 16, "e" * 16)


class Nginx:
    """Just enough of harness.Instance for harness.Client: nginx alone, our own cert."""
    listen_address = "127.0.0.1"
    public_host = "localhost"

    def __init__(self):
        self.nginx = os.environ.get("AF_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(self.nginx, os.X_OK):
            raise harness.SkipAll("nginx is not installed")
        first, self._port_lock = harness.reserve_ports(BASE)
        self.https_port, self.http_port, self.app_port = first, first + 1, first + 2
        self.dir = tempfile.mkdtemp(prefix="af-e2e-proxy-")
        os.chmod(self.dir, 0o711)  # nginx's workers (www-data) reach the resolver's socket
        self.proc = self.app = self.resolver = self.log = None

    def start(self):
        self.state = os.path.join(self.dir, "state")
        os.makedirs(os.path.join(self.state, "tls"))
        self.cert = os.path.join(self.state, "tls", "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,DNS:*.%s" % DOMAIN,
                        "-keyout", os.path.join(self.state, "tls", "key.pem"),
                        "-out", self.cert], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self.sock = os.path.join(self.state, "appforged.sock")
        values = os.path.join(self.dir, "values")
        with open(values, "w") as f:
            f.write("\n".join("%s = %s" % kv for kv in (
                ("state_dir", self.state), ("socket_path", self.sock),
                ("public_host", "localhost"), ("apps_domain", DOMAIN),
                ("listen_address", "127.0.0.1"), ("https_port", self.https_port), ("http_port", self.http_port),
                ("max_body_bytes", 1048576), ("cors_origins", ""),
                ("rate_ip_per_sec", 1000), ("rate_token_per_sec", 1000),
                ("rate_generate_per_min", 1000), ("app_bandwidth_bytes", BANDWIDTH))) + "\n")
        self.prefix = os.path.join(self.dir, "nginx")
        web = harness.served_web_root(self.dir)
        user = harness.NGINX_USER
        subprocess.run([sys.executable, os.path.join(harness.SRCDIR, "nginx", "render"),
                        "--values", values, "--prefix", self.prefix, "--user", user,
                        "--web-root", web, "--nginx-workers", "1"], check=True)
        self.resolver = Resolver(self.sock)
        # as appforged hands its socket to nginx's group
        if os.geteuid() == 0:
            os.chown(self.sock, 0, grp.getgrnam(user).gr_gid)
            os.chmod(self.sock, 0o660)
        self.app = EchoApp(self.app_port, DOMAIN)
        self.log = open(os.path.join(self.dir, "nginx.log"), "wb")
        self.proc = subprocess.Popen([self.nginx, "-e", os.path.join(self.prefix, "error.log"),
                                      "-p", self.prefix, "-c", os.path.join(self.prefix, "nginx.conf"),
                                      "-g", "daemon off;"], stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        self._ctx = ssl.create_default_context(cafile=self.cert)
        end = time.monotonic() + 60   # a loaded machine may start nginx slowly
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), 1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("nginx did not start: %s" % self.log_tail())

    def ssl_context(self):
        return self._ctx

    def log_tail(self):
        try:
            with open(os.path.join(self.prefix, "error.log"), errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def close(self):
        """Stops whatever start() got to, and removes the directory."""
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.app:
            self.app.shutdown()
            self.app.server_close()
        if self.resolver:
            self.resolver.close()
        if self.log:
            self.log.close()
        if os.environ.get("AF_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)


SEEN = []   # every app-origin response, for the X-Request-Id check


def app_get(ng, app, path="/", headers=None):
    c = harness.Client(ng, host="%s.%s" % (app, DOMAIN))
    try:
        r = c.get(path, headers=headers)
        SEEN.append(r)
        return r
    finally:
        c.close()


def websocket(ng, app):
    raw = socket.create_connection(("127.0.0.1", ng.https_port), 10)
    s = ng.ssl_context().wrap_socket(raw, server_hostname="%s.%s" % (app, DOMAIN))
    try:
        s.sendall(("GET /ws HTTP/1.1\r\nHost: %s.%s:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % (app, DOMAIN, ng.https_port)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            d = s.recv(4096)
            if not d:
                break
            head += d
        status = head.split(b"\r\n", 1)[0]
        s.sendall(b"ping")
        data = s.recv(4096)
        return status, data
    finally:
        s.close()


def main(t, ng):
    ng.resolver.answers = {
        RUNNING: (200, "127.0.0.1:%d" % ng.app_port),
        STOPPED: (503, None),
        EVIL: (200, "evil.example:80"),
        SMUGGLE: (200, "127.0.0.1:%d/admin?x=" % ng.app_port),
    }
    r = app_get(ng, RUNNING, "/hello?x=1", headers={
        "Authorization": "Bearer secret-api-token",
        "Cookie": "af_session=s3cret; theme=dark; xaf_keep=1; __Host-af_csrf=zz"})
    j = r.json() or {}
    sent = {k.lower(): v for k, v in j.get("headers", [])}
    t.ok(r.status == 200 and j.get("request") == "GET /hello?x=1 HTTP/1.1",
         "a running app gets the request", repr(r))
    t.ok("authorization" not in sent, "the Authorization header never reaches the app", repr(sent))
    t.eq(sent.get("cookie"), "theme=dark; xaf_keep=1", "the API's cookies are removed, the app's kept")
    t.eq(sent.get("host"), "%s.%s:%d" % (RUNNING, DOMAIN, ng.https_port), "the app sees its own Host")
    t.ok(sent.get("x-request-id") and sent.get("x-request-id") == r.header("x-request-id"),
         "the app gets the request id that the client sees", repr((sent, r.headers)))
    t.eq(r.header("set-cookie"), "shared=1; Domain=%s.%s; Path=/" % (RUNNING, DOMAIN),
         "a cookie for the whole apps domain is bound to the app's own host")
    p = ng.resolver.seen[-1] if ng.resolver.seen else {}
    t.ok(p.get("APP_ID") == RUNNING and p.get("DOCUMENT_URI") == "/internal/resolve" and
         p.get("REQUEST_METHOD") == "GET", "nginx asks the backend to resolve the app id", repr(p))
    t.ok(not any(k.startswith("HTTP_") for k in p), "the resolve request carries none of the "
         "client's headers", repr(sorted(p)))

    status, data = websocket(ng, RUNNING)
    t.ok(status.startswith(b"HTTP/1.1 101") and data == b"echo:ping",
         "WebSocket upgrades pass through", repr((status, data)))

    start = time.monotonic()
    r = app_get(ng, RUNNING, "/big")
    took = time.monotonic() - start
    # A lower bound only: nginx cannot send faster than the limit, however fast the host.
    t.ok(r.status == 200 and len(r.body) == 100000 and took >= 100000 / BANDWIDTH / 2,
         "responses are limited to app_bandwidth_bytes per second (%.1f s for 100 kB)" % took,
         repr(r))

    r = app_get(ng, STOPPED)
    t.ok(r.status == 503 and b"not running" in r.body and
         (r.header("content-type") or "").startswith("text/html"), "a stopped app: 503 page", repr(r))
    r = app_get(ng, GONE)
    t.ok(r.status == 404 and b"No such app" in r.body, "an unknown app: 404 page", repr(r))
    for app, what in ((EVIL, "a host name"), (SMUGGLE, "a path")):
        before = len(ng.resolver.seen)
        r = app_get(ng, app)
        t.ok(r.status == 503 and len(ng.resolver.seen) == before + 1,
             "an upstream with %s in it is refused" % what, repr(r))
    for path in ("/__appforge/resolve", "/internal/resolve"):
        r = app_get(ng, RUNNING, path)
        j = r.json() or {}
        t.ok(r.status in (200, 404) and "X-App-Upstream" not in str(r.headers) and
             (r.status == 404 or j.get("request", "").startswith("GET %s " % path)),
             "%s on an app origin goes to the app or nowhere" % path, repr(r))
    t.ok(SEEN and all(x.header("x-request-id") for x in SEEN),
         "every app-origin response carries X-Request-Id (%d)" % len(SEEN))

    # With the backend gone, an app origin says the app is unavailable, not 500.
    ng.resolver.close()
    os.unlink(ng.sock)
    r = app_get(ng, RUNNING)
    t.eq(r.status, 503, "backend down: 503 page")


def run():
    t = harness.Tap()
    ng = None
    try:
        ng = Nginx()
        ng.start()
        main(t, ng)
    except harness.SkipAll as e:
        print("1..0 # SKIP %s" % e)
        return 0
    except BaseException as e:  # noqa: B902 - a crash is a failure
        import traceback
        t.ok(False, "proxy: no exception", "".join(traceback.format_exception(e)))
        if ng:
            t.diag(ng.log_tail())
    finally:
        if ng:
            ng.close()
    t.done()
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(run())

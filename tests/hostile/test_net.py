"""test_net.py: hostile network attacks against the sandbox (ports 29550-29599).

The host side listens on loopback TCP (standing for nginx and other apps' ports), on all
addresses, on a unix socket in a temp dir (standing for the FastCGI socket) and on an
abstract unix socket. tests/hostile/apps/net/attack.js, run under `appforge-sandbox exec`,
tries all of them, the internet (1.1.1.1:443, 8.8.8.8:53 TCP and UDP) and DNS. The driver
asserts every attempt failed and that no host listener saw a connection. A run-mode
server then tries to open listeners of its own; none may appear on the host.
"""
import json
import os
import socket
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29550, 29599)
PORT_51 = P()
PORT_52 = P()
PORT_53 = P()
PORT_54 = P()
PORT_55 = P()
PORT_56 = P()
PORT_57 = P()

tmp = H.tmpdir("net")
R = H.CANARY[-8:]
accepted = []   # (listener name, peer) of every connection the host listeners got


def serve(name, sock):
    sock.listen(16)
    while True:
        try:
            c, peer = sock.accept()
        except OSError:
            return
        accepted.append((name, str(peer)))
        c.close()


listeners = []


def listen(name, family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    if family != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    listeners.append(s)
    threading.Thread(target=serve, args=(name, s), daemon=True).start()


listen("loopback", socket.AF_INET, ("127.0.0.1", PORT_51))
listen("any", socket.AF_INET, ("0.0.0.0", PORT_52))
have6 = True
try:
    listen("loopback6", socket.AF_INET6, ("::1", PORT_55))
except OSError:
    have6 = False
unix_path = os.path.join(tmp, "fcgi.sock")
listen("unix", socket.AF_UNIX, unix_path)
os.chmod(unix_path, 0o777)
abstract = "af-hostile-net-" + R
listen("abstract", socket.AF_UNIX, "\0" + abstract)

host_ips = []
for line in os.popen("ip -o -4 addr show 2>/dev/null").read().splitlines():
    parts = line.split()
    if "inet" in parts:
        ip = parts[parts.index("inet") + 1].split("/")[0]
        if not ip.startswith("127."):
            host_ips.append(ip)

spec = {
    "tcp": [["1.1.1.1", 443], ["8.8.8.8", 53], ["93.184.215.14", 80], ["127.0.0.1", PORT_51],
            ["127.0.0.1", PORT_52], ["127.0.0.53", 53], ["10.0.2.2", 80], ["172.17.0.1", 80],
            ["169.254.169.254", 80]] + [[ip, PORT_52] for ip in host_ips],
    "tcp6": [["::1", PORT_55], ["2606:4700:4700::1111", 443]],
    "udp": [["8.8.8.8", 53], ["1.1.1.1", 53], ["127.0.0.53", 53]],
    "dns": ["example.com", "one.one.one.one"],
    "unix": [unix_path, "/run/appforge/fcgi.sock", "/var/run/nscd/socket",
             "/run/systemd/private", "/var/run/docker.sock"],
    "abstract": [abstract, "/tmp/.X11-unix/X0"],
}
att = H.exec_box("hostile-net-attacker", "net", PORT_56,
                 ["/usr/bin/node", "/app/attack.js", json.dumps(spec)], timeout=60)
res = H.check_exec_ran(att, "net attack")

for h, p in spec["tcp"]:
    r = res.get("tcp:%s:%d" % (h, p))
    T.ok(r is not None and r != "CONNECTED", "no TCP connection to %s:%d (got %s)" % (h, p, r))
for h, p in spec["tcp6"]:
    r = res.get("tcp6:%s:%d" % (h, p))
    T.ok(r is not None and r != "CONNECTED", "no TCP connection to [%s]:%d (got %s)" % (h, p, r))
for h, p in spec["udp"]:
    r = res.get("udp:%s:%d" % (h, p))
    T.ok(r is not None and r != "REPLY", "no UDP DNS answer from %s:%d (got %s)" % (h, p, r))
for n in spec["dns"]:
    for kind in ("dns", "resolve4"):
        r = res.get("%s:%s" % (kind, n))
        T.ok(r is not None and not r.startswith("RESOLVED"), "%s of %s fails (got %s)" % (kind, n, r))
for p in spec["unix"]:
    r = res.get("unix:" + p)
    T.ok(r is not None and r != "CONNECTED", "no connection to unix socket %s (got %s)" % (p, r))
for n in spec["abstract"]:
    r = res.get("abstract:" + n)
    T.ok(r is not None and r != "CONNECTED", "no connection to abstract socket @%s (got %s)" % (n, r))
ifs = res.get("interfaces")
T.ok(not res.get("interfaces_error"), "os.networkInterfaces() works in the sandbox (error: %s)"
     % res.get("interfaces_error"))
T.ok(isinstance(ifs, list) and set(ifs) <= {"lo"}, "the sandbox has no interface but lo (got %s)" % ifs)
T.ok(not accepted, "no host listener saw a connection from the sandbox", accepted)
if not have6:
    T.diag("no IPv6 loopback on this host: the ::1 listener was not started")
H.check_nothing_left(att, "net attacker")

# Run mode: the server tries to listen on other ports; only its own port may be open.
sdir = H.tmpdir("net-server")
scode = H.copy_app("net", os.path.join(sdir, "code"))
with open(os.path.join(scode, "extra.json"), "w") as f:
    json.dump([PORT_53, PORT_54], f)
srv = H.Box("hostile-net-server", None, PORT_57, workdir=sdir, code_dir=scode)
srv.wait_started()
body = srv.wait_http()
T.ok(body is not None, "the net server answers on its own port (control)", srv.describe())
try:
    extra = json.loads(body or "{}").get("extra", {})
except ValueError:
    extra = {}
T.diag("listen attempts inside: %s" % json.dumps(extra))
for port in (PORT_53, PORT_54):
    T.ok(not H.port_open(port), "the app's own listen(%d) opened nothing on the host" % port)
    for ip in host_ips:
        T.ok(not H.port_open(port, ip), "the app's own listen(%d) opened nothing on %s" % (port, ip))
ev = srv.stop()
T.ok(ev is not None and ev.get("reason") == "stopped", "net server stops with reason stopped", ev)
H.check_nothing_left(srv, "net server")
T.ok(not accepted, "still no host listener saw a connection", accepted)
for s in listeners:
    s.close()
T.exit()

#!/usr/bin/env python3
"""test_isolation.py: users, origins and what reaches an app (ports 31500-31599).

Two users' apps are isolated (every route of the other's app is 404; each origin shows
only its own app); the app sees neither the Authorization header nor the API's cookies;
a WebSocket upgrade goes through the app's origin (a files-created echo app on node's
http 'upgrade'); logs?tail=N; an app that dies at start gives 502 app_crashed with its
last log lines; admin sandboxes list CPU, memory and processes; health asks the
supervisor; a run racing a delete leaves nothing behind; deleting a user (API or
appforgectl) kills and removes their apps; a killed supervisor is replaced."""
import base64
import json
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

ECHO = r"""
const http = require('http');
const crypto = require('crypto');
console.log('echo app up ' + process.env.APP_ID);
const srv = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({app: process.env.APP_ID, headers: req.headers}));
});
srv.on('upgrade', (req, sock) => {
  const accept = crypto.createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
             'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  sock.on('data', (buf) => {
    const len = buf[1] & 0x7f, mask = buf.slice(2, 6), data = Buffer.alloc(len);
    for (let i = 0; i < len; i++) data[i] = buf[6 + i] ^ mask[i % 4];
    const reply = Buffer.from('echo:' + data.toString());
    sock.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
  });
});
srv.listen(process.env.PORT);
"""
CRASH = "console.error('boom-marker: cannot start'); process.exit(3);\n"


def ws_echo(inst, aid, text, cookie=""):
    """A WebSocket round trip through nginx on the app's origin (with the Cookie header
    cookie, "" for none); the echoed text or None."""
    host = inst.app_host(aid)
    extra = "Cookie: %s\r\n" % cookie if cookie else ""
    raw = socket.create_connection((inst.listen_address, inst.https_port), timeout=10)
    s = inst.ssl_context(host).wrap_socket(raw, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n" % (host, inst.https_port, key,
                                                                   extra)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            return None
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        return None
    payload = text.encode()
    mask = os.urandom(4)
    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    data = head.split(b"\r\n\r\n", 1)[1]
    while len(data) < 2 or len(data) < 2 + data[1]:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data[2:2 + data[1]].decode() if len(data) >= 2 else None


def main(t, inst):
    t.eq(inst.client().get("/api/health").status, 200, "health: 200 with the supervisor up")
    alice = inst.client(inst.login("alice"))
    bob = inst.client(inst.login("bob"))
    admin = inst.client(inst.login("admin"))

    a = lc.create(t, alice, {"files": {"server.js": ECHO}, "name": "echo"}).get("id")
    b = lc.create(t, bob, {"prompt": "a guestbook for our wedding"}).get("id")
    pa = lc.run(t, alice, a, "alice's echo app")
    pb = lc.run(t, bob, b, "bob's guestbook")

    # isolation through the API
    for method, path in (("GET", ""), ("GET", "/files"), ("GET", "/logs"), ("POST", "/run"),
                         ("POST", "/stop"), ("PUT", "/files"), ("DELETE", "")):
        body = {"files": {"server.js": "x"}} if method == "PUT" else None
        r = bob.request(method, "/api/apps/%s%s" % (a, path), body=body)
        t.ok(r.status == 404 and r.error_code() == "not_found", "bob: %s alice's app%s: 404" % (method, path), r)
    t.ok(all(x["id"] != a for x in bob.get("/api/apps").json()["apps"]), "bob's list lacks alice's app")
    t.eq(alice.get("/api/apps/%s" % a).json()["run"]["state"], "running", "alice's app still runs")

    # isolation of origins, and what reaches an app
    oa = inst.app_client(alice, a)   # new apps are private: alice's cookie of her origin
    r = oa.get("/", headers={"Authorization": "Bearer secret-token-xyz",
                             "Cookie": "af_session=apisecret; theme=dark; " + oa.cookie})
    echo = r.json() or {}
    hdrs = echo.get("headers", {})
    t.ok(r.status == 200 and echo.get("app") == a, "alice's origin is served by alice's app", r)
    t.ok("authorization" not in hdrs and "secret-token-xyz" not in json.dumps(hdrs),
         "the Authorization header never reaches the app", hdrs)
    t.ok(hdrs.get("cookie") == "theme=dark", "the API's cookie is removed, the app's own kept", hdrs)
    ob = inst.app_client(bob, b)
    r = ob.get("/")
    t.ok(r.status == 200 and b"Guestbook" in r.body and a.encode() not in r.body, "bob's origin shows bob's app", r)
    t.ok(pa != pb, "the two apps have their own ports")

    # WebSocket through the origin
    t.eq(ws_echo(inst, a, "hello ws", oa.cookie), "echo:hello ws",
         "WebSocket upgrade and echo through the app's origin")
    t.eq(ws_echo(inst, a, "hello ws"), None, "no WebSocket into a private app without its cookie")

    # logs
    r = alice.get("/api/apps/%s/logs?tail=1" % a)
    t.ok(r.status == 200 and (r.header("content-type") or "").startswith("text/plain")
         and r.body.decode().strip().split(" ", 2)[1:] == ["out", "echo app up " + a],
         "logs?tail=1: the app's last line (a record: time, out, text), text/plain", r)
    for bad in ("0", "5001", "x", "-1"):
        r = alice.get("/api/apps/%s/logs?tail=%s" % (a, bad))
        t.eq(r.status, 400, "logs?tail=%s: 400" % bad)

    # admin view
    r = admin.get("/api/admin/sandboxes")
    sb = {x["app_id"]: x for x in (r.json() or {}).get("sandboxes", [])}
    t.ok(r.status == 200 and a in sb and b in sb and sb[a]["pids"] >= 1 and sb[a]["memory_bytes"] > 0
         and sb[a]["port"] == pa and sb[a]["cpu_seconds"] is not None,
         "admin sandboxes: both apps with port, memory, processes, CPU", r)
    t.eq(alice.get("/api/admin/sandboxes").status, 403, "a user may not list sandboxes")

    # crash at start
    c = lc.create(t, alice, {"files": {"server.js": CRASH}, "name": "crasher"}).get("id")
    r = alice.post("/api/apps/%s/run" % c)
    err = (r.json() or {}).get("error") or {}
    t.ok(r.status == 502 and err.get("code") == "app_crashed" and "boom-marker" in err.get("log", "")
         and "exit code 3" in err.get("message", ""), "an app that dies at start: 502 app_crashed with its log", r)
    t.ok(alice.get("/api/apps/%s" % c).json()["run"]["state"] in ("exited", "stopped"), "its run is over")

    # deleting a running app
    lc.delete_and_check_gone(t, inst, alice, a, pa, "running echo app")

    # a run racing a delete leaves nothing behind
    d = lc.create(t, alice, {"files": {"server.js": ECHO}, "name": "racer"}).get("id")
    results = {}

    def do_run():
        cl = inst.client(inst.login("alice"))
        results["run"] = cl.post("/api/apps/%s/run" % d).status
        cl.close()
    th = threading.Thread(target=do_run)
    th.start()
    r = alice.delete("/api/apps/%s" % d)
    th.join()
    t.ok(r.status == 204 and results.get("run") in (200, 202, 404, 409, 500, 502),
         "run and delete at once: delete 204, run %s" % results.get("run"))
    t.ok(lc.wait_until(lambda: d not in [x["app_id"] for x in admin.get("/api/admin/sandboxes").json()["sandboxes"]], 30),
         "no sandbox of the deleted app is left")
    t.ok(lc.wait_until(lambda: not os.path.exists(lc.app_dir(inst, d)), 30), "its directory is gone")

    # deleting a user removes their running apps
    users = {u["username"]: u["id"] for u in admin.get("/api/admin/users").json()["users"]}
    r = admin.delete("/api/admin/users/%s" % users["bob"])
    t.eq(r.status, 204, "admin deletes bob")
    t.ok(lc.wait_until(lambda: not lc.port_open(pb), 30), "bob's app port is closed")
    t.ok(not os.path.exists(lc.app_dir(inst, b)), "bob's app directory is gone")
    t.ok(lc.wait_until(lambda: not lc.processes_of_uid(lc.sandbox_uid(inst, pb)), 30), "no process of bob's app left")
    ob.close()
    t.eq(ob.get("/").status, 404, "bob's app origin: 404")

    # appforgectl user del does the same
    r = admin.post("/api/admin/users", {"username": "carol", "password": "carol-password-1"})
    t.eq(r.status, 201, "admin creates carol")
    carol = inst.client()
    tok = carol.post("/api/auth/login", {"username": "carol", "password": "carol-password-1"}).json()["token"]
    carol.token = tok
    e = lc.create(t, carol, {"files": {"server.js": ECHO}, "name": "carol's"}).get("id")
    pe = lc.run(t, carol, e, "carol's app")
    p = inst.ctl("user", "del", "carol", check=False)
    t.eq(p.returncode, 0, "appforgectl user del carol: exit 0")
    t.ok(lc.wait_until(lambda: not lc.port_open(pe), 30) and not os.path.exists(lc.app_dir(inst, e)),
         "appforgectl user del: her app's port closed, directory gone")

    # a supervisor that dies takes its apps along, the database says so; appforged
    # reports it missing until its service manager (here the harness) starts another
    f = lc.create(t, alice, {"files": {"server.js": ECHO}, "name": "survivor"}).get("id")
    pf = lc.run(t, alice, f, "an app before the supervisor dies")
    t.eq([p for p in harness_children(inst) if exe_name(p) == "appforge-supervisor"], [],
         "the supervisor is not a child of appforged")
    sup = inst.pid_of("supervisor")
    os.kill(sup, 9)
    t.ok(lc.wait_until(lambda: not lc.port_open(pf), 30), "its sandboxes go with it")
    t.ok(lc.wait_until(lambda: inst.client().get("/api/health").status == 503, 30),
         "without a supervisor: health 503")
    inst.procs["supervisor"].wait()
    inst.start_supervisor()
    t.ok(lc.wait_until(lambda: inst.client().get("/api/health").status == 200, 30),
         "a new supervisor answers: health 200 again")
    t.ok(lc.wait_until(lambda: alice.get("/api/apps/%s" % f).json()["run"]["state"] != "running", 30),
         "the app is no longer reported running")
    lc.run(t, alice, f, "it runs again under the new supervisor")


def harness_children(inst):
    return lc.harness.children(inst.pid_of("appforged"))


def exe_name(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return ""


sys.exit(lc.run_file(main, "lc-isolation", 31500))

"""test_logstream.py: GET /api/apps/{id}/logs/stream through appforged's FastCGI socket
(no nginx, no sandbox: the test writes the app's log file as the supervisor does):
the head and the tail, a record written later arriving as an event, resume with
Last-Event-ID, a rotated file, secrets redacted as in GET logs, the end of a stream when
its token expires or is revoked, a streamer killed and replaced, 401/404/400, the per-user
cap (the next stream 429) while the API workers stay free, and streams ending when the
app is deleted."""
import json
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_client as fc  # noqa: E402
from dharness import app_files, holds_socket, run_daemon, unix_listener_inode  # noqa: E402
from test_api import forge_jwt  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import scaled  # noqa: E402

SECRET = "str3am-Secret-91c2"
PER_USER = 8   # LOGSTREAM_PER_USER
TOTAL = 10     # all users' streams, lowered from 256 for this test


def main():
    os.environ["APPFORGED_LOGSTREAM_TOTAL"] = str(TOTAL)
    return run_daemon(run, workers=2)


def record(stream, text, ms=0):
    return "2026-12-07T03:16:%02d.%03dZ %s %s\n" % (ms // 1000 % 60, ms % 1000, stream, text)


class Stream:
    """One log stream read as nginx would: FastCGI records, then events as they come."""

    def __init__(self, d, app, token, query="", headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        self.sock = fc.connect(d.sock, timeout=scaled(10))
        self.sock.sendall(fc.encode_request("GET", "/api/apps/%s/logs/stream%s" % (app, query),
                                            b"", h, keep=False))
        self.buf, self.out, self.ended = b"", b"", False
        self.status, self.headers, self.body = None, {}, b""

    def _record(self, deadline):
        while True:
            if len(self.buf) >= 8:
                _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", self.buf[:8])
                if len(self.buf) >= 8 + clen + plen:
                    content = self.buf[8:8 + clen]
                    self.buf = self.buf[8 + clen + plen:]
                    return rtype, content
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return "eof", b""
            self.buf += chunk

    def pump(self, timeout):
        """Reads what comes within timeout; True once the response ended."""
        deadline = time.time() + timeout
        while not self.ended:
            r = self._record(deadline)
            if r is None:
                break
            rtype, content = r
            if rtype == fc.STDOUT:
                self.out += content
            elif rtype in (fc.END_REQUEST, "eof"):
                self.ended = True
            if self.status is None and b"\r\n\r\n" in self.out:
                self.status, self.headers, self.body = fc.parse_response(self.out)
            elif self.status is not None:
                self.body = self.out.partition(b"\r\n\r\n")[2]
        return self.ended

    def events(self):
        evs = []
        for block in self.body.decode().split("\n\n")[:-1]:
            ev = {}
            for line in block.split("\n"):
                k, _, v = line.partition(": ")
                if k in ("id", "data"):
                    ev[k] = v
            if "data" in ev:
                ev["data"] = json.loads(ev["data"])
                evs.append(ev)
        return evs

    def wait_events(self, n, timeout):
        deadline = time.time() + timeout
        while len(self.events()) < n and time.time() < deadline and not self.ended:
            self.pump(0.2)
        return self.events()

    def close(self):
        self.sock.close()


def run(t, d):
    alice, bob = d.login("alice"), d.login("bob")
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "streamed"}, token=alice)
    t.eq(r.status, 201, "create an app")
    app = r.json()["id"]
    r = d.req("PUT", "/api/apps/%s/env" % app, {"vars": {"TOKEN": SECRET}}, token=alice)
    t.eq(r.status, 200, "set a secret")
    logdir = os.path.join(d.state, "log", "apps")
    path = os.path.join(logdir, app + ".log")
    with open(path, "w") as f:
        f.write(record("sys", "run started (port 9001)", 1) + record("out", "one", 2)
                + record("err", "two with %s" % SECRET, 3) + record("out", "three\x1b[31m", 4))

    # the head, then the last N records
    s = Stream(d, app, alice, "?tail=3")
    evs = s.wait_events(3, scaled(10))
    t.eq(s.status, 200, "stream: 200")
    t.ok(s.headers.get("content-type", "").startswith("text/event-stream"), "text/event-stream",
         s.headers)
    t.eq(s.headers.get("x-accel-buffering"), "no", "X-Accel-Buffering: no")
    t.ok(bool(s.headers.get("x-request-id")), "X-Request-Id")
    t.eq([e["data"]["text"] for e in evs], ["one", "two with [redacted]", "three\\x1b[31m"],
         "the tail: the last 3 records, redacted and escaped as GET logs")
    t.eq([e["data"]["stream"] for e in evs], ["out", "err", "out"], "each with its stream")
    t.eq(evs[0]["data"]["at"], "2026-12-07T03:16:00.002Z", "and its time")
    size = os.path.getsize(path)
    ino = os.stat(path).st_ino
    t.eq(evs[-1].get("id"), "%d.%d" % (ino, size), "the id: inode.offset after the record")

    # a record written later arrives
    with open(path, "a") as f:
        f.write(record("out", "live %s" % SECRET, 5))
    evs = s.wait_events(4, scaled(10))
    t.ok(len(evs) == 4 and evs[3]["data"]["text"] == "live [redacted]",
         "a new record arrives as an event, redacted", evs)
    last_id = evs[-1].get("id") if evs else ""
    s.close()

    # resume: only what came after Last-Event-ID
    with open(path, "a") as f:
        f.write(record("out", "while away", 6))
    s = Stream(d, app, alice, "", {"Last-Event-ID": last_id})
    evs = s.wait_events(1, scaled(10))
    s.pump(0.5)
    evs = s.events()
    t.eq([e["data"]["text"] for e in evs], ["while away"], "Last-Event-ID resumes after it")
    # the log rotates: the rest of the old file, then the new one
    os.rename(path, path + ".1")
    with open(path, "w") as f:
        f.write(record("out", "after rotation", 7))
    evs = s.wait_events(2, scaled(10))
    t.ok(len(evs) == 2 and evs[1]["data"]["text"] == "after rotation",
         "a rotated log: the stream goes on in the new file", evs)
    s.close()
    s = Stream(d, app, alice, "?last_event_id=" + last_id)
    evs = s.wait_events(2, scaled(10))
    t.eq([e["data"]["text"] for e in evs], ["while away", "after rotation"],
         "resume into the rotated file, then the new one (last_event_id in the query)")
    s.close()

    # a stream ends when the token it was opened with expires
    now = int(time.time())
    me = d.req("GET", "/api/me", token=alice).json()["id"]
    short = forge_jwt(d, {"iss": "appforge", "aud": "appforge-api", "iat": now, "exp": now + 3, "sub": me})
    s = Stream(d, app, short, "?tail=1")
    s.pump(1)
    t.eq(s.status, 200, "a stream on a token that expires in 3 s")
    ended = s.pump(scaled(15))
    t.ok(ended and time.time() >= now + 3, "it ends once the token has expired")
    s.close()

    # ... and, at the next keep-alive (15 s), when its API token is revoked
    r = d.req("POST", "/api/tokens", {"name": "streamer"}, token=alice)
    t.eq(r.status, 201, "an API token")
    tok = r.json()
    s = Stream(d, app, tok["token"], "?tail=1")
    ctl = Stream(d, app, alice, "?tail=1")   # control: a stream whose token stays good
    s.pump(1)
    t.eq(s.status, 200, "a stream with the API token")
    t.eq(d.req("DELETE", "/api/tokens/%s" % tok["id"], token=alice).status, 204, "revoke the token")
    t.ok(s.pump(scaled(25)), "the stream ends once the token is revoked")
    ctl.pump(1)
    t.ok(not ctl.ended and b": keep-alive\n\n" in ctl.out,
         "a stream with a good token got its keep-alive comment and goes on", ctl.out[-200:])
    s.close()
    ctl.close()

    # who may stream, and bad input
    r = d.req("GET", "/api/apps/%s/logs/stream" % app)
    t.eq(r.status, 401, "no token: 401")
    r = d.req("GET", "/api/apps/%s/logs/stream" % app, token=bob)
    t.eq(r.status, 404, "another user's app: 404")
    r = d.req("GET", "/api/apps/%s/logs/stream?tail=0" % app, token=alice)
    t.eq(r.status, 400, "tail=0: 400")
    r = d.req("GET", "/api/apps/%s/logs/stream?tail=x" % app, token=alice)
    t.eq(r.status, 400, "tail=x: 400")
    r = d.req("POST", "/api/apps/%s/logs/stream" % app, token=alice)
    t.eq(r.status, 405, "POST: 405")

    # the cap per user; the two API workers stay free meanwhile
    open_ = [Stream(d, app, alice, "?tail=1") for _ in range(PER_USER)]
    t.ok(all(len(x.wait_events(1, scaled(10))) == 1 for x in open_),
         "%d streams open for one user" % PER_USER)
    r = d.req("GET", "/api/apps/%s/logs/stream" % app, token=alice, timeout=scaled(5))
    t.ok(r.status == 429 and r.json()["error"]["code"] == "rate_limited" and r.header("Retry-After"),
         "stream %d of one user: 429 rate_limited with Retry-After" % (PER_USER + 1), r)
    ok = True
    for _ in range(6):   # more requests than workers, each answered
        r = d.req("GET", "/api/apps", token=alice, timeout=scaled(5))
        ok = ok and r.status == 200
    t.ok(ok, "with the streams open, GET /api/apps is answered (the workers are free)")
    bob_app = d.req("POST", "/api/apps", {"files": app_files()}, token=bob).json()["id"]
    sb = Stream(d, bob_app, bob, "")
    sb.pump(1)
    t.eq(sb.status, 200, "another user may still open a stream (an app without a log yet)")
    with open(os.path.join(logdir, bob_app + ".log"), "w") as f:
        f.write(record("sys", "run started (port 9002)", 8))
    evs = sb.wait_events(1, scaled(10))
    t.ok(len(evs) == 1 and evs[0]["data"]["stream"] == "sys", "its first log record arrives", evs)
    sb2 = Stream(d, bob_app, bob, "?tail=1")
    t.eq(len(sb2.wait_events(1, scaled(10))), 1, "stream %d in all: open" % TOTAL)
    r = d.req("GET", "/api/apps/%s/logs/stream" % bob_app, token=bob, timeout=scaled(5))
    t.ok(r.status == 429 and r.json()["error"]["code"] == "rate_limited"
         and "too many open log streams: try" in r.json()["error"]["message"],
         "stream %d in all: 429 (the total cap)" % (TOTAL + 1), r)
    sb2.close()
    sb.close()

    # deleting the app ends its streams
    r = d.req("DELETE", "/api/apps/%s" % app, token=alice)
    t.eq(r.status, 204, "delete the app")
    ended = all(x.pump(scaled(20)) for x in open_)
    t.ok(ended, "every stream of the deleted app ended")
    for x in open_:
        x.close()

    # the master replaces a streamer that dies; its clients reconnect to the new one
    def streamer():
        inode = unix_listener_inode(os.path.join(d.state, "logstream.sock"))
        try:
            with open("/proc/%d/task/%d/children" % (d.proc.pid, d.proc.pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            return None
        return next((k for k in kids if inode and holds_socket(k, inode)), None)
    old = streamer()
    t.ok(old is not None, "the streamer is a child of the master, holding logstream.sock")
    sb = Stream(d, bob_app, bob, "?tail=1")
    t.ok(len(sb.wait_events(1, scaled(10))) == 1, "a stream open on it")
    os.kill(old, signal.SIGKILL)
    t.ok(sb.pump(scaled(10)), "killed: its stream ends (the client reconnects)")
    sb.close()
    deadline = time.time() + scaled(20)
    while time.time() < deadline and streamer() in (None, old):
        time.sleep(0.1)
    new = streamer()
    t.ok(new not in (None, old), "a new streamer took its place")
    sb = Stream(d, bob_app, bob, "?tail=1")
    t.ok(len(sb.wait_events(1, scaled(10))) == 1, "streams work again")
    sb.close()


if __name__ == "__main__":
    sys.exit(main())

"""test_keepalive.py: many requests per FastCGI connection (nginx's fastcgi_keep_conn).

A kept connection carries request after request, including bodies the daemon reads
and bodies it refuses without reading (413); requests written in pieces and answers
read a few bytes at a time; more idle kept connections than workers, each answered
when its next request comes (none stranded behind a worker that owns another one);
a stalled half request on a kept connection is dropped after the I/O timeout without
stopping the other worker; a worker whose connection slots are all taken closes
the one idle the longest for a new one; a request without FCGI_KEEP_CONN still gets its
connection closed; SIGTERM with idle kept connections stops at once; the daemon
restarted itself with a deeper malloc cache. Then the JWT
cache: a role change and a deletion in the database take effect on the next request
of a token every worker has cached."""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_client as fc  # noqa: E402
from dharness import Daemon, Tap  # noqa: E402


def kept_sequence(t, d, tok):
    c = fc.KeptConnection(d.sock)
    statuses = [c.request("GET", "/api/me", headers={"Authorization": "Bearer " + tok}).status
                for _ in range(5)]
    t.ok(statuses == [200] * 5, "5 requests on one kept connection (%r)" % statuses)
    r = c.request("POST", "/api/auth/login", {"username": "alice", "password": "alice-password-1"})
    r2 = c.request("GET", "/api/health")
    t.ok(r.status == 200 and r2.status == 200, "a body read, then the next request (%r %r)" % (r, r2))
    big = b"x" * 3000  # max_body_bytes is 1024 here: refused unread, then drained
    r = c.request("POST", "/api/auth/login", big, headers={"Content-Type": "application/json"})
    r2 = c.request("GET", "/api/health")
    t.ok(r.status == 413 and r2.status == 200,
         "a body refused unread (413) is drained: the next request works (%r %r)" % (r, r2))
    c.send(fc.encode_request("GET", "/api/me", headers={"Authorization": "Bearer " + tok}),
           pieces=7, pause=0.05)
    r = c.read(chunk=3)
    t.ok(r.status == 200 and r.json().get("username") == "alice",
         "a request written in 7 pieces, its answer read 3 bytes at a time (%r)" % r)
    c.close()


def many_idle(t, d):
    conns = [fc.KeptConnection(d.sock) for _ in range(6)]
    first = [c.request("GET", "/api/health").status for c in conns]
    # All six stay open and idle; now each asks again, last opened first.
    t0 = time.monotonic()
    again = [c.request("GET", "/api/health").status for c in reversed(conns)]
    fresh = fc.request(d.sock, "GET", "/api/health").status
    took = time.monotonic() - t0
    t.ok(first == [200] * 6 and again == [200] * 6 and fresh == 200,
         "6 idle kept connections over 2 workers, each answered again, and a new one "
         "(%r %r %r, %.2f s)" % (first, again, fresh, took))
    return conns


def stalled(t, d):
    c = fc.KeptConnection(d.sock)
    t.ok(c.request("GET", "/api/health").status == 200, "stall: first request on the connection")
    req = fc.encode_request("GET", "/api/health")
    c.send(req[:11])  # half a BEGIN_REQUEST record, then nothing
    time.sleep(0.2)
    others = [fc.request(d.sock, "GET", "/api/health").status for _ in range(5)]
    t.ok(others == [200] * 5, "other requests are answered while a kept connection stalls (%r)" % others)
    t.ok(c.closed_by_peer(timeout=10), "the stalled connection is closed after the I/O timeout")
    c.close()


def not_kept(t, d):
    c = fc.KeptConnection(d.sock)
    c.send(fc.encode_request("GET", "/api/health", keep=False))
    r = c.read()
    t.ok(r.status == 200 and c.closed_by_peer(), "without FCGI_KEEP_CONN the connection is closed after the answer")
    c.close()


def access_log(t, d):
    """The access lines are buffered while a worker is busy and written once it is idle."""
    c = fc.KeptConnection(d.sock)
    rid = "keepalive-log-%d" % os.getpid()
    for i in range(3):
        c.request("GET", "/api/health?n=%d" % i, extra={"REQUEST_ID": "%s-%d" % (rid, i)})
    c.close()
    end = time.monotonic() + 10
    while time.monotonic() < end and sum(("[%s-%d] GET /api/health 200" % (rid, i)) in d.log()
                                         for i in range(3)) < 3:
        time.sleep(0.05)
    got = sum(("[%s-%d] GET /api/health 200" % (rid, i)) in d.log() for i in range(3))
    t.ok(got == 3, "the access lines of 3 requests reach the log once the worker is idle (%d)" % got)


def cache_vs_database(t, d, tok):
    me = [d.req("GET", "/api/me", token=tok) for _ in range(8)]  # every worker caches it
    t.ok(all(r.status == 200 and r.json()["role"] == "user" for r in me), "cache: token accepted, role user")
    con = sqlite3.connect(d.db_path, timeout=10)
    with con:
        con.execute("UPDATE users SET role = 'admin' WHERE username = 'alice'")
    roles = [d.req("GET", "/api/me", token=tok).json()["role"] for _ in range(4)]
    admin = [d.req("GET", "/api/admin/users", token=tok).status for _ in range(4)]
    t.ok(roles == ["admin"] * 4 and admin == [200] * 4,
         "cache: a role granted in the database counts at once (%r %r)" % (roles, admin))
    with con:
        con.execute("UPDATE users SET role = 'user' WHERE username = 'alice'")
    admin = [d.req("GET", "/api/admin/users", token=tok).status for _ in range(4)]
    t.ok(admin == [403] * 4, "cache: a role taken away counts at once (%r)" % admin)
    con.close()
    d.ctl("user", "del", "alice")
    gone = [d.req("GET", "/api/me", token=tok).status for _ in range(4)]
    t.ok(gone == [401] * 4, "cache: a deleted user's cached token is refused at once (%r)" % gone)


def slots_full(t):
    """A worker with every connection slot taken closes the one idle the longest when
    another connection comes (here 2 slots, 1 worker)."""
    d = Daemon(workers=1)
    try:
        d.init(users=()).start(env=dict(os.environ, APPFORGED_MAX_CONNS="2"))
        c1, c2 = fc.KeptConnection(d.sock), fc.KeptConnection(d.sock)
        first = [c1.request("GET", "/api/health").status, c2.request("GET", "/api/health").status]
        c3 = fc.KeptConnection(d.sock)
        r3 = c3.request("GET", "/api/health").status
        t.ok(first == [200, 200] and r3 == 200, "slots full: a third connection is served (%r %r)" % (first, r3))
        t.ok(c1.closed_by_peer(timeout=5), "... and the connection idle the longest was closed")
        t.ok(c2.request("GET", "/api/health").status == 200, "... the other one still serves")
        for c in (c1, c2, c3):
            c.close()
    finally:
        d.cleanup(t)


def main():
    t = Tap()
    d = Daemon(workers=2, extra_conf="max_body_bytes = 1024\n")
    try:
        d.init(users=("admin", "alice")).start(env=dict(os.environ, APPFORGED_IO_TIMEOUT="2"))
        tok = d.login("alice")
        with open("/proc/%d/environ" % d.proc.pid, "rb") as f:
            env = f.read().split(b"\0")
        t.ok(any(e.startswith(b"GLIBC_TUNABLES=") and b"glibc.malloc.tcache_count=256" in e
                 for e in env), "appforged runs with a deeper malloc cache (main.c malloc_tune)")
        kept_sequence(t, d, tok)
        conns = many_idle(t, d)
        stalled(t, d)
        not_kept(t, d)
        access_log(t, d)
        cache_vs_database(t, d, tok)
        # Idle kept connections do not delay a stop, and their peers see them closed.
        t0 = time.monotonic()
        rc = d.stop(timeout=30)
        took = time.monotonic() - t0
        t.ok(rc == 0 and took < 10, "SIGTERM with 6 idle kept connections: exit 0 in %.1f s" % took)
        t.ok(all(c.closed_by_peer(timeout=2) for c in conns), "the kept connections were closed")
        for c in conns:
            c.close()
    except Exception as e:  # noqa: BLE001
        t.ok(False, "harness: %s" % e, d.log())
    finally:
        d.cleanup(t)
    try:
        slots_full(t)
    except Exception as e:  # noqa: BLE001
        t.ok(False, "harness (slots full): %s" % e)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

"""test_workers.py: the worker pool under signals. A SIGKILLed worker is replaced and
the next requests all succeed; SIGTERM lets a request that is in flight finish (its
body is still arriving when the signal comes) and the master then exits 0."""
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_client as fc  # noqa: E402
from dharness import Daemon, Tap, app_files  # noqa: E402


def main():
    t = Tap()
    d = Daemon(workers=2, extra_conf="log_level = debug\n")
    try:
        d.init(users=("alice",)).start(env=dict(os.environ, APPFORGED_IO_TIMEOUT="2"))
        tok = d.login("alice")
        w = d.wait_workers(2)
        t.ok(len(w) == 2, "two workers running (%r)" % w)

        victim = w[0]
        os.kill(victim, signal.SIGKILL)
        good = 0
        for i in range(20):
            try:
                r = d.req("GET", "/api/me", token=tok)
                good += r.status == 200
            except OSError as e:
                t.diag("request %d: %s" % (i, e))
        t.ok(good == 20, "20 requests after SIGKILL of a worker all succeed (%d/20)" % good, d.log())
        w2 = d.wait_workers(2, exclude=(victim,))
        t.ok(len(w2) == 2 and victim not in w2, "a new worker replaced the killed one (%r -> %r)" % (w, w2))
        t.ok("killed by signal 9" in d.log(), "the master logged the death", d.log())

        # A peer that stalls mid-body is dropped after the I/O timeout (2 s here) with a
        # 400, and does not hold its worker: the others keep answering meanwhile.
        body = b'{"username": "alice", "password": "alice-password-1"}'
        params = fc.build_params("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
        stalls = []
        for _ in range(2):  # both workers
            s = fc.connect(d.sock, timeout=30)
            s.sendall(fc.record(fc.BEGIN_REQUEST, struct.pack(">HB5x", fc.RESPONDER, 0))
                      + fc.records(fc.PARAMS, fc.encode_params(params)) + fc.record(fc.STDIN, body[:5]))
            stalls.append(s)
        answers = []
        for s in stalls:
            try:
                answers.append(fc.read_response(s).status)
            except (OSError, ValueError) as e:
                answers.append(repr(e))
            s.close()
        t.ok(answers == [400, 400], "stalled bodies are answered 400 after the I/O timeout (%r)" % answers)
        t.ok(d.req("GET", "/api/health").status == 200, "both workers serve again afterwards")

        # A request in flight: params sent, body only half sent, then SIGTERM.
        body = ('{"files": %s, "name": "in flight"}' % __import__("json").dumps(app_files())).encode()
        params = fc.build_params("POST", "/api/apps", body,
                                 {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        s = fc.connect(d.sock, timeout=30)
        s.sendall(fc.record(fc.BEGIN_REQUEST, struct.pack(">HB5x", fc.RESPONDER, 0))
                  + fc.records(fc.PARAMS, fc.encode_params(params))
                  + fc.record(fc.STDIN, body[:10]))
        # Wait until a worker has accepted it and is reading the body.
        deadline = time.time() + 20
        while "POST /api/apps: reading %d body bytes" % len(body) not in d.log() and time.time() < deadline:
            time.sleep(0.05)
        t.ok("reading %d body bytes" % len(body) in d.log(), "a worker is reading the body")
        d.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        t.ok(d.proc.poll() is None, "master waits for the in-flight request")
        s.sendall(fc.record(fc.STDIN, body[10:]) + fc.record(fc.STDIN, b""))
        r = fc.read_response(s)
        s.close()
        t.ok(r.status == 201 and r.json()["name"] == "in flight", "in-flight request completed: %d" % r.status, r)
        try:
            rc = d.proc.wait(25)
        except Exception:
            rc = None
        t.ok(rc == 0, "master exits 0 after SIGTERM (got %r)" % rc, d.log())
        t.ok(not os.path.exists(d.sock), "socket removed")
        d.proc = None
        # the acknowledged app exists after a restart
        d.start()
        apps = d.req("GET", "/api/apps", token=tok).json()["apps"]
        t.ok([a["name"] for a in apps] == ["in flight"], "the acknowledged app is stored")
        # SIGTERM with idle workers stops promptly
        t0 = time.time()
        rc = d.stop()
        t.ok(rc == 0, "idle stop exits 0")
        t.diag("idle stop took %.2fs" % (time.time() - t0))
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        d.stop()
        d.cleanup(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

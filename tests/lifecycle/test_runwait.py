#!/usr/bin/env python3
"""test_runwait.py: a worker waiting for a start leaves no request behind (ports 30900-30999).

POST /run waits for the app's start in the API worker that took it (docs/API.md). That
worker also owns kept FastCGI connections (nginx's fastcgi_keep_conn), and nginx may send
a request on any of them, even in the instant the worker took the run. Such a request
must be answered while the start goes on, not after it, and the connection must stay
usable (fcgi/worker.c, worker_wait). The test talks FastCGI to appforged as nginx does,
with kept connections pinned to one worker: while the other worker is stalled on half
a request, the connections it opens next can only be accepted by the first. Then, with
an app that listens only after a few seconds: a request sent right behind the run on
another connection is answered while the run still waits; so are requests sent during
the wait on the worker's idle connections, and a run nested in that wait answers 202
"starting" instead of waiting in turn; the waiting run then answers 200; every
connection is still kept. The same while a stop waits out the grace of an app that
ignores SIGTERM. With two workers (one wait slot)."""
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(lc.HERE), "daemon"))
import fcgi_client as fc  # noqa: E402

LISTEN_AFTER_S = 4
SLOW_APP = ("setTimeout(() => require('http').createServer((q, s) => s.end('ok'))"
            ".listen(process.env.PORT), %d);\n" % (LISTEN_AFTER_S * 1000))
OK_APP = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n"
STUBBORN_APP = ("process.on('SIGTERM', () => console.log('not yet'));\n" + OK_APP)
GRACE_MS = 3000


def pending(conn):
    """True while nothing has come back on conn."""
    return not select.select([conn.sock], [], [], 0)[0]


def run_state(r):
    return ((r.json() or {}).get("run") or {}).get("state")


def nested_served(inst):
    with open(inst.logs["appforged"], errors="replace") as f:
        return f.read().count("serving a request of another kept connection while waiting")


def main(t, inst):
    tok = inst.login("alice")
    api = inst.client(tok)
    auth = {"Authorization": "Bearer " + tok}
    slow = lc.create(t, api, {"files": {"server.js": SLOW_APP}, "name": "slow"}).get("id")
    quick = lc.create(t, api, {"files": {"server.js": OK_APP}, "name": "quick"}).get("id")
    stubborn = lc.create(t, api, {"files": {"server.js": STUBBORN_APP}, "name": "stubborn"}).get("id")
    sock = inst.fastcgi_socket()

    # Pin four connections to one worker: the other is stalled on half a request.
    stall = fc.KeptConnection(sock)
    health = fc.encode_request("GET", "/api/health")
    stall.send(health[:11])
    time.sleep(1.0)
    conns = [fc.KeptConnection(sock) for _ in range(4)]
    first = [c.request("GET", "/api/health").status for c in conns]
    stall.send(health[11:])
    r = stall.read()
    t.ok(first == [200] * 4 and r.status == 200,
         "four kept connections taken by one worker while the other stalls, then the stalled "
         "request answered (%r, %d)" % (first, r.status))
    a, b, c, d = conns
    before = nested_served(inst)

    # A request sent right behind the run, on another connection of the same worker.
    a.send(fc.encode_request("POST", "/api/apps/%s/run" % slow, headers=auth))
    time.sleep(0.05)
    rb = b.request("GET", "/api/apps/%s" % slow, headers=auth)
    t.ok(rb.status == 200 and pending(a),
         "a request sent on another kept connection right behind a waiting run is answered "
         "before the run (%d, run %s)" % (rb.status, run_state(rb)), rb)

    # During the wait: the worker's other connections are served; a nested run does not wait.
    rc = c.request("POST", "/api/apps/%s/run" % quick, headers=auth)
    rd = d.request("GET", "/api/me", headers=auth)
    rb2 = b.request("GET", "/api/apps/%s" % slow, headers=auth)
    t.ok(rc.status == 202 and run_state(rc) == "starting" and pending(a),
         "a run sent during another's wait answers 202 starting at once", rc)
    t.ok(rd.status == 200 and (rd.json() or {}).get("username") == "alice" and pending(a),
         "GET /api/me on the waiting worker's idle connection is answered during the wait", rd)
    t.ok(rb2.status == 200 and run_state(rb2) == "starting" and pending(a),
         "GET of the starting app during its wait shows it starting", rb2)

    ra = a.read()
    t.ok(ra.status == 200 and run_state(ra) == "running",
         "the waiting run then answers 200 running (%d, %s)" % (ra.status, run_state(ra)), ra)
    t.ok(lc.poll_run(api, quick).get("state") == "running", "the nested run's app runs")

    # A stop waiting out the grace of an app that ignores SIGTERM.
    lc.run(t, api, stubborn, "run the app that ignores SIGTERM")
    a.send(fc.encode_request("POST", "/api/apps/%s/stop" % stubborn, headers=auth))
    time.sleep(0.05)
    rb = b.request("GET", "/api/me", headers=auth)
    t.ok(rb.status == 200 and pending(a),
         "a request on another kept connection is answered while a stop waits out the grace", rb)
    ra = a.read()
    t.ok(ra.status == 200 and run_state(ra) in ("stopped", "exited"),
         "the stop then answers 200 (%d, %s)" % (ra.status, run_state(ra)), ra)
    again = [x.request("GET", "/api/health").status for x in conns + [stall]]
    t.ok(again == [200] * 5, "every kept connection still serves (%r)" % again)
    served = nested_served(inst) - before
    t.ok(served >= 5, "the worker served the other connections' requests while waiting "
         "(%d nested requests logged)" % served)
    for x in conns + [stall]:
        x.close()


sys.exit(lc.run_file(main, "lc-runwait", 30900, conf={
    "sandbox_start_timeout_ms": 20000, "sandbox_stop_grace_ms": GRACE_MS, "log_level": "debug"}))

#!/usr/bin/env python3
"""test_run.py: the contract of POST /api/apps/{id}/run (ports 32700-32799).

docs/API.md: the supervisor owns the run; a request waits for the start only while a
wait slot is free (a bounded share of the workers) and the client asks for it, else
202 with run.state "starting", then GET shows the start progressing. With 2 workers:
?wait=0 answers 202 at once and the run becomes running; a bad ?wait is 400; two
concurrent runs of one app share one start (one sandbox, one run row); four apps that
never listen do not take the workers (GET /api/me still answers, at most one run request
waits, the others answer 202), and each ends with reason start_timeout, visible when
polling; an app that listens is running at once, and one that then leaves the
platform's first request unanswered ends with start_timeout too; a start stopped by another request answers the waiting run 409; a crash at
start is visible when polling as exited/crashed. A new app's data image is made (and
mounted by the supervisor) once it is created, before any run."""
import os
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

OK_APP = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n"
# Never listens: its start lasts until the start timeout.
HANG = "console.log('hang-marker'); setInterval(() => {}, 1000);\n"
# Listens and never answers: running at once, then stopped (start_timeout).
MUTE = "console.log('mute-marker'); require('http').createServer(() => {}).listen(process.env.PORT);\n"
CRASH = "console.error('crash-marker'); process.exit(4);\n"


def sup_waiting(inst):
    """The supervisor's count of requests waiting for a start now (its ping), or None."""
    try:
        return inst.sup_call({"op": "ping"}, timeout=5).get("waiting")
    except (OSError, ValueError):
        return None


def runs_of(inst, aid):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(inst.state_dir, "appforge.db"), uri=True,
                         timeout=10)
    rows = db.execute("SELECT id, state, reason FROM runs WHERE app_id = ? ORDER BY id", (aid,)).fetchall()
    db.close()
    return rows


def concurrently(fns):
    results = [None] * len(fns)

    def call(i):
        results[i] = fns[i]()
    ths = [threading.Thread(target=call, args=(i,)) for i in range(len(fns))]
    for th in ths:
        th.start()
    return ths, results


def main(t, inst):
    api = inst.client(inst.login("alice"))
    admin = inst.client(inst.login("admin"))

    # ?wait=0: 202 starting at once, then GET shows it running
    a = lc.create(t, api, {"files": {"server.js": OK_APP}, "name": "ok"}).get("id")
    img = os.path.join(inst.state_dir, "apps", a, "data", "data.img")
    t.ok(lc.wait_until(lambda: os.path.isfile(img), 30),
         "a new app's data image is prepared after its creation, before any run", img)
    r = api.post("/api/apps/%s/run?wait=0" % a)
    run = (r.json() or {}).get("run") or {}
    t.ok(r.status == 202 and run.get("state") == "starting" and
         (r.header("location") or "").endswith("/api/apps/%s" % a),
         "run?wait=0: 202, run.state starting, Location of the app", r)
    run = lc.poll_run(api, a)
    t.ok(run.get("state") == "running" and run.get("port"), "polling: starting -> running", run)
    r = api.post("/api/apps/%s/run?wait=0" % a)
    t.ok(r.status == 200 and r.json()["run"]["state"] == "running", "run of a running app: 200 at once", r)
    for bad in ("2", "yes", ""):
        r = api.post("/api/apps/%s/run?wait=%s" % (a, bad))
        t.ok(r.status == 400 and r.error_code() == "invalid_request", "run?wait=%s: 400" % bad, r)
    t.eq(api.post("/api/apps/%s/stop" % a).status, 200, "stop it")

    # single flight: two concurrent runs share one start
    s = lc.create(t, api, {"files": {"server.js": OK_APP}, "name": "shared"}).get("id")
    clients = [inst.client(inst.login("alice")) for _ in range(2)]
    ths, res = concurrently([lambda c=c: c.post("/api/apps/%s/run" % s) for c in clients])
    for th in ths:
        th.join()
    t.ok(all(x is not None and x.status in (200, 202) for x in res),
         "two concurrent runs: both answer 200 or 202", [x.status if x else None for x in res])
    run = lc.poll_run(api, s)
    t.ok(run.get("state") == "running", "the app runs", run)
    boxes = [x for x in admin.get("/api/admin/sandboxes").json()["sandboxes"] if x["app_id"] == s]
    t.ok(len(boxes) == 1 and len(runs_of(inst, s)) == 1,
         "one sandbox and one run row for the two runs", (boxes, runs_of(inst, s)))
    t.eq(api.post("/api/apps/%s/stop" % s).status, 200, "stop it")
    for c in clients:
        c.close()

    # four apps that never listen, started at once with 2 workers
    hang = [lc.create(t, api, {"files": {"server.js": HANG}, "name": "hang%d" % i}).get("id")
            for i in range(4)]
    clients = [lc.harness.Client(inst, token=inst.login("alice"), timeout=120) for _ in hang]
    seen, done = [], threading.Event()

    def sample():  # the supervisor's own count of waiting requests, every 20 ms
        while not done.is_set():
            seen.append(sup_waiting(inst))
            done.wait(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    ths, res = concurrently([lambda c=c, h=h: c.post("/api/apps/%s/run" % h) for c, h in zip(clients, hang)])
    t.ok(lc.wait_until(lambda: sum(1 for h in hang if runs_of(inst, h)) == 4, 60),
         "the four starts are under way", [runs_of(inst, h) for h in hang])
    me = lc.harness.Client(inst, token=inst.login("alice"), timeout=120).get("/api/me")
    t.ok(me.status == 200 and (me.json() or {}).get("username") == "alice",
         "GET /api/me answers while four never-listening apps start", me)
    for th in ths:
        th.join()
    done.set()
    sampler.join()
    statuses = sorted(x.status if x else 0 for x in res)
    counts = [n for n in seen if n is not None]
    # One wait slot with 2 workers: a request waits only while no other does (a request a
    # slow worker reaches after the first wait ended may wait in its turn), so the
    # supervisor never counts two waiting, and at least one request got 202 at once.
    t.ok(counts and max(counts) == 1 and statuses.count(202) >= 1 and
         all(x in (202, 504) for x in statuses),
         "one run request waits at a time (504 after the start timeout), the others answer "
         "202 starting", (statuses, "waiting samples", len(counts), "max", max(counts or [0])))
    waited = [x for x in res if x is not None and x.status == 504]
    if waited:
        err = (waited[0].json() or {}).get("error") or {}
        t.ok(err.get("code") == "start_timeout" and "hang-marker" in err.get("log", ""),
             "the waiting request: 504 start_timeout with the app's log", err)
    ends = [lc.poll_run(api, h) for h in hang]
    t.ok(all(e.get("state") == "exited" and e.get("reason") == "start_timeout" for e in ends),
         "polling shows each start ended: exited, reason start_timeout", ends)
    t.ok(lc.wait_until(lambda: not [x for x in admin.get("/api/admin/sandboxes").json()["sandboxes"]
                                    if x["app_id"] in hang], 30), "no sandbox of them is left")
    for c in clients:
        c.close()

    # a start stopped by another request: the waiting run answers 409 conflict
    h = lc.create(t, api, {"files": {"server.js": HANG}, "name": "stopped-early"}).get("id")
    waiter = lc.harness.Client(inst, token=inst.login("alice"), timeout=120)
    ths, res = concurrently([lambda: waiter.post("/api/apps/%s/run" % h)])
    t.ok(lc.wait_until(lambda: ((api.get("/api/apps/%s" % h).json() or {}).get("run") or {}).get("state")
                       == "starting", 30), "the never-listening app is starting")
    t.eq(api.post("/api/apps/%s/stop" % h).status, 200, "another request stops it during its start")
    ths[0].join()
    r = res[0]
    t.ok(r is not None and r.status == 409 and r.error_code() == "conflict",
         "the run that waited: 409 conflict (stopped during its start)", r)
    run = (api.get("/api/apps/%s" % h).json() or {}).get("run") or {}
    t.ok(run.get("state") == "stopped" and run.get("reason") == "stopped", "its run: stopped", run)
    waiter.close()

    # listening is running; the platform's first request unanswered ends it all the same
    m = lc.create(t, api, {"files": {"server.js": MUTE}, "name": "mute"}).get("id")
    r = api.post("/api/apps/%s/run" % m)
    t.ok(r.status == 200 and ((r.json() or {}).get("run") or {}).get("state") == "running",
         "an app that listens but never answers: 200 running", r)
    run = lc.poll_run(api, m, leave=("starting", "running"))
    t.ok(run.get("state") == "exited" and run.get("reason") == "start_timeout",
         "then, its first request unanswered within the start timeout: exited, start_timeout", run)
    r = api.get("/api/apps/%s/logs" % m)
    t.ok(r.status == 200 and b"mute-marker" in r.body, "its log is kept", r)

    # a crash at start, seen by polling
    c = lc.create(t, api, {"files": {"server.js": CRASH}, "name": "crasher"}).get("id")
    r = api.post("/api/apps/%s/run?wait=0" % c)
    t.ok(r.status == 202 or (r.status == 502 and r.error_code() == "app_crashed"),
         "run?wait=0 of a crashing app: 202 (or 502 when it died already)", r)
    run = lc.poll_run(api, c)
    t.ok(run.get("state") == "exited" and run.get("reason") == "crashed" and run.get("exit_code") == 4,
         "polling: exited, reason crashed, exit code 4", run)
    r = api.get("/api/apps/%s/logs" % c)
    t.ok(r.status == 200 and b"crash-marker" in r.body, "its log has the crash", r)


sys.exit(lc.run_file(main, "lc-run", 32700, conf={
    "quota_running": 10, "sandbox_start_timeout_ms": 4000}))

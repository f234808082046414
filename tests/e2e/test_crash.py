#!/usr/bin/env python3
"""test_crash.py: FastCGI workers SIGKILLed during a stream of writes through nginx lose
no acknowledged write and leave a sound database (ports 18500-18599)."""
import http.client
import os
import signal
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

WRITERS = 4          # concurrent clients, so that the workers are busy when killed
WRITES = 150         # per writer
KILLS = 8


def workers(inst):
    return inst.fastcgi_workers()


def main(t, inst):
    tok = inst.login("alice")
    acked, failures, errors = [], [], []
    lock = threading.Lock()

    def writer(w):
        c = inst.client(token=tok)
        try:
            for i in range(WRITES):
                try:
                    r = c.post("/api/tokens", {"name": "crash-%d-%d" % (w, i)})
                except (OSError, http.client.HTTPException) as e:  # died with the worker
                    with lock:
                        errors.append("%d/%d: %r" % (w, i, e))
                    c.close()
                    continue
                with lock:
                    if r.status == 201 and (r.json() or {}).get("id"):
                        acked.append(r.json()["id"])
                    else:
                        failures.append(r)
        finally:
            c.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for th in threads:
        th.start()
    total = WRITERS * WRITES
    killed = []
    for k in range(KILLS):
        # Kill at spread-out points of the stream, each time a worker that is alive now.
        target = (k + 1) * total // (KILLS + 2)
        while len(acked) + len(failures) + len(errors) < target and any(th.is_alive() for th in threads):
            time.sleep(0.002)
        ws = workers(inst)
        if ws and any(th.is_alive() for th in threads):
            pid = ws[k % len(ws)]
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
    for th in threads:
        th.join(timeout=300)
    alive = [x for x in threads if x.is_alive()]
    t.ok(not alive, "the write streams finished")
    t.ok(len(killed) >= KILLS // 2, "workers were SIGKILLed mid-stream (%d)" % len(killed), repr(killed))
    t.ok(len(acked) >= total // 2, "most writes were acknowledged (%d of %d; %d refused, %d broken)" %
         (len(acked), total, len(failures), len(errors)))
    bad = [r for r in failures if not (r.status in (502, 503, 504) and r.error_code())]
    t.ok(not bad, "every refused write got a JSON 5xx error from nginx", repr(bad[:5]))
    t.diag("writes: %d acknowledged, %d refused, %d connection errors" %
           (len(acked), len(failures), len(errors)))

    rows = set(x[0] for x in inst.sql("SELECT id FROM api_tokens"))
    lost = [i for i in acked if i not in rows]
    t.ok(not lost, "every acknowledged write is in the database", repr(lost[:10]))
    t.eq(len(set(acked)), len(acked), "no id was acknowledged twice")
    t.eq(inst.sql("PRAGMA integrity_check"), [("ok",)], "PRAGMA integrity_check: ok")

    # The pool heals: new workers answer, and the killed ones are gone.
    deadline = time.monotonic() + 20
    ws = []
    while time.monotonic() < deadline:
        ws = workers(inst)
        if len(ws) >= int(inst.values["workers"]) and not set(ws) & set(killed):
            break
        time.sleep(0.1)
    t.ok(len(ws) >= int(inst.values["workers"]) and not set(ws) & set(killed),
         "the master replaced the killed workers", repr((ws, killed)))
    c = inst.client(token=tok)
    r = c.get("/api/tokens")
    names = set(x.get("name") for x in (r.json() or {}).get("tokens", []))
    t.ok(r.status == 200 and len([n for n in names if n and n.startswith("crash-")]) >= len(acked),
         "the API lists at least every acknowledged token", repr(r))
    c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "crash", 18500, conf={"workers": 2}))

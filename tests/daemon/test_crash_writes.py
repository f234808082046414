"""test_crash_writes.py: no acknowledged write is lost when a worker dies. Several
clients create apps as fast as they can while workers are SIGKILLed one after another;
afterwards every app that got a 201 exists, the database passes integrity_check, and
each stored app has its audit event (written in the same transaction)."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import Daemon, Tap, app_files, sqlite_integrity, sqlite_query  # noqa: E402

CLIENTS = 4
MAX_PER_CLIENT = 2000
KILLS = 6


def main():
    t = Tap()
    # Crash safety, not scanning, is tested here: thousands of scans would only slow it.
    d = Daemon(workers=3, extra_conf="quota_apps = 10000\nscan_policy = off\n")
    try:
        d.init(users=("alice",)).start()
        tok = d.login("alice")
        acked, errors, other = [], [], []
        lock = threading.Lock()
        stop = threading.Event()
        sent = [0] * CLIENTS

        def client(n):
            for i in range(MAX_PER_CLIENT):
                if stop.is_set():
                    break
                sent[n] += 1
                try:
                    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "c%d-%d" % (n, i)}, token=tok)
                except OSError as e:  # the worker died under us: not acknowledged
                    with lock:
                        errors.append(str(e))
                    continue
                with lock:
                    if r.status == 201:
                        acked.append(r.json()["id"])
                    else:
                        other.append((r.status, r.body[:200]))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for th in threads:
            th.start()
        # The clients stream until the killer is done: each kill hits a full pool while
        # requests are flowing, and the pool is whole again before the next one.
        killed = []
        t0 = time.time()
        for k in range(KILLS):
            time.sleep(0.2)
            w = d.wait_workers(3, exclude=killed)
            if w:
                os.kill(w[k % len(w)], signal.SIGKILL)
                killed.append(w[k % len(w)])
        time.sleep(0.2)
        stop.set()
        for th in threads:
            th.join(120)
        t.diag("stream took %.2fs" % (time.time() - t0))
        t.diag("acknowledged %d, connection errors %d, other answers %d, killed %d workers"
               % (len(acked), len(errors), len(other), len(killed)))
        t.ok(len(killed) == KILLS and all(th.is_alive() is False for th in threads),
             "killed %d workers while the stream ran" % len(killed))
        t.ok(not other, "every answered request was a 201 (%r)" % other[:3])
        # A SIGKILL can cut at most the one request its worker was serving.
        t.ok(len(acked) + len(errors) == sum(sent) and len(errors) <= KILLS,
             "every request was acknowledged except at most one per kill (%d cut)" % len(errors))
        listed = set()
        cursor = None
        while True:
            uri = "/api/apps?limit=100" + ("&cursor=" + cursor if cursor else "")
            page = d.req("GET", uri, token=tok).json()
            listed.update(a["id"] for a in page["apps"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        missing = [a for a in acked if a not in listed]
        t.ok(not missing, "every acknowledged app exists (%d missing)" % len(missing))
        rc = d.stop()
        t.ok(rc == 0, "clean stop")
        db = d.db_path
        t.ok(sqlite_integrity(db) == "ok", "PRAGMA integrity_check is ok")
        audited = {r[0] for r in sqlite_query(db, "SELECT target FROM audit WHERE action = 'app.create'")}
        t.ok(listed == audited, "each stored app has exactly its audit event (%d apps, %d events)"
             % (len(listed), len(audited)))
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        d.stop()
        d.cleanup(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

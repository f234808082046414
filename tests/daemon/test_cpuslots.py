"""test_cpuslots.py: expensive work has a bounded share of the workers (cpuslots.h).

With 4 workers, logins (argon2id) and scans get 2 slots each, as record locks in
state_dir/cpu-slots.lock. The test holds those locks itself, as two busy workers
would: a login is then answered 429 rate_limited with Retry-After: 1 at once (no
hash), cheap requests are still served, and as soon as one slot is free logins work
again. The same for the scan of a new app, after a wait of at most 2 s for a slot."""
import fcntl
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import Daemon, Tap, app_files  # noqa: E402

LOGIN, SCAN, PER_CLASS = 0, 1, 64


def hold(f, cls, i):
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, cls * PER_CLASS + i, os.SEEK_SET)


def free(f, cls, i):
    fcntl.lockf(f, fcntl.LOCK_UN, 1, cls * PER_CLASS + i, os.SEEK_SET)


def is_busy(r):
    try:
        code = r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    return r.status == 429 and code == "rate_limited" and r.header("Retry-After") == "1"


def main():
    t = Tap()
    d = Daemon(workers=4)
    try:
        d.init(users=("alice",)).start()
        tok = d.login("alice")
        path = os.path.join(d.state, "cpu-slots.lock")
        t.ok(os.path.exists(path) and (os.stat(path).st_mode & 0o777) == 0o600,
             "the workers made the slot file, mode 0600")
        creds = {"username": "alice", "password": "alice-password-1"}
        with open(path, "r+b") as f:
            hold(f, LOGIN, 0)
            hold(f, LOGIN, 1)
            r = d.req("POST", "/api/auth/login", creds)
            wrong = d.req("POST", "/api/auth/login", {"username": "nobody", "password": "x" * 12})
            t.ok(is_busy(r) and is_busy(wrong),
                 "both login slots busy: 429 rate_limited, Retry-After: 1 (%r %r)" % (r, wrong))
            t.ok(d.req("GET", "/api/me", token=tok).status == 200, "cheap requests are still served")
            free(f, LOGIN, 1)
            r = d.req("POST", "/api/auth/login", creds)
            t.ok(r.status == 200 and "token" in r.json(), "one slot free again: login works (%r)" % r)

            hold(f, SCAN, 0)
            hold(f, SCAN, 1)
            t0 = time.monotonic()
            r = d.req("POST", "/api/apps", {"files": app_files(), "name": "busy"}, token=tok)
            waited = time.monotonic() - t0
            t.ok(is_busy(r) and waited >= 1.9,
                 "both scan slots busy: creating an app waits 2 s, then 429 (%r, %.1f s)" % (r, waited))
            n = d.req("GET", "/api/apps", token=tok).json()["apps"]
            t.ok(n == [], "... and nothing was stored (%r)" % n)
            free(f, SCAN, 0)
            r = d.req("POST", "/api/apps", {"files": app_files(), "name": "free"}, token=tok)
            t.ok(r.status == 201, "a scan slot free again: the app is created (%r)" % r)
    except Exception as e:  # noqa: BLE001
        t.ok(False, "harness: %s" % e, d.log())
    finally:
        d.cleanup(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

"""test_instance.py: one appforged per socket. A second instance is refused while the
first runs (by the lock and by a live socket), the socket is 0660, a pid file is
written, and after a crash (SIGKILL of the whole group) a new instance starts over the
stale socket."""
import os
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import APPFORGED, Daemon, Tap  # noqa: E402


def main():
    t = Tap()
    d = Daemon(workers=2)
    try:
        d.init(users=("alice",)).start()
        st = os.stat(d.sock)
        t.ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
             "socket mode 0660 (got %o)" % stat.S_IMODE(st.st_mode))
        pidfile = os.path.join(d.state, "appforged.pid")
        t.ok(os.path.exists(pidfile) and int(open(pidfile).read()) == d.proc.pid, "pid file names the master")

        second = d.spawn()
        try:
            rc = second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
            rc = None
        t.ok(rc == 1, "second instance exits 1 while the first runs (got %r)" % rc)
        t.ok("another appforged is running" in d.log(), "it says why", d.log())
        t.ok(d.req("GET", "/api/health").status == 200, "first instance still serves the socket")

        # An instance that does not hold our lock but serves the socket (an older
        # version, another lock path) must not be stolen from either.
        lock = d.sock + ".lock"
        os.rename(lock, lock + ".moved")
        third = d.spawn()
        try:
            rc = third.wait(15)
        except subprocess.TimeoutExpired:
            third.kill()
            rc = None
        os.rename(lock + ".moved", lock)
        t.ok(rc == 1, "instance refused by a live socket even without the lock (got %r)" % rc)
        t.ok("another process is serving" in d.log(), "it says why", d.log())
        t.ok(d.req("GET", "/api/health").status == 200, "first instance still serves after that")

        # Crash: the whole group dies, the socket file stays behind.
        os.killpg(d.proc.pid, signal.SIGKILL)
        d.proc.wait()
        time.sleep(0.2)
        t.ok(os.path.exists(d.sock), "stale socket file left by the crash")
        d.start()
        t.ok(d.req("GET", "/api/health").status == 200, "new instance starts over a stale socket")
        rc = d.stop()
        t.ok(rc == 0, "clean stop exits 0")
        t.ok(not os.path.exists(d.sock) and not os.path.exists(pidfile), "socket and pid file removed on stop")

        p = subprocess.run([APPFORGED, "--config", d.conf, "--bogus"], capture_output=True, timeout=10)
        t.ok(p.returncode == 2, "unknown option: exit 2")
        p = subprocess.run([APPFORGED, "--config", d.conf, "--print-config"],
                           capture_output=True, text=True, timeout=10)
        t.ok(p.returncode == 0 and ("state_dir = " + d.state) in p.stdout, "--print-config prints the state dir")
        p = subprocess.run([APPFORGED, "--config", "/nonexistent/x.conf"],
                           capture_output=True, text=True, timeout=10)
        t.ok(p.returncode == 1 and p.stderr, "missing config file: exit 1 with a message")
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        d.stop()
        d.cleanup(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

"""test_activation.py: systemd socket activation. The test binds and listens on the
unix socket itself, then starts appforged with it as fd 3, LISTEN_FDS=1 and
LISTEN_PID set to appforged's own pid (set in the child between fork and exec, like
systemd does); the daemon must serve on that socket and must not remove it on stop."""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import APPFORGED, Daemon, Tap  # noqa: E402


# Like systemd: fd 3 is the socket, LISTEN_PID is the pid of the process that execs
# appforged (the wrapper execs in place, so it keeps its pid).
WRAPPER = ("import os, sys; os.dup2(int(sys.argv[1]), 3); "
           "os.environ['LISTEN_PID'] = str(os.getpid()); os.environ['LISTEN_FDS'] = '1'; "
           "os.execv(sys.argv[2], sys.argv[2:])")


def activated(fd, d):
    return [sys.executable, "-c", WRAPPER, str(fd), APPFORGED, "--config", d.conf, "--foreground"]


def main():
    t = Tap()
    d = Daemon(workers=2)
    try:
        d.init(users=("alice",))
        os.makedirs(os.path.dirname(d.sock), exist_ok=True)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(d.sock)
        ls.listen(64)
        fd = ls.fileno()

        d.start_supervisor()
        log = open(d.log_path, "ab")
        d.proc = subprocess.Popen(activated(fd, d), stdout=log, stderr=log, pass_fds=(fd,),
                                  start_new_session=True)
        d.wait_ready()
        t.ok(True, "appforged serves on the passed socket")
        t.ok("socket-activated" in d.log(), "it says it was socket-activated", d.log())
        t.ok(d.req("POST", "/api/auth/login", {"username": "alice", "password": "alice-password-1"}).status == 200,
             "login through the activated socket")
        # a second activated instance is refused by the lock
        p = subprocess.Popen(activated(fd, d), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             pass_fds=(fd,))
        _, err = p.communicate(timeout=15)
        t.ok(p.returncode == 1 and b"another appforged" in err, "second activated instance refused")
        rc = d.stop()
        t.ok(rc == 0, "stop exits 0")
        t.ok(os.path.exists(d.sock), "the activated socket is not unlinked (systemd owns it)")
        # LISTEN_PID for another process: ignored, the daemon binds its own socket.
        ls.close()
        os.unlink(d.sock)
        env = dict(os.environ, LISTEN_PID="1", LISTEN_FDS="1")
        d.start(env=env)
        t.ok(d.req("GET", "/api/health").status == 200, "LISTEN_PID of another process is ignored")
        d.stop()
        # a bogus fd 3 (not a listening socket) is refused with a message
        r, w = os.pipe()
        p = subprocess.Popen(activated(r, d), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             pass_fds=(r,))
        _, err = p.communicate(timeout=15)
        os.close(r)
        os.close(w)
        t.ok(p.returncode == 1 and b"not a listening socket" in err, "fd 3 that is not a socket: exit 1")
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        d.stop()
        d.cleanup(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

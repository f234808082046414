#!/usr/bin/env python3
"""stack.py: runs the real appforge stack (appforged + nginx, ops's tests/e2e/harness.py)
for the browser tests, in the port range 32000-32499: https on BASE, http on BASE+1,
apps on BASE+10..BASE+99, with BASE the first of 32000, 32100, ... 32400 whose ports are
free (other worktrees of this machine may be running the same test at the same time).

Prints one line "READY {json}" with the base URL and the admin's credentials once the
stack answers /api/health (or "SKIP reason" when the host lacks a part), then runs
until its standard input closes or it gets SIGTERM, and always stops everything and
removes its temporary state directory."""
import json
import os
import signal
import socket
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import harness  # noqa: E402

BASES = (32000, 32100, 32200, 32300, 32400)


def ports_free(base):
    """Whether the listener ports of a base are free right now (nginx may still lose a
    race for them: start() failing with EADDRINUSE moves on to the next base too)."""
    for port in (base, base + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def start_instance():
    last = None
    for base in BASES:
        if not ports_free(base):
            last = "ports %d-%d are in use" % (base, base + 1)
            continue
        inst = harness.Instance("web", base)
        try:
            inst.start()
            return inst
        except RuntimeError as e:
            inst.cleanup()
            if "Address already in use" not in str(e):
                raise
            last = str(e).splitlines()[0]
    raise RuntimeError("no free base port in %s (last: %s)" % (BASES, last))


def main():
    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    inst = None
    try:
        inst = start_instance()
        print("READY " + json.dumps({
            "base": "https://%s:%d" % (inst.public_host, inst.https_port),
            "admin": "admin",
            "password": inst.passwords["admin"],
            "apps_domain": inst.apps_domain,
        }), flush=True)
        # The browser test closes our stdin when it is done.
        sys.stdin.read()
        return 0
    except harness.SkipAll as e:
        print("SKIP %s" % e, flush=True)
        return 0
    except BaseException as e:  # reported, never a silent pass
        if isinstance(e, SystemExit) and inst is not None:
            return 0
        print("stack failed: %s" % "".join(traceback.format_exception(e)), flush=True)
        if inst is not None:
            print(inst.log_tail("appforged"), flush=True)
            print(inst.log_tail("nginx"), flush=True)
        return 1
    finally:
        if inst is not None:
            inst.cleanup()


if __name__ == "__main__":
    sys.exit(main())

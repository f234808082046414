#!/usr/bin/env python3
"""stack.py: runs the real appforge stack (appforged + nginx, ops's tests/e2e/harness.py)
for the browser tests, in the port range 32000-32499. The harness takes a free slot of
ten ports (held with a lock) in a 100-port range; if nginx still loses a race for its
ports, the next range is tried (other build trees may run this test at the same time).

Prints one line "READY {json}" with the base URL and the admin's credentials once the
stack answers /api/health (or "SKIP reason" when the host lacks a part), then runs
until its standard input closes or it gets SIGTERM, and always stops everything and
removes its temporary state directory."""
import json
import os
import signal
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import harness  # noqa: E402

BASES = (32000, 32100, 32200, 32300, 32400)


def start_instance():
    last = None
    for base in BASES:
        try:
            inst = harness.Instance("web", base)
        except RuntimeError as e:
            if "no free ports" not in str(e):
                raise
            last = str(e)
            continue
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

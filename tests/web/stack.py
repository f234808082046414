#!/usr/bin/env python3
"""stack.py: runs the real appforge stack (appforged + nginx, ops's tests/e2e/harness.py)
for the browser tests, on ports 32000-32099 (https 32000, http 32001, apps 32010..).

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

BASE_PORT = 32000


def main():
    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    inst = None
    try:
        inst = harness.Instance("web", BASE_PORT)
        inst.start()
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

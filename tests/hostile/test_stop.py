"""test_stop.py: processes that try to survive a stop (ports 29750-29799).

apps/survivor/server.js double-forks, calls setsid, ignores SIGTERM, stops itself,
spins and keeps forking, each in its own scenario. After SIGTERM (or SIGINT) to the tool
the driver asserts the exit event says "stopped", the tool exits 0, no process of the
sandbox (by host pid, by uid, in its cgroup) remains, the cgroups are gone and the port
is closed. Last, the tool itself is SIGKILLed (the supervisor dying): the app must die
with it.
"""
import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29750, 29799)
PORT_51 = P()
PORT_52 = P()
PORT_53 = P()
PORT_54 = P()
PORT_55 = P()

SCENARIOS = [
    ("doublefork", ["doublefork"], signal.SIGTERM, PORT_51),
    ("ignoreterm", ["ignoreterm"], signal.SIGTERM, PORT_52),
    ("stopself", ["stopself"], signal.SIGINT, PORT_53),
    ("everything", ["doublefork", "ignoreterm", "stopself", "spin", "forkloop"], signal.SIGTERM, PORT_54),
]


def start(name, modes, port):
    d = H.tmpdir("stop-" + name)
    code = H.copy_app("survivor", os.path.join(d, "code"))
    with open(os.path.join(code, "mode.json"), "w") as f:
        json.dump(modes, f)
    b = H.Box("hostile-stop-" + name, None, port, workdir=d, code_dir=code,
              limits={"pids": 64, "memory-mb": 128, "grace-ms": 500, "wall-seconds": 120})
    b.wait_started()
    body = b.wait_http()
    T.ok(body is not None, "%s: the app serves" % name, b.describe())
    time.sleep(0.5)       # let the double forks settle
    # on a loaded machine the children may take longer to appear: wait for them
    end = time.time() + 30
    while len(H.cgroup_procs(b.cgroups)) < 3 and time.time() < end:
        time.sleep(0.05)
    b.sample()
    n = len(H.cgroup_procs(b.cgroups))
    return b, n


for name, modes, sig, port in SCENARIOS:
    b, n = start(name, modes, port)
    T.ok(n >= 3, "%s: its processes are in its cgroup before the stop (%d)" % (name, n),
         b.describe())
    ev = b.stop(sig, timeout=30)
    T.ok(ev is not None and ev.get("reason") == "stopped",
         "%s: %s gives reason stopped" % (name, signal.Signals(sig).name), b.describe())
    T.ok(b.proc.returncode == 0, "%s: the tool exits 0 (%s)" % (name, b.proc.returncode))
    H.check_nothing_left(b, name)

# The tool dies without a chance to clean up: the app must not outlive it.
b, n = start("toolkilled", ["doublefork", "ignoreterm", "stopself"], PORT_55)
T.ok(n >= 3, "toolkilled: processes running before the kill (%d)" % n)
b.proc.send_signal(signal.SIGKILL)
b.proc.wait()
left = b.leftovers(wait=10.0)
T.ok(not left["pids"] and not left["uid_pids"] and not left["cgroup_pids"],
     "toolkilled: no process of the sandbox survives the tool's SIGKILL", json.dumps(left))
T.ok(not H.port_open(PORT_55), "toolkilled: the port is closed")
if left["cgroups"]:
    T.diag("toolkilled: cgroups left behind: %s" % left["cgroups"])
H.force_remove_cgroups(b.cgroups)
T.exit()

"""test_cli.py: hostile input to the sandbox tool and the plumbing of its limits
(ports 29850-29899).

Privileged uids, app ids that walk paths, a port the host already uses and a missing code
dir must be refused (exit 1 or 2) and leave nothing behind. Starting a second sandbox with
the id of a running one must not disturb the running one. A flooding app must not grow
its log beyond the cap, orphaned grandchildren must be reaped by the sandbox's init, and
the memory/pids/cpu limits must be in the cgroup as asked.
"""
import glob
import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29850, 29879)
PORT_51 = P()
PORT_52 = P()
PORT_53 = P()
PORT_54 = P()
PORT_55 = P()
PORT_56 = P()
PORT_57 = P()
PORT_58 = P()
PORT_59 = P()
PORT_60 = P()
tmp = H.tmpdir("cli")
code = H.copy_app("misc", os.path.join(tmp, "code"))


def attempt(app_id, port, extra=(), code_dir=code):
    data = os.path.join(tmp, "data-%d-%d" % (port, len(extra)))
    os.makedirs(data, exist_ok=True)
    cmd = [H.SANDBOX, "run", "--app-id", app_id, "--code", code_dir, "--data", data,
           "--port", str(port), "--log", os.path.join(tmp, "log-%d" % port)] + list(extra)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=20)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        p.terminate()       # it started: stop it properly (a SIGKILL would orphan the app)
        out, err = p.communicate()
        return None, out.decode(errors="replace"), "it started and ran: " + err.decode(errors="replace")


def refused(rc, out):
    """Exit 1 (setup failure) or 2 (usage error), and nothing started."""
    return rc in (1, 2) and '"started"' not in out


def cgroup_named(name):
    hits = glob.glob("/sys/fs/cgroup/*/appforge/" + name) + \
        glob.glob("/sys/fs/cgroup/*/*/*/appforge/" + name) + \
        glob.glob("/sys/fs/cgroup/unified/**/appforge/" + name, recursive=True)
    return [h for h in hits if os.path.isdir(h)]


for uid in ("0", "999", "-1", "4294967295"):
    rc, out, err = attempt("hostile-cli-uid", PORT_51, ["--uid", uid])
    T.ok(refused(rc, out), "--uid %s is refused (rc %s)" % (uid, rc),
         err[-300:])
T.ok(not cgroup_named("hostile-cli-uid"), "refused uids left no cgroup")

for bad in ("../escape", "a/b", "", "x" * 64, "a b", ".", "..", "a\nb", "\u00e9t\u00e9", "*"):
    rc, out, err = attempt(bad, PORT_52)
    T.ok(refused(rc, out), "app id %r is refused (rc %s)" % (bad, rc),
         err[-300:])
T.ok(not glob.glob("/sys/fs/cgroup/*/escape") and not glob.glob("/sys/fs/cgroup/*/appforge/a"),
     "no cgroup was made from a bad app id")

busy = socket.socket()
busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
busy.bind(("127.0.0.1", PORT_53))
busy.listen(1)
rc, out, err = attempt("hostile-cli-busy", PORT_53)
T.ok(refused(rc, out), "a port the host already uses is refused (rc %s)" % rc,
     err[-300:])
T.ok(not cgroup_named("hostile-cli-busy"), "the refused start left no cgroup")
busy.close()

rc, out, err = attempt("hostile-cli-nocode", PORT_54, code_dir=os.path.join(tmp, "missing"))
T.ok(refused(rc, out), "a missing code dir is refused (rc %s)" % rc, err[-300:])
T.ok(not cgroup_named("hostile-cli-nocode"), "the refused start left no cgroup")

# The limits the host applies to the cgroup are the ones asked for.
os.makedirs(os.path.join(tmp, "limits"))
b = H.Box("hostile-cli-limits", None, PORT_55, workdir=os.path.join(tmp, "limits"), code_dir=code,
          limits={"memory-mb": 96, "pids": 24, "cpu-percent": 25})
b.wait_started()
T.ok(b.wait_http() is not None, "an idle app runs (control)", b.describe())


def cg_read(ctrl_file, box=None):
    for d in (box or b).cgroups:
        p = os.path.join(d, ctrl_file)
        if os.path.exists(p):
            with open(p) as f:
                return f.read().strip()
    return None


mem = cg_read("memory.limit_in_bytes") or cg_read("memory.max")
T.ok(mem is not None and int(mem) == 96 * 1024 * 1024, "memory limit in the cgroup is 96 MiB (%s)" % mem)
pids = cg_read("pids.max")
T.ok(pids == "24", "pids.max in the cgroup is 24 (%s)" % pids)


def cpu_quota(box=None):
    """(quota as a fraction of a CPU, or None when unlimited, or "?" when unreadable;
    the raw text)."""
    quota, period = cg_read("cpu.cfs_quota_us", box), cg_read("cpu.cfs_period_us", box)
    if quota is None:
        cpumax = cg_read("cpu.max", box)
        quota, period = (cpumax or "? ?").split()[:2]
    raw = "%s/%s" % (quota, period)
    if quota in ("-1", "max"):
        return None, raw
    try:
        return int(quota) / int(period), raw
    except (TypeError, ValueError):
        return "?", raw


frac, raw = cpu_quota()
T.ok(isinstance(frac, float) and abs(frac - 0.25) < 0.01, "cpu quota is 25%% of a CPU (%s)" % raw)

# Same app id started again (another data dir): the running sandbox must not be touched.
d2 = os.path.join(tmp, "dup")
os.makedirs(d2)
dup = H.Box("hostile-cli-limits", None, PORT_56, workdir=d2, code_dir=code)
dup.wait_event("started", 10)
time.sleep(1)
st, _ = H.http_get(PORT_55, "/")
T.ok(st == 200 and b.proc.poll() is None and not any(
    e.get("event") == "exited" for e in b.events),
    "starting a second sandbox with a running app's id does not kill the running one",
    "second: %s\nfirst: %s" % (dup.describe(), b.describe()))
dup.stop()
b.stop()
H.force_remove_cgroups(b.cgroups + dup.cgroups)
H.check_nothing_left(b, "limits app")

# CPU boost: node starts without a quota, which the cgroup gets once the boost is over.
os.makedirs(os.path.join(tmp, "boost"))
bb = H.Box("hostile-cli-boost", None, PORT_60, workdir=os.path.join(tmp, "boost"), code_dir=code,
           limits={"cpu-percent": 25, "cpu-boost-ms": 8000})
bb.wait_started()
frac, raw = cpu_quota(bb)
T.ok(frac is None, "boost: no CPU quota while the app starts (%s)" % raw, bb.describe())
end = time.monotonic() + 60
while time.monotonic() < end and cpu_quota(bb)[0] is None:
    time.sleep(0.2)
frac, raw = cpu_quota(bb)
T.ok(isinstance(frac, float) and abs(frac - 0.25) < 0.01,
     "boost: after it the quota is 25%% of a CPU (%s)" % raw, bb.describe())
T.ok(bb.proc.poll() is None, "boost: the app still runs", bb.describe())
bb.stop()
H.force_remove_cgroups(bb.cgroups)
H.check_nothing_left(bb, "boost app")

# Log flood: the log file stays within --log-bytes (one rotated copy allowed).
fl = H.exec_box("hostile-cli-flood", "misc", PORT_57, ["/usr/bin/node", "/app/attack.js", "flood", "16"],
                limits={"log-bytes": 65536}, timeout=60)
sizes = [os.path.getsize(p) for p in (fl.log, fl.log + ".1") if os.path.exists(p)]
T.ok(fl.exited is not None, "flood: the program ended", fl.describe())
T.ok(sizes and all(s <= 65536 + 4096 for s in sizes),
     "flood: 16 MiB of output leave the log within 64 KiB (sizes %s)" % sizes)
others = [f for f in os.listdir(os.path.dirname(fl.log)) if f.startswith("app.log.") and f != "app.log.1"]
T.ok(not others, "flood: no further rotated logs pile up", others)
H.check_nothing_left(fl, "flood")

# Forged events: what the app prints never enters the tool's JSON event stream.
fk = H.exec_box("hostile-cli-fake", "misc", PORT_59, ["/usr/bin/node", "/app/attack.js", "fake"], timeout=60)
kinds = [e.get("event") for e in fk.events]
T.ok(kinds == ["started", "exited"] and len(fk.stdout_raw) == 2,
     "fake: the tool's stdout holds only its own two events (%s)" % kinds, fk.describe())
T.ok(fk.exited is not None and fk.exited.get("exit_code") == 7 and
     fk.exited.get("reason") in ("exited", "crashed"),
     "fake: the real exit code 7 is reported, not the forged 0 (%s)" % fk.exited)
T.ok(fk.started is not None and fk.started.get("pid") != 1 and "forged" not in str(fk.started),
     "fake: the started event is the tool's", fk.started)
H.check_nothing_left(fk, "fake")

# Orphans: the sandbox's init reaps them.
orp = H.exec_box("hostile-cli-orphans", "misc", PORT_58, ["/usr/bin/node", "/app/attack.js", "orphans", "20"],
                 timeout=60)
r = orp.results()
T.ok(r.get("done") is True and r.get("zombies") == [],
     "orphans: no zombie is left un-reaped inside (%s)" % r.get("zombies"), orp.describe())
H.check_nothing_left(orp, "orphans")
T.exit()

"""test_resources.py: resource exhaustion inside the sandbox (ports 29700-29749).

apps/bomb/attack.js, under `appforge-sandbox exec` with small limits, forks until refused,
runs a fork bomb (the host must stay responsive), allocates memory until killed
(reason "memory"), spins (reason "timeout" from --cpu-seconds) or sleeps (from
--wall-seconds), fills /data and /tmp (ENOSPC at the quota, host free space unchanged
beyond a margin), writes a huge single file (EFBIG) and opens files until EMFILE.
"""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29700, 29749)
PORT_1 = P()
PORT_2 = P()
PORT_3 = P()
PORT_4 = P()
PORT_5 = P()
PORT_6 = P()
PORT_7 = P()
PORT_8 = P()
PORT_9 = P()
PORT_10 = P()
MB = 1024 * 1024
NODE = "/usr/bin/node"


def run(tag, port, args, limits, timeout=90, argv=None):
    b = H.exec_box(tag, "bomb", port, argv or [NODE, "/app/attack.js"] + args, limits=limits,
                   timeout=timeout)
    T.ok(b.started is not None, "%s: sandbox started" % tag, b.describe())
    return b


def exited(b):
    return b.exited or {}


# Processes: spawning stops at the pids limit.
b = run("hostile-res-fork", PORT_1, ["fork"], {"pids": 32, "memory-mb": 128})
r = b.results()
T.ok(r.get("done") is True, "fork: the program reported", b.describe())
T.ok(isinstance(r.get("forked"), int) and r.get("alive", 0) < 32 and r.get("error") is not None,
     "fork: spawning is refused below the pids limit of 32 (alive %s, error %s)"
     % (r.get("alive"), r.get("error")))
T.ok(len(b.host_pids) >= 1, "fork: the host saw the sandbox's processes")
H.check_nothing_left(b, "fork")

# A fork bomb with a wall-clock limit; the host must keep running commands.
fb = H.Box("hostile-res-forkbomb", "bomb", PORT_2, mode="exec",
           # perl's fork returns undef when refused and every child keeps forking: a
           # bomb that does not give up at the pids limit (unlike a shell, which exits).
           argv=["/usr/bin/perl", "-e", "fork while 1"],
           limits={"pids": 32, "memory-mb": 128, "wall-seconds": 5, "cpu-percent": 50})
fb.wait_started()
peak = [0]


def watch():
    while fb.proc.poll() is None:
        peak[0] = max(peak[0], len(H.cgroup_procs(fb.cgroups)))
        time.sleep(0.05)


threading.Thread(target=watch, daemon=True).start()
time.sleep(1.5)
resp = [H.host_responsive(timeout=30) for _ in range(3)]
T.ok(all(resp), "fork bomb: host commands still complete while it runs", resp)
ev = fb.wait_exit(timeout=60)
T.ok(ev is not None and ev.get("reason") == "timeout", "fork bomb: ends with reason timeout", fb.describe())
T.ok(0 < peak[0] <= 32, "fork bomb: at most 32 processes at once in its cgroup (saw %d)" % peak[0])
H.check_nothing_left(fb, "fork bomb")

# Memory bomb: killed by the memory limit.
b = run("hostile-res-mem", PORT_3, ["mem", "1024"], {"memory-mb": 64, "pids": 32})
r = b.results()
ev = exited(b)
T.ok(ev.get("reason") == "memory", "memory bomb: ends with reason memory (%s)" % ev.get("reason"),
     b.describe())
T.ok(r.get("done") is not True and r.get("allocated_mb", 0) < 1024,
     "memory bomb: could not allocate 1 GiB (got to %s MiB)" % r.get("allocated_mb"))
mp = ev.get("memory_peak")
T.ok(isinstance(mp, int) and 0 < mp <= 64 * MB * 1.1,
     "memory bomb: memory_peak within the 64 MiB limit (%s)" % mp)
T.ok(ev.get("signal") in (9, "SIGKILL", "KILL") or ev.get("exit_code") not in (0, None),
     "memory bomb: the app was killed", ev)
H.check_nothing_left(b, "memory bomb")

# Busy loop: the CPU-time limit ends it.
b = run("hostile-res-cpu", PORT_4, ["cpu"], {"cpu-seconds": 2, "wall-seconds": 60})
ev = exited(b)
T.ok(ev.get("reason") == "timeout", "busy loop: --cpu-seconds 2 ends it with reason timeout",
     b.describe())
T.ok(isinstance(ev.get("cpu_usec"), int) and ev["cpu_usec"] > 0, "busy loop: cpu_usec reported",
     ev)
H.check_nothing_left(b, "busy loop")

# Idle forever: the wall-clock limit ends it.
b = run("hostile-res-wall", PORT_5, ["sleep"], {"wall-seconds": 2})
ev = exited(b)
T.ok(ev.get("reason") == "timeout", "sleeper: --wall-seconds 2 ends it with reason timeout",
     b.describe())
H.check_nothing_left(b, "sleeper")


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


# Disk fill in /data and /tmp: refused at the quota, the host disk barely moves.
for where, port, lim in (("/data", PORT_6, {"data-mb": 8, "tmp-mb": 64}),
                         ("/tmp", PORT_7, {"tmp-mb": 8, "data-mb": 8})):
    probe = H.tmpdir("res-free")
    before = free_bytes(probe)
    # 200 MiB asked, 8 MiB allowed: a missing quota would take 200 MiB of the host's disk,
    # far beyond the margin left for whatever else writes on this host meanwhile.
    b = run("hostile-res-fill" + where.replace("/", "-"), port, ["fill", where + "/fill", "200"],
            dict(lim, **{"memory-mb": 128, "fsize-mb": 256}))
    r = b.results()
    after = free_bytes(probe)
    T.ok(r.get("done") is True, "fill %s: the program reported" % where, b.describe())
    T.ok(r.get("error") in ("ENOSPC", "EDQUOT") and 0 < r.get("bytes", 0) <= 9 * MB,
         "fill %s: ENOSPC at the 8 MiB quota (wrote %s bytes, %s)" % (where, r.get("bytes"),
                                                                    r.get("error")))
    T.ok(before - after < 128 * MB, "fill %s: host free space did not drop beyond a margin "
         "(%d MiB)" % (where, (before - after) // MB))
    H.check_nothing_left(b, "fill " + where)

# A huge single file: RLIMIT_FSIZE refuses it (EFBIG, or SIGXFSZ).
b = run("hostile-res-bigfile", PORT_8, ["bigfile", "/data/big"],
        {"fsize-mb": 4, "data-mb": 32, "memory-mb": 128})
r = b.results()
ev = exited(b)
if r.get("done"):
    T.ok(r.get("error") == "EFBIG" and r.get("bytes", 0) <= 4 * MB,
         "huge file: EFBIG at the 4 MiB file size limit (wrote %s, %s)" % (r.get("bytes"), r.get("error")))
    T.ok(r.get("sparse") != "OK", "huge file: a sparse write at 4 GiB is refused (%s)" % r.get("sparse"))
else:
    T.ok(ev.get("signal") in (25, "SIGXFSZ", "XFSZ"), "huge file: killed by SIGXFSZ", b.describe())
H.check_nothing_left(b, "huge file")

# Descriptors: RLIMIT_NOFILE holds.
b = run("hostile-res-nofile", PORT_9, ["nofile"], {"nofile": 64})
r = b.results()
T.ok(r.get("done") is True and r.get("error") == "EMFILE" and r.get("opened", 10 ** 6) < 64,
     "nofile: EMFILE below 64 descriptors (opened %s)" % r.get("opened"), b.describe())
H.check_nothing_left(b, "nofile")

# Inodes in /tmp: a tmpfs without an inode cap would let an app eat kernel memory.
b = run("hostile-res-inodes", PORT_10, ["inodes", "/tmp/many", "200000"],
        {"tmp-mb": 8, "memory-mb": 128}, timeout=120)
r = b.results()
ev = exited(b)
T.ok((r.get("done") is True and r.get("error") in ("ENOSPC", "EDQUOT")) or ev.get("reason") == "memory",
     "inodes: creating 200000 empty files in an 8 MiB /tmp is refused (made %s, %s)"
     % (r.get("files"), r.get("error") or ev.get("reason")), b.describe())
H.check_nothing_left(b, "inodes")
T.exit()

"""test_proc.py: what a hostile app can see of the host through /proc, its environment,
its credentials and its descriptors (ports 29600-29649).

The tool is started with a secret in its own environment, three extra inherited
descriptors (a host file holding the secret, a host directory, the host's /) and a pty as
stdin. tests/hostile/apps/proc/attack.js reports the visible processes, environments,
capabilities, seccomp mode, descriptors, ttys and tries TIOCSTI. The driver asserts the
host stays invisible: pid 1 is our init, only sandbox pids, no secret anywhere, no
leaked descriptor, no tty, no capability, no_new_privs and seccomp on.
"""
import json
import os
import re
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29600, 29649)
PORT_1 = P()

tmp = H.tmpdir("proc")
secret_file = os.path.join(tmp, "inherited-secret.txt")
with open(secret_file, "w") as f:
    f.write(H.CANARY + "\n")
fd_file = os.open(secret_file, os.O_RDONLY)
fd_dir = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
fd_root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
leaked = {fd_file, fd_dir, fd_root}
master, slave = os.openpty()

with open("/proc/1/cmdline", "rb") as f:
    host_init = f.read().replace(b"\0", b" ").decode().strip()
spec = {"canary_rev": H.CANARY[::-1], "host_pid": os.getpid()}
box = H.exec_box("hostile-proc", "proc", PORT_1,
                 ["/usr/bin/node", "/app/attack.js", json.dumps(spec)],
                 pass_fds=tuple(leaked), stdin=slave, timeout=60)
res = H.check_exec_ran(box, "proc attack")
for fd in leaked:
    os.close(fd)

out = box.output()
T.ok(H.CANARY not in out,
     "the tool's secret environment variable appears nowhere inside the sandbox")
T.ok(not res.get("canary_hits"), "no /proc file inside holds the secret", res.get("canary_hits"))

env = res.get("env") or {}
allowed = {"PORT", "APP_ID", "DATA_DIR", "NODE_ENV", "HOME", "PATH", "LISTEN_FDS", "LISTEN_PID", "APPFORGE_READY_FD",
           "NODE_OPTIONS"}
T.ok(set(env) <= allowed, "environment holds only the documented variables",
     sorted(set(env) - allowed))
T.ok(env.get("NODE_ENV") == "production" and env.get("DATA_DIR") == "/data" and
     env.get("APP_ID") == box.app_id and env.get("PORT") == str(PORT_1),
     "PORT, APP_ID, DATA_DIR, NODE_ENV are set as the contract says", env)
T.ok(not any(k.startswith("AF_") for k in env), "no AF_* variable inside", sorted(env))
child_env = res.get("child_env") or ""
T.ok(H.CANARY not in child_env and "AF_SECRET" not in child_env,
     "a child program's environment holds no host secret")
for pid, keys in (res.get("environ") or {}).items():
    bad = isinstance(keys, list) and any(k.startswith("AF_") or k not in allowed for k in keys)
    T.ok(not bad, "/proc/%s/environ holds only documented variables" % pid, keys)

pids = res.get("pids") or []
cmds = res.get("cmdlines") or {}
T.diag("visible processes: %s" % json.dumps(cmds))
T.ok(1 in pids and 0 < len(pids) <= 8, "only the sandbox's few processes are visible (%d)" % len(pids),
     pids)
T.ok(cmds.get("1") != host_init and "node" not in os.path.basename((cmds.get("1") or " ").split()[0]),
     "pid 1 is the sandbox's init, not the host's init nor node (%s)" % cmds.get("1"))
T.ok(not any("test_proc.py" in (c or "") or "tap-driver" in (c or "") for c in cmds.values()),
     "host processes (this driver, make) are invisible")
hv = res.get("host_pid_visible")
T.ok(hv is None or hv.startswith("ERR") or "test_proc.py" not in hv,
     "the driver's host pid is not visible inside (%s)" % str(hv)[:80])
T.diag("pid 1 exe: %s, self exe: %s" % (res.get("pid1_exe"), res.get("self_exe")))

st = res.get("status") or {}
T.diag("status: %s, uid %s gid %s groups %s" % (json.dumps(st), res.get("uid"), res.get("gid"),
                                                res.get("groups")))
T.ok(st.get("NoNewPrivs") == "1", "no_new_privs is set", st.get("NoNewPrivs"))
T.ok(st.get("Seccomp") == "2", "a seccomp filter is on", st.get("Seccomp"))
for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"):
    v = st.get(cap)
    T.ok(v is not None and int(v, 16) == 0, "%s is empty (%s)" % (cap, v))
T.ok(bool(box.pid_info), "the host saw the sandbox's processes", box.describe())
T.ok(not box.root_pids, "no process of the sandbox runs as host root",
     {p: box.pid_info.get(p) for p in box.root_pids})
T.diag("host uids of the sandbox: %s" % sorted(box.uids))

fds = res.get("fds") or {}
T.diag("node's descriptors: %s" % json.dumps(fds))
bad = {fd: t for fd, t in fds.items()
       if isinstance(t, str) and (t in ("/", tmp, secret_file) or tmp in t and not t.endswith(".log"))}
T.ok(not bad, "node holds no descriptor to a host file or directory", bad)
esc = {k: v for k, v in (res.get("fd_escape") or {}).items()
       if v == "CANARY" or '"work"' in v or "inherited-secret.txt" in v}
T.ok(not esc, "no descriptor leads out of the sandbox (reopen via /proc/self/fd)", esc)
child = res.get("child_fds") or ""
child_fds = {}
for line in child.splitlines():
    m = re.search(r"\s(\d+) -> (.*)$", line)
    if m and not re.match(r"/proc/\d+/fd", m.group(2)):
        child_fds[int(m.group(1))] = m.group(2)
T.diag("descriptors a child inherits: %s" % json.dumps(child_fds))
extra = {fd: t for fd, t in child_fds.items()
         if fd > 3 or (fd == 3 and not t.startswith("socket:"))}
T.ok(isinstance(child, str) and not child.startswith("ERR") and not extra,
     "a child inherits only 0, 1, 2 (and the listening socket as 3)", extra or child[:300])

T.ok(res.get("isatty") == [False, False, False], "no tty on 0, 1, 2 (%s)" % res.get("isatty"))
T.ok(res.get("dev_tty") != "OPENED", "/dev/tty cannot be opened (%s)" % res.get("dev_tty"))
T.ok(res.get("dev_console") != "OPENED", "/dev/console cannot be opened (%s)" % res.get("dev_console"))
ti = res.get("tiocsti") or ""
T.diag("TIOCSTI attempts: %s" % ti)
T.ok("OK" not in ti and not ti.startswith("ERR:ENOENT"), "TIOCSTI fails everywhere (%s)" % ti)
os.set_blocking(slave, False)
try:
    injected = os.read(slave, 4096)
except OSError:
    injected = b""
T.ok(injected == b"", "nothing was injected into the host's terminal", injected)
T.diag("/dev inside: %s" % res.get("dev"))
T.ok(res.get("hostname") not in (None, socket.gethostname()),
     "the sandbox has its own hostname (uts namespace): %s" % res.get("hostname"))
mi = res.get("mountinfo") or ""
mounts = {}      # mount point -> per-mount options plus super-block options
mount_opts = {}  # mount point -> per-mount options only (ro/rw of this mount)
for line in mi.splitlines():
    f = line.split()
    if len(f) > 6:
        opts = set(f[5].split(","))
        mount_opts[f[4]] = opts
        sep = f.index("-")
        mounts[f[4]] = opts | set(f[sep + 3].split(",")) if len(f) > sep + 3 else opts
T.diag("mounts inside: %s" % json.dumps({k: sorted(v) for k, v in mounts.items()}))
for mp, need in (("/app", {"ro", "nosuid", "nodev"}), ("/data", {"nosuid", "nodev"}),
                 ("/tmp", {"nosuid", "nodev"}), ("/usr", {"ro", "nosuid", "nodev"}),
                 ("/", {"ro"})):
    T.ok(mp in mounts and need <= mounts[mp], "%s is mounted %s (%s)"
         % (mp, ",".join(sorted(need)), sorted(mounts.get(mp, []))))
T.ok(not any(m.startswith(("/proc/sys", "/sys")) and "ro" not in o for m, o in mount_opts.items()),
     "no writable /proc/sys or /sys mount",
     {m: sorted(o) for m, o in mount_opts.items() if m.startswith(("/proc/sys", "/sys"))})
# mountinfo: the kernel prints a bind mount's path inside its source file system, so the
# code directory (/app) still shows where it lies on the host; nothing else may.
host_paths = sorted(set(re.findall(re.escape(tmp) + r"[^ ]*", mi)))
T.diag("host paths in mountinfo (the code dir is kernel-forced): %s" % host_paths)
T.ok(all(p.startswith(box.code) for p in host_paths),
     "mountinfo shows no host path but the code directory's", host_paths)
init_dir = os.path.dirname(os.path.realpath(H.SANDBOX))
T.ok(init_dir not in mi and "appforge-init" not in mi,
     "mountinfo does not show where appforge-init is installed (%s)" % init_dir)
T.ok("data.img" not in mi, "mountinfo does not name the data image")
pf = res.get("procfiles") or {}
T.diag("/proc files inside: %s" % json.dumps({k: (v or "")[:200] for k, v in pf.items()}))
for f in ("diskstats", "partitions", "config.gz", "interrupts", "softirqs", "locks",
          "schedstat"):
    v = pf.get(f)
    T.ok(v == "" or (isinstance(v, str) and v.startswith("ERR:ENOENT")),
         "/proc/%s is empty inside (or absent on this kernel)" % f, (v or "")[:300])
st_text = pf.get("stat") or ""
cpu_lines = [ln.split() for ln in st_text.splitlines() if ln.startswith("cpu")]
T.ok(len(cpu_lines) >= 2 and all(all(x == "0" for x in ln[1:]) for ln in cpu_lines),
     "/proc/stat is well formed with no host CPU time", st_text[:300])
T.ok(not re.search(r"^(intr|ctxt|processes) [1-9]", st_text, re.M),
     "/proc/stat shows no host interrupt, switch or fork counts", st_text[:300])
T.ok((pf.get("loadavg") or "").split()[:3] == ["0.00", "0.00", "0.00"],
     "/proc/loadavg shows no host load (%s)" % (pf.get("loadavg") or "").strip())
pr = res.get("pressure")
T.ok(pr == [] or (isinstance(pr, str) and pr.startswith("ERR:ENOENT")),
     "/proc/pressure is empty inside (%s)" % (pr,))
cpus = res.get("cpus")
T.ok(isinstance(cpus, list) and len(cpus) >= 1 and
     all(sum(c.values()) == 0 for c in cpus if isinstance(c, dict)),
     "os.cpus() works and shows no host CPU time (%d CPUs)" % (len(cpus) if isinstance(cpus, list) else -1),
     cpus)
T.ok(res.get("loadavg") == [0, 0, 0], "os.loadavg() works and says 0 (%s)" % (res.get("loadavg"),))
T.diag("/sys/fs/cgroup inside: %s" % res.get("sys_cgroup"))
lim = {}
for line in (res.get("limits") or "").splitlines()[1:]:
    m = re.match(r"(.+?)\s{2,}(\S+)\s+(\S+)", line)
    if m:
        lim[m.group(1).strip()] = (m.group(2), m.group(3))
T.diag("limits inside: %s" % json.dumps(lim))
T.ok(lim.get("Max core file size") == ("0", "0"),
     "no core dumps: RLIMIT_CORE is 0, soft and hard (%s)" % (lim.get("Max core file size"),))
for name in ("Max open files", "Max file size", "Max processes"):
    v = lim.get(name)
    T.ok(v is not None and v[1] != "unlimited", "%s has a finite hard limit (%s)" % (name, v))
ev = box.exited
T.ok(ev is not None and ev.get("reason") == "exited" and ev.get("exit_code") == 0,
     "the exec program ended normally (exited, 0)", ev)
H.check_nothing_left(box, "proc attack")
os.close(master)
os.close(slave)
T.exit()

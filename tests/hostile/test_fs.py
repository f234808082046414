"""test_fs.py: hostile file-system attacks against the sandbox (ports 29500-29549).

A victim app runs in its own sandbox with secrets in its code and data; an attacker runs
tests/hostile/apps/fs/attack.js under `appforge-sandbox exec` and tries to read host
files, the project checkout, a state directory, the victim's code and data, to write its
own code and everything outside /data and /tmp, and to walk out with `..`, /proc roots
and symlinks (planted in its code dir by the host, and made at run time in /data and
/tmp). The driver asserts every attempt failed and that the host is unchanged.
"""
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
P = H.ports(29500, 29549)
PORT_1 = P()
PORT_2 = P()

R = H.CANARY[-8:]
tmp = H.tmpdir("fs")
state = os.path.join(tmp, "state")
os.makedirs(state)
STATE_SECRET = "STATE-" + H.CANARY
with open(os.path.join(state, "secret.txt"), "w") as f:
    f.write(STATE_SECRET + "\n")

# The victim: another app with a secret in its code and one it writes into its data.
VICTIM_SECRET = "VICTIM-" + H.CANARY
vdir = os.path.join(tmp, "victim")
os.makedirs(vdir)
vcode = H.copy_app("victim", os.path.join(vdir, "code"))
with open(os.path.join(vcode, "secret.txt"), "w") as f:
    f.write(VICTIM_SECRET + "\n")
victim = H.Box("hostile-fs-victim", None, PORT_1, workdir=vdir, code_dir=vcode)
victim.wait_started()
vbody = victim.wait_http()
T.ok(vbody is not None and ("DATA-" + VICTIM_SECRET) in vbody,
     "victim app runs and serves its data secret (control)", victim.describe())

# The attacker's code dir, with symlinks planted by the host side pointing out of it.
adir = os.path.join(tmp, "attacker")
os.makedirs(adir)
acode = H.copy_app("fs", os.path.join(adir, "code"))
plant = {
    "l_shadow": "/etc/shadow",
    "l_victim": os.path.join(vcode, "secret.txt"),
    "l_vdata": victim.data,
    "l_state": os.path.join(state, "secret.txt"),
    "l_src": os.path.join(H.SRCDIR, "configure.ac"),
    "l_up": "../../../../../../../..",
    "l_root": "/root",
}
for name, target in plant.items():
    os.symlink(target, os.path.join(acode, name))

src_conf = os.path.join(H.SRCDIR, "configure.ac")
# (path read inside, host file whose content must not come back)
reads = [
    ("/etc/shadow", "/etc/shadow"),
    ("/etc/gshadow", "/etc/gshadow"),
    ("/root/.bashrc", "/root/.bashrc"),
    ("/root/.gitconfig", "/root/.gitconfig"),
    ("/root/.npmrc", "/root/.npmrc"),
    (src_conf, src_conf),
    ("/work/shared/spec/API.md", "/work/shared/spec/API.md"),
    (os.path.join(state, "secret.txt"), None),
    (os.path.join(vcode, "secret.txt"), None),
    (os.path.join(victim.data, "secret.txt"), None),
    ("/app/../../../../etc/shadow", "/etc/shadow"),
    ("/data/../../../../etc/shadow", "/etc/shadow"),
    ("/tmp/../../../../root/.bashrc", "/root/.bashrc"),
    ("/proc/self/root/../../etc/shadow", "/etc/shadow"),
    ("/proc/1/root/etc/shadow", "/etc/shadow"),
    ("/proc/1/cwd/../../../../etc/shadow", "/etc/shadow"),
    ("/proc/self/cwd/../../../../root/.bashrc", "/root/.bashrc"),
    ("/app/l_shadow", "/etc/shadow"),
    ("/app/l_victim", None),
    ("/app/l_state", None),
    ("/app/l_src", src_conf),
    ("/app/l_up/etc/shadow", "/etc/shadow"),
    ("/app/l_up/root/.bashrc", "/root/.bashrc"),
    ("/app/l_root/.bashrc", "/root/.bashrc"),
    ("/app/l_vdata/secret.txt", None),
    ("/data/s_shadow", "/etc/shadow"),
    ("/data/s_victim", None),
    ("/data/s_up/etc/shadow", "/etc/shadow"),
    ("/tmp/s_src", src_conf),
    ("/tmp/s_state", None),
    ("/etc/ssl/private/ssl-cert-snakeoil.key", "/etc/ssl/private/ssl-cert-snakeoil.key"),
    ("/dev/vda", None),
    ("/dev/sda", None),
    ("/dev/mem", None),
    ("/dev/kmsg", None),
    ("/proc/kcore", None),
    ("/proc/kmsg", None),
    ("/sys/kernel/security/lsm", None),
]
# Directories whose host listing must not show up inside: (path inside, host dir).
lists = [("/root", "/root"), ("/home", "/home"), ("/work", "/work"), ("/work/wt", "/work/wt"),
         (H.SRCDIR, H.SRCDIR), (state, state), (vcode, vcode), (victim.data, victim.data),
         (tmp, tmp), ("/app/l_up/work", "/work"), ("/app/l_root", "/root"),
         ("/proc/1/root/root", "/root"), ("/data/../../../../home", "/home"),
         ("/app/l_vdata", victim.data), ("/data/s_up/work", "/work"),
         ("/etc/ssl/private", "/etc/ssl/private")]
# Writes that must fail, with the host path that must not change.
hostw = [
    ("/app/pwned-" + R, os.path.join(acode, "pwned-" + R)),
    ("/usr/pwned-" + R, "/usr/pwned-" + R),
    ("/usr/bin/pwned-" + R, "/usr/bin/pwned-" + R),
    ("/etc/pwned-" + R, "/etc/pwned-" + R),
    ("/pwned-" + R, "/pwned-" + R),
    ("/root/pwned-" + R, "/root/pwned-" + R),
    ("/var/tmp/pwned-" + R, "/var/tmp/pwned-" + R),
    ("/data/../pwned2-" + R, "/pwned2-" + R),
    ("/app/l_up/etc/pwned3-" + R, "/etc/pwned3-" + R),
    ("/proc/1/root/pwned4-" + R, "/pwned4-" + R),
    (os.path.join(state, "pwned-" + R), os.path.join(state, "pwned-" + R)),
    (os.path.join(vcode, "pwned-" + R), os.path.join(vcode, "pwned-" + R)),
    (os.path.join(victim.data, "pwned-" + R), os.path.join(victim.data, "pwned-" + R)),
    (os.path.join(H.SRCDIR, "pwned-" + R), os.path.join(H.SRCDIR, "pwned-" + R)),
    ("/app/l_state", None),
]
ops = []
# Run-time symlinks (these creations are allowed; following them must not escape).
ops += [["symlink", "/data/s_shadow", "/etc/shadow"],
        ["symlink", "/data/s_victim", os.path.join(vcode, "secret.txt")],
        ["symlink", "/data/s_up", "../../../../../../.."],
        ["symlink", "/tmp/s_src", src_conf],
        ["symlink", "/tmp/s_state", os.path.join(state, "secret.txt")]]
# Controls: what an app may do.
ops += [["read", "/app/server.js"], ["list", "/app"], ["write", "/data/ok-" + R],
        ["write", "/tmp/ok-" + R], ["read", "/data/ok-" + R], ["list", "/"],
        ["list", "/usr/local/etc"], ["list", "/etc"]]
ops += [["read", p] for p, _ in reads]
ops += [["list", p] for p, _ in lists]
ops += [["write", p] for p, _ in hostw]
refused = [["append", "/app/server.js"], ["unlink", "/app/server.js"],
        ["rename", "/app/server.js", "/data/stolen.js"], ["chmod", "/app/server.js"],
        ["mkdir", "/app/dir-" + R], ["mkdir", "/usr/dir-" + R], ["mkdir", "/etc/dir-" + R],
        ["symlink", "/app/ln-" + R, "/etc"], ["chmod", "/usr/bin/su"], ["chown", "/usr/bin"],
        ["utimes", "/usr/bin/env"], ["unlink", "/usr/bin/env"], ["rmdir", "/usr/games"],
        ["link", "/data/hl-passwd", "/etc/passwd"], ["link", "/data/hl-node", "/usr/bin/node"],
        ["openwo", "/proc/self/exe"], ["openwo", "/proc/1/exe"],
        ["openwo", "/proc/sys/kernel/core_pattern"], ["openwo", "/proc/sysrq-trigger"],
        ["openwo", "/proc/sys/kernel/modprobe"], ["openwo", "/sys/kernel/uevent_helper"],
        ["openwo", "/usr/bin/node"], ["openwo", "/etc/passwd"], ["mkfifo", "/app/fifo-" + R],
        ["openwo", "/proc/1/mem"], ["openwo", "/proc/1/environ"],
        ["openwo", "/sandbox/init"], ["openwo", "/sandbox/preload.js"],
        ["write", "/sandbox/pwned-" + R], ["write", "/proc/self/uid_map"],
        ["write", "/proc/self/setgroups"], ["writev", "/proc/self/oom_score_adj", "-1000"],
        ["writev", "/proc/1/oom_score_adj", "-1000"]]
ops += refused
spec = {"ops": ops, "canaries": [H.CANARY]}

# Host state before.
watch = ["/etc/shadow", "/etc/passwd", "/usr/bin/node", H.NODE, "/proc/sys/kernel/core_pattern",
         "/proc/sys/kernel/modprobe", os.path.join(vcode, "secret.txt"),
         os.path.join(acode, "server.js"), src_conf]
for root, _dirs, files in os.walk(os.path.join(H.BUILDDIR, "sandbox")):
    watch += [os.path.join(root, f) for f in files if os.access(os.path.join(root, f), os.X_OK)]
before = {p: H.sha256_file(p) for p in watch}
code_before = sorted(os.listdir(acode))
su_mode = os.stat("/usr/bin/su").st_mode

att = H.exec_box("hostile-fs-attacker", None, PORT_2,
                 ["/usr/bin/node", "/app/attack.js", json.dumps(spec)], workdir=adir,
                 code_dir=acode, timeout=60)
res = H.check_exec_ran(att, "fs attack")
T.diag("attacker ran as %s" % json.dumps(res.get("whoami")))

# Controls.
T.ok(str(res.get("read:/app/server.js", "")).startswith("OK:"), "control: the app reads its own code",
     res.get("read:/app/server.js"))
T.ok(res.get("write:/data/ok-" + R) == "OK:written", "control: the app writes /data",
     res.get("write:/data/ok-" + R))
T.ok(res.get("write:/tmp/ok-" + R) == "OK:written", "control: the app writes /tmp",
     res.get("write:/tmp/ok-" + R))
for k in ("symlink:/data/s_shadow", "symlink:/tmp/s_src"):
    T.ok(res.get(k) == "OK:linked", "control: the app may create symlinks (%s)" % k, res.get(k))
root_list = res.get("list:/", "")
T.ok("work" not in (json.loads(root_list[3:]) if root_list.startswith("OK:") else []),
     "the host's /work is not in the sandbox root", root_list)

T.diag("note: host files visible by design (read-only binds): /etc holds %s; /usr/local/etc "
       "holds %s" % (res.get("list:/etc"), res.get("list:/usr/local/etc")))
host_sha = {}
for inside, hostp in reads:
    key = "read:" + inside
    r = res.get(key)
    leaked = False
    if r is None:
        leaked = True
    elif r.startswith("OK:"):
        digest, ncan = r[3:].split(":")
        if int(ncan) > 0:
            leaked = True
        if hostp is not None:
            hs = host_sha.setdefault(hostp, H.sha256_file(hostp))
            if hs is not None and hs == digest:
                leaked = True
        # Devices and kernel files: anything but an empty (masked) read is a leak.
        if hostp is None and inside.startswith(("/dev/", "/proc/k", "/sys/")) and \
                digest != hashlib.sha256(b"").hexdigest():
            leaked = True
    T.ok(not leaked, "cannot read host data via %s (got %s)" % (inside, r))

for p, hostdir in lists:
    r = res.get("list:" + p)
    bad = r is None
    if r is not None and r.startswith("OK:"):
        try:
            hostset = set(os.listdir(hostdir))
        except OSError:
            hostset = set()
        bad = bool(set(json.loads(r[3:])) & hostset)
    T.ok(not bad, "cannot list host directory %s (got %s)" % (p, (r or "")[:200]))

for inside, hostp in hostw:
    r = res.get("write:" + inside)
    T.ok(r is not None and not r.startswith("OK"), "cannot write %s (got %s)" % (inside, r))
    if hostp:
        T.ok(not os.path.lexists(hostp), "host path %s was not created" % hostp)
for op in refused:
    key = op[0] + ":" + op[1]
    r = res.get(key)
    T.ok(r is not None and not r.startswith("OK"), "refused: %s %s (got %s)" % (op[0], op[1], r))

after = {p: H.sha256_file(p) for p in watch}
changed = [p for p in watch if before[p] != after[p]]
T.ok(not changed, "host files unchanged (node, sandbox binaries, shadow, passwd, core_pattern, code)",
     changed)
T.ok(sorted(os.listdir(acode)) == code_before, "the attacker's code dir is unchanged on the host",
     sorted(set(os.listdir(acode)) ^ set(code_before)))
T.ok(os.stat("/usr/bin/su").st_mode == su_mode, "/usr/bin/su mode unchanged")

vbody2 = H.http_get(victim.port)
T.ok(vbody2[0] == 200 and ("DATA-" + VICTIM_SECRET) in vbody2[1], "the victim still serves its data",
     vbody2)
ev = victim.stop()
T.ok(ev is not None and ev.get("reason") == "stopped", "victim stops with reason stopped", ev)
H.check_nothing_left(victim, "victim")
H.check_nothing_left(att, "attacker")
T.exit()

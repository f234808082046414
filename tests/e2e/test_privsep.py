#!/usr/bin/env python3
"""test_privsep.py: privilege separation of a running instance (ports 18800-18899).

For every long-running process (nginx master and workers, appforged master and workers,
appforge-supervisor) the uids, gids and capability sets are read from /proc/PID/status:
only the supervisor and nginx's master (it binds the ports, reads the TLS key) may hold
root or a capability. appforged runs as `appforge` with every set empty, the bounding
set included, and no_new_privs. The sockets and secrets belong to whom they should,
checked by connecting as each user; appforged refuses to run as root when it cannot
drop. The code scanner is tests/scanner/jail_probe.js here: run by a worker, it reports
its uid and capabilities and whether it could open sockets, start a process or read the
state directory's secrets."""
import ctypes
import errno
import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CAP_SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def status(pid):
    """/proc/PID/status as a dict of its fields (uids and gids as int lists, caps as ints)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            v = v.strip()
            if k in ("Uid", "Gid"):
                out[k] = [int(x) for x in v.split()]
            elif k in CAP_SETS:
                out[k] = int(v, 16)
            elif k == "Groups":
                out[k] = [int(x) for x in v.split()]
            elif k == "NoNewPrivs":
                out[k] = int(v)
            elif k == "Name":
                out[k] = v
    return out


def connect_as(user, path):
    """0 when user can connect to the unix socket at path, else the errno (a child
    takes the user's ids and tries)."""
    pw = pwd.getpwnam(user)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
        except OSError as e:
            code = e.errno or 255
        except BaseException:
            code = 255
        os.write(w, bytes([code % 256]))
        os._exit(0)
    os.close(w)
    data = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    return data[0] if data else 255


def check_unprivileged(t, what, pid, uid, gid):
    s = status(pid)
    t.ok(set(s["Uid"]) == {uid} and set(s["Gid"]) == {gid},
         "%s (pid %d) runs as uid %d gid %d (real, effective, saved, fs)" % (what, pid, uid, gid),
         repr(s))
    t.ok(all(s[c] == 0 for c in CAP_SETS),
         "%s holds no capability, its bounding set empty too" % what,
         " ".join("%s=%x" % (c, s[c]) for c in CAP_SETS))
    t.ok(s.get("NoNewPrivs") == 1 and s.get("Groups") == [], "%s: no_new_privs, no supplementary groups" % what,
         repr(s))


def landlock_abi():
    """The kernel's Landlock ABI version, 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    v = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # landlock_create_ruleset
    return max(v, 0)


def check_scanner(t, scan, app):
    """What the probe, run as the scanner by a worker, found it could do."""
    msg = ((scan.get("findings") or [{}])[0]).get("message", "")
    got = dict(kv.split("=", 1) for kv in msg.split() if "=" in kv)
    t.ok(got.get("uid") == str(app.pw_uid), "the scanner runs as appforge (uid %d), not root" % app.pw_uid, msg)
    t.ok(got.get("capeff") == "0000000000000000" and got.get("capbnd") == "0000000000000000",
         "the scanner holds no capability", msg)
    t.ok(got.get("tcp") == "EPERM" and got.get("udp") == "EPERM" and got.get("unix") == "EPERM",
         "the scanner cannot open a socket: TCP, UDP, unix (the supervisor's) all refused", msg)
    t.ok(got.get("spawn") == "EPERM" and got.get("kill") == "EPERM",
         "the scanner cannot start a process or signal the workers", msg)
    if landlock_abi() >= 1:
        t.ok(got.get("read0") == "EACCES" and got.get("read1") == "EACCES",
             "the scanner cannot read jwt.secret or the database, although they are appforge's", msg)
    else:
        t.skip("this kernel has no Landlock: the scanner (appforge) can read appforge's files")


def main(t, inst):
    app = pwd.getpwnam("appforge")
    www = pwd.getpwnam(harness.NGINX_USER)
    state = inst.state_dir

    # --- appforged: master and every worker ---
    master = inst.pid_of("appforged")
    check_unprivileged(t, "appforged master", master, app.pw_uid, app.pw_gid)
    workers = harness.children(master)
    t.ok(len(workers) >= 2, "appforged has its workers (%d)" % len(workers))
    for w in workers:
        check_unprivileged(t, "appforged worker", w, app.pw_uid, app.pw_gid)

    # --- the supervisor: root, on its own ---
    sup = inst.pid_of("supervisor")
    s = status(sup)
    t.ok(s["Uid"][1] == 0 and s["CapEff"] != 0, "the supervisor (pid %d) keeps root" % sup, repr(s))
    t.ok(sup not in workers, "the supervisor is not a child of appforged")

    # --- nginx: the master binds the ports; the workers are www-data without caps ---
    ngm = inst.pid_of("nginx")
    t.eq(status(ngm)["Uid"][1], 0, "nginx's master runs as root (it binds the ports)")
    ngw = harness.children(ngm)
    t.ok(len(ngw) >= 1, "nginx has workers (%d)" % len(ngw))
    for w in ngw:
        s = status(w)
        t.ok(set(s["Uid"]) == {www.pw_uid} and s["CapEff"] == 0 and s["CapPrm"] == 0,
             "nginx worker %d runs as %s without capabilities" % (w, harness.NGINX_USER), repr(s))

    # --- sockets: who may connect ---
    fcgi = os.path.join(state, "appforged.sock")
    supsock = os.path.join(state, "supervisor.sock")
    st = os.stat(fcgi)
    t.ok(st.st_mode & 0o777 == 0o660 and st.st_uid == app.pw_uid and
         st.st_gid == grp.getgrnam(harness.NGINX_USER).gr_gid,
         "FastCGI socket 0660 appforge:%s" % harness.NGINX_USER, "%o %d:%d" % (st.st_mode, st.st_uid, st.st_gid))
    st = os.stat(supsock)
    t.ok(st.st_mode & 0o777 == 0o660 and st.st_uid == 0 and st.st_gid == app.pw_gid,
         "supervisor socket 0660 root:appforge", "%o %d:%d" % (st.st_mode, st.st_uid, st.st_gid))
    t.eq(connect_as(harness.NGINX_USER, fcgi), 0, "nginx's user reaches the FastCGI socket")
    t.eq(connect_as(harness.NGINX_USER, supsock), errno.EACCES, "nginx's user cannot reach the supervisor")
    t.eq(connect_as("appforge", supsock), 0, "appforge reaches the supervisor")
    t.eq(connect_as("nobody", fcgi), errno.EACCES, "nobody else reaches the FastCGI socket")
    t.eq(connect_as("nobody", supsock), errno.EACCES, "nobody else reaches the supervisor")

    # --- state: secrets and database are appforge's alone; the TLS key root's ---
    for name in ("jwt.secret", "appforge.db", "appforge.db-wal", "appforge.db-shm"):
        p = os.path.join(state, name)
        if not os.path.exists(p):
            continue
        st = os.stat(p)
        t.ok(st.st_uid == app.pw_uid and st.st_mode & 0o077 == 0,
             "%s belongs to appforge, nobody else may read it" % name, "%o %d" % (st.st_mode, st.st_uid))
    st = os.stat(os.path.join(state, "tls", "key.pem"))
    t.ok(st.st_uid == 0 and st.st_mode & 0o077 == 0, "the TLS key is root's (nginx's master reads it)")

    # --- appforgectl doctor sees the same ---
    p = inst.ctl("doctor", "--nginx-pid", os.path.join(inst.nginx_prefix, "nginx.pid"), check=False)
    out = p.stdout.decode(errors="replace")
    lines = out.splitlines()
    t.ok(not [l for l in lines if l.startswith("warn") and "needs no root" in l],
         "doctor: no process runs as root where it needs none", out)
    for w in ngw:
        t.ok(any(l.startswith("ok ") and "nginx worker pid %d " % w in l and "(%s)" % harness.NGINX_USER in l
                 for l in lines), "doctor: nginx worker %d runs as %s" % (w, harness.NGINX_USER), out)
    t.ok(any(l.startswith("ok ") and "appforge-supervisor pid %d " % sup in l for l in lines),
         "doctor: the supervisor, root as it needs", out)

    # --- it works through all that: a login, an app created and scanned ---
    with open(os.path.join(PROBE_DIR, "targets.json"), "w") as f:
        json.dump([os.path.join(state, "jwt.secret"), os.path.join(state, "appforge.db")], f)
    alice = inst.client(token=inst.login("alice"))
    r = alice.post("/api/apps", {"name": "p", "files": {
        "server.js": "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"}})
    t.ok(r.status == 201, "an app is created and scanned by the unprivileged daemon", repr(r))
    check_scanner(t, (r.json() or {}).get("scan") or {}, app)

    # --- appforged started as root refuses to serve when it cannot drop ---
    bad = os.path.join(inst.dir, "nouser.conf")
    with open(inst.conf_path) as f, open(bad, "w") as g:
        g.write(f.read() + "run_as_user = af-no-such-user\n")
    p = subprocess.run([inst.appforged, "--config", bad, "--foreground"], capture_output=True,
                       text=True, timeout=60)
    t.ok(p.returncode == 1 and "refusing to run as root" in p.stderr,
         "run_as_user missing: appforged exits 1, refusing to run as root", p.stderr[-500:])
    t.ok(inst.client().get("/api/health").status == 200, "the running instance is untouched by that")


PROBE_DIR = None

if __name__ == "__main__":
    if os.geteuid() != 0:
        print("1..0 # SKIP privilege separation needs root to start from")
        sys.exit(0)
    PROBE_DIR = tempfile.mkdtemp(prefix="af-jail-probe-")
    try:
        os.chmod(PROBE_DIR, 0o755)  # read by the scanner, as appforge
        shutil.copy(os.path.join(harness.SRCDIR, "tests", "scanner", "jail_probe.js"), PROBE_DIR)
        os.environ["AF_SCANNER_JS"] = os.path.join(PROBE_DIR, "jail_probe.js")
        rc = harness.run(main, "privsep", 18800)
    finally:
        shutil.rmtree(PROBE_DIR, ignore_errors=True)
    sys.exit(rc)

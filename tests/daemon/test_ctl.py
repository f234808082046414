"""test_ctl.py: appforgectl against a temporary state dir: init (idempotent, modes,
certificate names), users, tokens that work against the daemon, app listing, user
deletion erasing apps, config output, doctor's output shape, and exit codes 0/1/2."""
import grp
import json
import os
import pwd
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dharness  # noqa: E402
from dharness import APPFORGECTL, Daemon, Tap, app_files, sqlite_query  # noqa: E402


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def new_user(t):
    """init creates a missing run_as_user: a system user without home or shell, once,
    even when several inits race (as the test suite's do on a clean machine)."""
    name = "aft%s" % os.urandom(4).hex()
    ds = [Daemon(workers=1, extra_conf="run_as_user = %s\n" % name) for _ in range(4)]
    try:
        procs = [subprocess.Popen([APPFORGECTL, "--config", d.conf, "init"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for d in ds]
        outs = [p.communicate(timeout=120) for p in procs]
        t.ok(all(p.returncode == 0 for p in procs), "4 inits at once with a new run_as_user: all exit 0",
             repr([o[1] for o in outs]))
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            pw = None
        t.ok(pw is not None and pw.pw_uid < 1000 and pw.pw_shell == "/usr/sbin/nologin" and
             not os.path.exists(pw.pw_dir), "it is a system user, no login shell, no home", repr(pw))
        t.ok(pw is not None and grp.getgrgid(pw.pw_gid).gr_name == name, "with a group of its own")
        t.ok(pw is not None and all(os.stat(d.state).st_uid == pw.pw_uid for d in ds),
             "each state dir belongs to it")
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)
        for d in ds:
            d.cleanup()


def adoption(t):
    """A state directory from before privilege separation (everything root's): init
    gives appforged what it writes, and nothing through a planted link."""
    d = Daemon(workers=1)
    try:
        d.ctl("init")
        app = pwd.getpwnam("appforge")
        a = os.path.join(d.state, "apps", "aaaaaaaaaaaaaaaa")
        os.makedirs(os.path.join(a, "code", "lib"))
        os.makedirs(os.path.join(a, "data"))
        for p in ("code/server.js", "code/lib/x.js", "data/data.img"):
            open(os.path.join(a, p), "w").close()
        root_file = os.path.join(d.dir, "root-owned")
        open(root_file, "w").close()
        os.link(root_file, os.path.join(a, "code", "hardlink"))
        os.symlink(d.dir, os.path.join(a, "code", "symlink"))
        logs = os.path.join(d.state, "log", "apps")
        with open(os.path.join(logs, "aaaaaaaaaaaaaaaa.log"), "w") as f:
            f.write("old\n")
        os.chown(logs, 0, 0)
        os.chown(os.path.join(d.state, "apps"), 0, 0)
        p = d.ctl("init", check=False)
        t.ok(p.returncode == 0, "init over an old root-owned state: exit 0", p.stderr)

        def uid(rel):
            return os.lstat(os.path.join(a, rel)).st_uid
        t.ok(all(uid(r) == app.pw_uid for r in ("", "code", "code/lib", "code/server.js", "code/lib/x.js", "data")),
             "the app's directory, code and data/ become appforge's")
        t.eq(uid("data/data.img"), 0, "what is inside data/ stays the supervisor's (root)")
        t.ok(os.stat(root_file).st_uid == 0 and os.lstat(d.dir).st_uid == 0,
             "a hard link or symlink planted in the tree gives nothing of root's away")
        st = os.stat(os.path.join(logs, "aaaaaaaaaaaaaaaa.log"))
        t.ok(st.st_uid == 0 and st.st_gid == app.pw_gid, "an old run log becomes readable by appforged's group")
    finally:
        d.cleanup()


def main():
    t = Tap()
    d = Daemon(workers=1)
    try:
        run(t, d)
        if os.geteuid() == 0:
            new_user(t)
            adoption(t)
        else:
            t.skip("creating a system user needs root")
    except Exception as e:
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        d.stop()
        d.cleanup(t)
    return t.done()


def run(t, d):
    p = d.ctl("init", check=False)
    t.ok(p.returncode == 0, "init: exit 0", p.stderr)
    # nginx's group may only traverse the state directory (to the FastCGI socket); the
    # secrets and the database belong to the unprivileged user appforged runs as
    app = pwd.getpwnam("appforge")
    st = os.stat(d.state)
    t.ok(mode(d.state) == 0o710 and st.st_uid == app.pw_uid and st.st_gid == grp.getgrnam("www-data").gr_gid,
         "state dir 0710 appforge:www-data", "%o %d:%d" % (mode(d.state), st.st_uid, st.st_gid))
    for f in ("jwt.secret", "appforge.db"):
        st = os.stat(os.path.join(d.state, f))
        t.ok(mode(os.path.join(d.state, f)) == 0o600 and st.st_uid == app.pw_uid,
             "%s 0600, owned by appforge" % f, "%o %d" % (mode(os.path.join(d.state, f)), st.st_uid))
    st = os.stat(os.path.join(d.state, "log", "apps"))
    t.ok(st.st_mode & 0o7777 == 0o2750 and st.st_uid == app.pw_uid and st.st_gid == app.pw_gid,
         "log/apps 2750 appforge:appforge (setgid: the supervisor's run logs are appforged's to read)")
    t.ok(os.stat(os.path.join(d.state, "tls", "key.pem")).st_uid == 0, "the TLS key stays root's (nginx's master reads it)")
    t.ok(len(open(os.path.join(d.state, "jwt.secret")).read().strip()) >= 32, "JWT secret has content")
    key = os.path.join(d.state, "tls", "key.pem")
    crt = os.path.join(d.state, "tls", "cert.pem")
    t.ok(os.path.exists(crt) and mode(key) == 0o600, "dev certificate and key (0600)")
    x = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-text"], capture_output=True, text=True)
    t.ok("DNS:localhost" in x.stdout and "DNS:*.localhost" in x.stdout
         and x.stdout.count("DNS:localhost") == 1, "certificate names localhost and *.localhost, once each")
    secret_before = open(os.path.join(d.state, "jwt.secret")).read()
    crt_before = open(crt).read()
    p = d.ctl("init", check=False)
    t.ok(p.returncode == 0 and open(os.path.join(d.state, "jwt.secret")).read() == secret_before
         and open(crt).read() == crt_before, "init again: exit 0, keeps secret and certificate")

    p = d.ctl("user", "add", "alice", "--password-stdin", stdin="alice-password-1\n", check=False)
    t.ok(p.returncode == 0 and p.stdout.strip().startswith("u_"), "user add prints the id")
    p = d.ctl("user", "add", "root1", "--role", "admin", "--password-stdin", stdin="root-password-1\r\n", check=False)
    t.ok(p.returncode == 0, "user add --role admin (CRLF password line)")
    p = d.ctl("user", "add", "alice", "--password-stdin", stdin="alice-password-1\n", check=False)
    t.ok(p.returncode == 1 and "exists" in p.stderr, "duplicate user: exit 1 with a reason")
    p = d.ctl("user", "add", "bob", "--password-stdin", stdin="short\n", check=False)
    t.ok(p.returncode == 1 and p.stderr, "weak password: exit 1")
    p = d.ctl("user", "add", "bob", check=False)
    t.ok(p.returncode == 2, "user add without --password-stdin: exit 2")
    p = d.ctl("user", "add", "b/ob", "--password-stdin", stdin="bob-password-1\n", check=False)
    t.ok(p.returncode == 1, "bad username: exit 1")
    p = d.ctl("user", "add", "bob", "--role", "god", "--password-stdin", stdin="bob-password-1\n", check=False)
    t.ok(p.returncode == 2, "unknown role: exit 2")
    t.ok(d.ctl("frobnicate", check=False).returncode == 2, "unknown command: exit 2")
    t.ok(d.ctl("apps", "--bogus", check=False).returncode == 2, "bad apps option: exit 2")

    p = d.ctl("token", "create", "alice", "--days", "2", "--name", "ci", check=False)
    token = p.stdout.strip()
    t.ok(p.returncode == 0 and token.startswith("afk_") and len(token) == 47, "token create prints an afk_ token")
    t.ok(d.ctl("token", "create", "nobody", check=False).returncode == 1, "token for an unknown user: exit 1")
    t.ok(d.ctl("token", "create", "alice", "--days", "0", check=False).returncode == 2, "--days 0: exit 2")
    t.ok(d.ctl("token", "create", "alice", "--days", "x", check=False).returncode == 2, "--days x: exit 2")

    d.start()
    r = d.req("GET", "/api/me", token=token)
    t.ok(r.status == 200 and r.json()["username"] == "alice", "the CLI token authenticates against the daemon")
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "cli-listed"}, token=token)
    aid = r.json()["id"]
    # its directory, as a run leaves it (made already when the supervisor prepared its data)
    os.makedirs(os.path.join(d.state, "apps", aid), exist_ok=True)
    # what else an app leaves outside the database: its logs and a (dead) job's lock
    leftovers = [os.path.join(d.state, "log", "apps", aid + ".log"),
                 os.path.join(d.state, "log", "apps", aid + ".log.1"),
                 os.path.join(d.state, "jobs", aid + ".lock")]
    os.makedirs(os.path.join(d.state, "jobs"), exist_ok=True)
    for f in leftovers:
        open(f, "w").close()
    p = d.ctl("apps", "--all", check=False)
    t.ok(p.returncode == 0 and aid in p.stdout and "cli-listed" in p.stdout and " alice " in p.stdout,
         "apps --all lists the app with its owner's name", p.stdout)
    p = d.ctl("apps", check=False)
    t.ok(p.returncode == 0 and aid not in p.stdout, "apps (running only) does not list a stopped app")

    p = d.ctl("user", "del", "alice", check=False)
    t.ok(p.returncode == 0, "user del: exit 0", p.stderr)
    t.ok(d.req("GET", "/api/me", token=token).status == 401, "the deleted user's token stops working")
    db = d.db_path
    t.ok(sqlite_query(db, "SELECT count(*) FROM apps WHERE id = ?", (aid,))[0][0] == 0, "their apps are erased")
    t.ok(not os.path.exists(os.path.join(d.state, "apps", aid)), "their app directories are removed")
    t.ok(not any(os.path.exists(f) for f in leftovers), "their logs and job locks are removed",
         str([f for f in leftovers if os.path.exists(f)]))
    t.ok(d.ctl("user", "del", "alice", check=False).returncode == 1, "deleting again: exit 1")
    actions = [r[0] for r in sqlite_query(db, "SELECT action FROM audit WHERE actor LIKE 'cli:%'")]
    t.ok("user.create" in actions and "user.delete" in actions and "token.create" in actions,
         "CLI changes are audited with a cli: actor")

    p = d.ctl("config", check=False)
    kv = dict(line.split(" = ", 1) for line in p.stdout.splitlines() if " = " in line)
    t.ok(p.returncode == 0 and kv.get("state_dir") == d.state and kv.get("workers") == "1",
         "config prints key = value lines of the effective configuration")
    p = d.ctl("config", "--json", check=False)
    try:
        js = json.loads(p.stdout)
    except ValueError:
        js = None
    t.ok(p.returncode == 0 and js == kv,
         "config --json: one object of the same keys and values, as strings", p.stdout[:200])
    p = d.ctl("config", "--get", "state_dir", check=False)
    t.ok(p.returncode == 0 and p.stdout == d.state + "\n", "config --get KEY: the value alone",
         p.stdout)
    p = d.ctl("config", "--get", "no_such_key", check=False)
    t.ok(p.returncode == 1 and p.stdout == "" and "no key no_such_key" in p.stderr,
         "config --get of a key that does not exist: exit 1, said on stderr", p.stderr)
    t.ok(d.ctl("config", "--yaml", check=False).returncode == 2, "config with another option: usage, exit 2")

    p = d.ctl("doctor", check=False)
    lines = p.stdout.strip().splitlines()
    body = lines[:-1]
    shape = all(line.split(" ", 1)[0] in ("ok", "FAIL", "warn", "--") for line in body)
    failed = any(line.startswith("FAIL") for line in body)
    t.ok(shape and len(body) >= 10, "doctor prints ok/FAIL/warn lines", p.stdout)
    t.ok(p.returncode == (1 if failed else 0), "doctor's exit status matches its FAIL lines")
    t.ok(any("integrity_check ok" in line for line in body), "doctor checks the database integrity")
    for line in body:
        if line.startswith("FAIL"):
            t.diag("doctor on this host: " + line)
    # the uid of every process of the running instance
    app = pwd.getpwnam("appforge")
    mine = "appforged master pid %d " % d.proc.pid
    t.ok(any(line.startswith("ok ") and mine in line and "uid %d (appforge), no capabilities" % app.pw_uid in line
             for line in body), "doctor: the appforged master runs as appforge, without capabilities", p.stdout)
    t.ok(any(line.startswith("ok ") and "appforged worker pid" in line and "(appforge)" in line for line in body),
         "doctor: its worker too", p.stdout)
    t.ok(any(line.startswith("ok ") and "appforge-supervisor pid %d " % d.sup.pid in line and "root as it needs" in line
             for line in body), "doctor: the supervisor (found through its socket) is root, as it needs", p.stdout)
    t.ok(not any(line.startswith("warn") and "appforge" in line and "needs no root" in line for line in body),
         "doctor: no warning about root for this instance", p.stdout)
    # a pid file that names a root process where none is needed: a warning
    pidfile = os.path.join(d.state, "appforged.pid")
    real = open(pidfile).read()
    with open(pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    p = d.ctl("doctor", check=False)
    with open(pidfile, "w") as f:
        f.write(real)
    t.ok(any(line.startswith("warn ") and "appforged master pid %d " % os.getpid() in line and "needs no root" in line
             for line in p.stdout.splitlines()), "doctor warns about an appforged running as root", p.stdout)

    os.chmod(os.path.join(d.state, "jwt.secret"), 0o644)
    p = d.ctl("doctor", check=False)
    t.ok(p.returncode == 1 and any(line.startswith("FAIL") and "JWT secret" in line for line in p.stdout.splitlines()),
         "doctor flags a group/world-readable JWT secret")
    os.chmod(os.path.join(d.state, "jwt.secret"), 0o600)

    # apps_domain must be a public suffix (libpsl), so that apps cannot share cookies.
    for apps, public, want, what in (
            ("localhost", "localhost", "ok   apps_domain localhost:", "the development default passes"),
            ("github.io", "appforge.example.org", "ok   apps_domain github.io:", "a listed public suffix passes"),
            ("apps.localhost", "localhost", "FAIL apps_domain apps.localhost:", "the old default fails"),
            ("apps.example.com", "example.com", "FAIL apps_domain apps.example.com:",
             "a plain subdomain fails"),
            ("apps.example.com", "example.com", "warn apps_domain apps.example.com and public_host "
             "example.com share the registrable domain example.com", "a shared registrable domain is warned")):
        conf = os.path.join(d.dir, "psl.conf")
        with open(conf, "w") as f:
            f.write("state_dir = %s\napps_domain = %s\npublic_host = %s\n" % (d.state, apps, public))
        p = subprocess.run([dharness.APPFORGECTL, "--config", conf, "doctor"], capture_output=True,
                           text=True, timeout=120)
        t.ok(any(line.startswith(want) for line in p.stdout.splitlines()),
             "doctor, apps_domain %s: %s" % (apps, what), p.stdout)


if __name__ == "__main__":
    sys.exit(main())

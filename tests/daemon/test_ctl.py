"""test_ctl.py: appforgectl against a temporary state dir: init (idempotent, modes,
certificate names), users, tokens that work against the daemon, app listing, user
deletion erasing apps, config output, doctor's output shape, and exit codes 0/1/2."""
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dharness  # noqa: E402
from dharness import Daemon, Tap, app_files, sqlite_query  # noqa: E402


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def main():
    t = Tap()
    d = Daemon(workers=1)
    try:
        run(t, d)
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
    t.ok(mode(d.state) == 0o700, "state dir 0700")
    t.ok(mode(os.path.join(d.state, "jwt.secret")) == 0o600, "JWT secret 0600")
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
    os.makedirs(os.path.join(d.state, "apps", aid))  # as the supervisor would leave it
    p = d.ctl("apps", "--all", check=False)
    t.ok(p.returncode == 0 and aid in p.stdout and "cli-listed" in p.stdout and " alice " in p.stdout,
         "apps --all lists the app with its owner's name", p.stdout)
    p = d.ctl("apps", check=False)
    t.ok(p.returncode == 0 and aid not in p.stdout, "apps (running only) does not list a stopped app")

    p = d.ctl("user", "del", "alice", check=False)
    t.ok(p.returncode == 0, "user del: exit 0", p.stderr)
    t.ok(d.req("GET", "/api/me", token=token).status == 401, "the deleted user's token stops working")
    db = os.path.join(d.state, "appforge.db")
    t.ok(sqlite_query(db, "SELECT count(*) FROM apps WHERE id = ?", (aid,))[0][0] == 0, "their apps are erased")
    t.ok(not os.path.exists(os.path.join(d.state, "apps", aid)), "their app directories are removed")
    t.ok(d.ctl("user", "del", "alice", check=False).returncode == 1, "deleting again: exit 1")
    actions = [r[0] for r in sqlite_query(db, "SELECT action FROM audit WHERE actor LIKE 'cli:%'")]
    t.ok("user.create" in actions and "user.delete" in actions and "token.create" in actions,
         "CLI changes are audited with a cli: actor")

    p = d.ctl("config", check=False)
    kv = dict(line.split(" = ", 1) for line in p.stdout.splitlines() if " = " in line)
    t.ok(p.returncode == 0 and kv.get("state_dir") == d.state and kv.get("workers") == "1",
         "config prints key = value lines of the effective configuration")

    p = d.ctl("doctor", check=False)
    lines = p.stdout.strip().splitlines()
    body = lines[:-1]
    shape = all(line.startswith(("ok ", "FAIL ", "warn ")) for line in body)
    failed = any(line.startswith("FAIL") for line in body)
    t.ok(shape and len(body) >= 10, "doctor prints ok/FAIL/warn lines", p.stdout)
    t.ok(p.returncode == (1 if failed else 0), "doctor's exit status matches its FAIL lines")
    t.ok(any("integrity_check ok" in line for line in body), "doctor checks the database integrity")
    for line in body:
        if line.startswith("FAIL"):
            t.diag("doctor on this host: " + line)
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

"""test_env.py: an app's environment variables through appforged's FastCGI socket (no
nginx, no sandbox): PUT/GET /api/apps/{id}/env with good and bad input, values sealed
in the database (never in clear), the key file made by `appforgectl init`, and the
values redacted from the logs the API serves."""
import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon  # noqa: E402

SECRET = "s3cr3t-Value-7f1d9c"


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def main():
    return run_daemon(run, workers=2)


def put_env(d, app, tok, body, raw=False):
    data = body if raw else json.dumps(body).encode()
    return d.req("PUT", "/api/apps/%s/env" % app, data, token=tok,
                 headers={"Content-Type": "application/json"})


def run(t, d):
    key = os.path.join(d.state, "secrets.key")
    st = os.stat(key)
    t.ok(stat.S_ISREG(st.st_mode) and st.st_size == 32 and (st.st_mode & 0o777) == 0o600,
         "appforgectl init made secrets.key: 32 bytes, mode 0600")

    alice, bob = d.login("alice"), d.login("bob")
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "envtest"}, token=alice)
    t.eq(r.status, 201, "create an app")
    app = r.json()["id"]

    r = d.req("GET", "/api/apps/%s/env" % app, token=alice)
    t.ok(r.status == 200 and r.json() == {"vars": []}, "GET env of a new app: no vars")

    r = put_env(d, app, alice, {"vars": {"API_KEY": SECRET, "GREETING": "hello there", "EMPTY": ""}})
    t.eq(r.status, 200, "PUT env 200")
    body = r.json() if r.status == 200 else {}
    names = [v["name"] for v in body.get("vars", [])]
    t.eq(names, ["API_KEY", "EMPTY", "GREETING"], "PUT answers the names, sorted")
    t.ok(all(set(v) == {"name", "set_at"} and v["set_at"] for v in body.get("vars", [])),
         "each var has only name and set_at")
    t.ok(SECRET.encode() not in r.body and b"hello there" not in r.body, "PUT's answer holds no value")

    r = d.req("GET", "/api/apps/%s/env" % app, token=alice)
    t.ok(r.status == 200 and [v["name"] for v in r.json()["vars"]] == names, "GET lists the names")
    t.ok(SECRET.encode() not in r.body, "GET holds no value")

    # the database and the audit log: no clear value anywhere in the files
    blobs = b""
    for suffix in ("", "-wal"):
        p = os.path.join(d.state, "appforge.db" + suffix)
        if os.path.exists(p):
            blobs += open(p, "rb").read()
    t.ok(b"API_KEY" in blobs, "the database holds the names")
    t.ok(SECRET.encode() not in blobs and b"hello there" not in blobs,
         "the database file (and its WAL) holds no clear value")
    t.ok(SECRET not in d.log(), "the daemon's log holds no value")

    # null keeps a value; a missing name drops it
    r = put_env(d, app, alice, {"vars": {"API_KEY": None, "OTHER": "x"}})
    t.ok(r.status == 200 and [v["name"] for v in r.json()["vars"]] == ["API_KEY", "OTHER"],
         "null keeps API_KEY, GREETING and EMPTY dropped")
    r = put_env(d, app, alice, {"vars": {"NOPE": None}})
    t.ok(is_error(r, 400, "invalid_request"), "null for an unknown name: 400")

    # bad input: 400 and nothing changed
    bad = [
        ({"vars": {"A=B": "x"}}, "a name with ="),
        ({"vars": {"lower": "x"}}, "a lower-case name"),
        ({"vars": {"1ABC": "x"}}, "a name starting with a digit"),
        ({"vars": {"": "x"}}, "an empty name"),
        ({"vars": {"N" * 65: "x"}}, "a name of 65 bytes"),
        ({"vars": {"PORT": "1"}}, "PORT"),
        ({"vars": {"NODE_OPTIONS": "--inspect"}}, "NODE_OPTIONS"),
        ({"vars": {"LD_PRELOAD": "/x.so"}}, "LD_PRELOAD"),
        ({"vars": {"LISTEN_FDS": "3"}}, "LISTEN_FDS"),
        ({"vars": {"DATA_DIR": "/"}}, "DATA_DIR"),
        ({"vars": {"A": "x" * 4097}}, "a value of 4097 bytes"),
        ({"vars": {"A": "bell\u0007"}}, "a control character in a value"),
        ({"vars": {"A": 5}}, "a number value"),
        ({"vars": {"A": ["x"]}}, "an array value"),
        ({"vars": {("V%d" % i): "x" for i in range(65)}}, "65 variables"),
        ({"vars": {("V%d" % i): "x" * 4000 for i in range(9)}}, "36 KB in all"),
        ({"vars": []}, "vars an array"),
        ({"env": {}}, "no vars member"),
        ({"vars": {}, "x": 1}, "an unknown member"),
    ]
    for body, what in bad:
        r = put_env(d, app, alice, body)
        t.ok(is_error(r, 400, "invalid_request"), "%s: 400 invalid_request (got %d)" % (what, r.status))
    for raw, what in [(b'{"vars":{"A\\u0000B":"x"}}', "a NUL in a name"),
                      (b'{"vars":{"A":"x\\u0000y"}}', "a NUL in a value"),
                      (b'{"vars":', "truncated JSON")]:
        r = put_env(d, app, alice, raw, raw=True)
        t.ok(is_error(r, 400), "%s: 400 (got %d)" % (what, r.status))
    r = d.req("GET", "/api/apps/%s/env" % app, token=alice)
    t.eq([v["name"] for v in r.json()["vars"]], ["API_KEY", "OTHER"], "bad PUTs changed nothing")

    ok64 = {("V%d" % i): "y" * 500 for i in range(64)}
    r = put_env(d, app, alice, ok64)
    t.ok(is_error(r, 400), "vars missing: 400")
    r = put_env(d, app, alice, {"vars": ok64})
    t.ok(r.status == 200 and len(r.json()["vars"]) == 64, "64 variables of 500 bytes: 200")

    # someone else's app, an unknown app
    r = d.req("GET", "/api/apps/%s/env" % app, token=bob)
    t.ok(is_error(r, 404, "not_found"), "bob GETs alice's env: 404")
    r = put_env(d, app, bob, {"vars": {"X": "y"}})
    t.ok(is_error(r, 404, "not_found"), "bob PUTs alice's env: 404")
    r = d.req("GET", "/api/apps/aaaaaaaaaaaaaaaa/env", token=alice)
    t.ok(is_error(r, 404), "unknown app: 404")
    r = d.req("GET", "/api/apps/%s/env" % app)
    t.ok(is_error(r, 401), "no token: 401")
    r = d.req("DELETE", "/api/apps/%s/env" % app, token=alice)
    t.ok(is_error(r, 405), "DELETE env: 405")

    # the audit log names the variables, never a value
    r = put_env(d, app, alice, {"vars": {"API_KEY": SECRET, "SHORT": "abc"}})
    t.eq(r.status, 200, "PUT API_KEY and SHORT again")
    admin = d.login("admin")
    r = d.req("GET", "/api/admin/audit?action=app.env.set", token=admin)
    t.ok(r.status == 200 and b"API_KEY" in r.body and SECRET.encode() not in r.body,
         "audit: app.env.set names API_KEY, holds no value")

    # logs served by the API: values of >= 4 bytes redacted
    logdir = os.path.join(d.state, "log", "apps")
    os.makedirs(logdir, exist_ok=True)
    with open(os.path.join(logdir, app + ".log"), "w") as f:
        f.write("starting\nkey=%s twice %s%s\nshort abc stays\n" % (SECRET, SECRET, SECRET))
    r = d.req("GET", "/api/apps/%s/logs" % app, token=alice)
    text = r.body.decode() if r.status == 200 else ""
    t.ok(r.status == 200 and SECRET not in text, "logs: the secret is not served")
    t.ok("key=[redacted] twice [redacted][redacted]" in text, "logs: each occurrence redacted",
         text)
    t.ok("short abc stays" in text, "logs: a value under 4 bytes is left alone")

    # a deleted app takes its variables with it
    r = d.req("DELETE", "/api/apps/%s" % app, token=alice)
    t.ok(r.status in (200, 204), "delete the app")
    from dharness import sqlite_query
    rows = sqlite_query(d.db_path,
                        "SELECT count(*) FROM app_env WHERE app_id = ?", (app,))
    t.eq(rows[0][0], 0, "its variables are gone")


if __name__ == "__main__":
    sys.exit(main())

"""test_api.py: the API through appforged's FastCGI socket (no nginx): the happy paths
of API.md, authentication, ownership, quotas, audit, and every kind of bad input
answered with a JSON 4xx."""
import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon  # noqa: E402

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return (r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)
            and r.header("content-type", "").startswith("application/json"))


def forge_jwt(d, claims, alg="HS256"):
    """A JWT signed with the instance's own secret (what a leaked-but-valid token or an
    external issuer could present)."""
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    key = open(os.path.join(d.state, "jwt.secret"), "rb").read().strip()
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
    return head + "." + body + "." + sig


def main():
    return run_daemon(run, workers=2, extra_conf="quota_apps = 3\n")


def run(t, d):
    # --- health, headers ---
    r = d.req("GET", "/api/health")
    t.ok(r.status == 200 and r.json() == {"status": "ok"}, "health 200 {\"status\":\"ok\"}")
    t.ok(re.match(r"^[0-9a-f]{32}$", r.header("x-request-id", "")), "X-Request-Id generated")
    t.ok(r.header("cache-control") == "no-store", "Cache-Control: no-store")
    r = d.req("GET", "/api/health", extra={"REQUEST_ID": "nginx-req-0001"})
    t.ok(r.header("x-request-id") == "nginx-req-0001", "REQUEST_ID from nginx is echoed")
    r = d.req("GET", "/api/health", extra={"REQUEST_ID": "bad id\x01"})
    t.ok(re.match(r"^[0-9a-f]{32}$", r.header("x-request-id", "")), "invalid REQUEST_ID replaced")

    # --- login ---
    r = d.req("POST", "/api/auth/login", {"username": "alice", "password": "alice-password-1"})
    body = r.json()
    t.ok(r.status == 200 and body["token_type"] == "Bearer" and body["token"].count(".") == 2
         and RFC3339.match(body["expires_at"]), "login returns a JWT")
    alice = body["token"]
    wrong_pw = d.req("POST", "/api/auth/login", {"username": "alice", "password": "nope-nope-nope"})
    no_user = d.req("POST", "/api/auth/login", {"username": "mallory", "password": "nope-nope-nope"})
    t.ok(is_error(wrong_pw, 401, "invalid_credentials") and is_error(no_user, 401, "invalid_credentials")
         and wrong_pw.json() == no_user.json(), "wrong password and unknown user: same 401 answer")
    t.ok(is_error(d.req("POST", "/api/auth/login", {"username": "alice"}), 400, "invalid_request"),
         "login without password: 400")
    t.ok(is_error(d.req("POST", "/api/auth/login", {"username": 5, "password": "x"}), 400),
         "login with a number as username: 400")
    bob = d.login("bob")
    admin = d.login("admin")

    # --- auth failures ---
    r = d.req("GET", "/api/me")
    t.ok(is_error(r, 401, "unauthorized") and r.header("www-authenticate") == "Bearer",
         "no token: 401 with WWW-Authenticate: Bearer")
    for bad in ("garbage", alice[:-3] + "xyz", "afk_" + "A" * 43, "a.b.c"):
        r = d.req("GET", "/api/me", token=bad)
        t.ok(is_error(r, 401, "unauthorized"), "bad bearer %r...: 401" % bad[:12])
    r = d.req("GET", "/api/me", headers={"Authorization": "Basic YWxpY2U6eA=="})
    t.ok(is_error(r, 401), "Basic auth: 401")

    # --- parameters: the worker indexes the first 96 and asks libfcgi for the rest ---
    pads = {"X-Pad-%03d" % i: "v" for i in range(130)}
    r = d.req("GET", "/api/me", headers=dict(pads, **{"Authorization-X": "no",
                                                        "Authorization": "Bearer " + alice}),
              extra={"REQUEST_ID": None})
    t.ok(r.status == 200 and r.json().get("username") == "alice",
         "Authorization after 150 other parameters is found (past the index)", r)
    r = d.req("GET", "/api/health", headers=pads, extra={"REQUEST_ID_X": "x", "REQUEST_ID": "late-id-1"})
    t.ok(r.status == 200 and r.header("x-request-id") == "late-id-1",
         "REQUEST_ID past the index is read, not the longer REQUEST_ID_X before it", r)
    r = d.req("GET", "/api/me", headers={"Authorization-X": "Bearer " + alice})
    t.ok(is_error(r, 401), "a name that only starts with another's is not that parameter")

    # --- the database wins over the token's claims ---
    now = int(time.time())
    base = {"iss": "appforge", "aud": "appforge-api", "iat": now, "exp": now + 600}
    alice_sub = d.req("GET", "/api/me", token=alice).json()["id"]
    r = d.req("GET", "/api/me", token=forge_jwt(d, dict(base, sub=alice_sub)))
    t.ok(r.status == 200 and r.json()["username"] == "alice", "a correctly signed JWT is accepted (control)")
    r = d.req("GET", "/api/admin/users", token=forge_jwt(d, dict(base, sub=alice_sub, role="admin")))
    t.ok(is_error(r, 403, "forbidden"), "role=admin claim for a user the database calls 'user': 403")
    r = d.req("GET", "/api/me", token=forge_jwt(d, dict(base, sub="u_0000000000000000")))
    t.ok(is_error(r, 401), "JWT of a user the database does not know: 401")
    r = d.req("GET", "/api/me", token=forge_jwt(d, dict(base, sub=alice_sub, exp=now - 3600)))
    t.ok(is_error(r, 401), "expired JWT: 401")
    r = d.req("GET", "/api/me", token=forge_jwt(d, dict(base, sub=alice_sub, aud="other")))
    t.ok(is_error(r, 401), "JWT for another audience: 401")
    r = d.req("GET", "/api/me", token=forge_jwt(d, dict(base, sub=alice_sub), alg="HS512"))
    t.ok(is_error(r, 401), "JWT with another alg in its header: 401")
    con = sqlite3.connect(d.db_path, timeout=10)
    con.execute("UPDATE users SET disabled = 1 WHERE username = 'bob'")
    con.commit()
    r = d.req("GET", "/api/me", token=bob)
    t.ok(is_error(r, 401), "a disabled user's JWT is rejected at once")
    r = d.req("POST", "/api/auth/login", {"username": "bob", "password": "bob-password-12"})
    t.ok(is_error(r, 401, "invalid_credentials"), "a disabled user cannot log in")
    con.execute("UPDATE users SET disabled = 0 WHERE username = 'bob'")
    con.commit()
    con.close()
    t.ok(d.req("GET", "/api/me", token=bob).status == 200, "re-enabled: the same JWT works again")

    # --- me ---
    r = d.req("GET", "/api/me", token=alice)
    me = r.json()
    t.ok(r.status == 200 and me["username"] == "alice" and me["role"] == "user" and me["id"].startswith("u_")
         and me["quota"]["apps"] == 3 and me["quota"]["apps_used"] == 0, "GET /api/me with quota")
    alice_id = me["id"]

    # --- API tokens ---
    r = d.req("POST", "/api/tokens", {"name": "ci", "days": 7}, token=alice)
    tok = r.json()
    t.ok(r.status == 201 and tok["token"].startswith("afk_") and tok["name"] == "ci"
         and RFC3339.match(tok["expires_at"]) and tok["id"].startswith("tok_"), "POST /api/tokens: 201 afk_ token")
    r = d.req("GET", "/api/me", token=tok["token"])
    t.ok(r.status == 200 and r.json()["id"] == alice_id, "API token authenticates")
    r = d.req("GET", "/api/tokens", token=alice)
    lst = r.json()["tokens"]
    t.ok(r.status == 200 and len(lst) == 1 and "token" not in lst[0] and lst[0]["id"] == tok["id"],
         "GET /api/tokens lists without the secret")
    raw = b""
    for suffix in ("", "-wal"):
        try:
            with open(os.path.join(d.state, "appforge.db" + suffix), "rb") as f:
                raw += f.read()
        except OSError:
            pass
    t.ok(raw and tok["token"].encode() not in raw and tok["token"][4:].encode() not in raw,
         "the token secret is not stored in clear (database and WAL bytes)")
    t.ok(is_error(d.req("DELETE", "/api/tokens/" + tok["id"], token=bob), 404, "not_found"),
         "another user cannot revoke the token: 404")
    t.ok(d.req("DELETE", "/api/tokens/" + tok["id"], token=alice).status == 204, "DELETE token: 204")
    t.ok(is_error(d.req("GET", "/api/me", token=tok["token"]), 401), "revoked token stops working at once")
    t.ok(d.req("GET", "/api/tokens", token=alice).json()["tokens"] == [], "a revoked token leaves the list")
    t.ok(is_error(d.req("POST", "/api/tokens", {"days": 0}, token=alice), 400), "token days 0: 400")
    t.ok(is_error(d.req("POST", "/api/tokens", {"days": "7"}, token=alice), 400), "token days as string: 400")
    t.ok(is_error(d.req("POST", "/api/tokens", {"nmae": "x"}, token=alice), 400), "unknown field: 400")

    # --- apps ---
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "Todo list"}, token=alice)
    app = r.json()
    t.ok(r.status == 201 and re.match(r"^[a-z][a-z0-9]{15}$", app["id"]) and app["name"] == "Todo list"
         and app["status"] == "ready" and app["owner"] == alice_id, "POST /api/apps with files: 201")
    t.ok(app["url"] == "https://%s.localhost:8443/" % app["id"], "app url on its own origin")
    t.ok(app["scan"] == {"verdict": "pass", "findings": []}, "scan object present")
    t.ok(app["run"]["state"] == "stopped" and app["run"]["port"] is None, "run state stopped")
    t.ok(RFC3339.match(app["created_at"]) and RFC3339.match(app["updated_at"]), "timestamps RFC 3339")
    aid = app["id"]
    r = d.req("POST", "/api/apps", {"files": app_files()}, token=alice)
    t.ok(r.status == 201 and r.json()["name"], "name defaults")
    second = r.json()["id"]
    r = d.req("GET", "/api/apps/" + aid, token=alice)
    t.ok(r.status == 200 and r.json()["id"] == aid, "GET one app")
    r = d.req("GET", "/api/apps/" + aid, token=bob)
    missing = d.req("GET", "/api/apps/zzzzzzzzzzzzzzzz", token=bob)
    t.ok(is_error(r, 404, "not_found") and r.json() == missing.json(),
         "another user's app is answered exactly like a missing one")
    t.ok(is_error(d.req("DELETE", "/api/apps/" + aid, token=bob), 404), "bob cannot delete alice's app")
    r = d.req("GET", "/api/apps/" + aid + "/files", token=alice)
    t.ok(r.status == 200 and r.json()["files"] == app_files(), "GET files returns them")
    newfiles = app_files({"public/index.html": "<h1>hi</h1>"})
    r = d.req("PUT", "/api/apps/" + aid + "/files", {"files": newfiles}, token=alice)
    t.ok(r.status == 200 and r.json()["id"] == aid, "PUT files: 200 app")
    t.ok(d.req("GET", "/api/apps/" + aid + "/files", token=alice).json()["files"] == newfiles, "files replaced")
    t.ok(is_error(d.req("PUT", "/api/apps/" + aid + "/files", {"files": newfiles}, token=bob), 404),
         "bob cannot replace alice's files")

    r = d.req("GET", "/api/apps?limit=1", token=alice)
    page1 = r.json()
    t.ok(r.status == 200 and len(page1["apps"]) == 1 and page1["apps"][0]["id"] == second
         and page1["next_cursor"], "list newest first with a cursor")
    r = d.req("GET", "/api/apps?limit=1&cursor=" + page1["next_cursor"], token=alice)
    page2 = r.json()
    t.ok(r.status == 200 and [a["id"] for a in page2["apps"]] == [aid] and page2["next_cursor"] is None,
         "second page ends the list")
    t.ok(d.req("GET", "/api/apps", token=bob).json()["apps"] == [], "bob sees none of alice's apps")
    for q in ("limit=0", "limit=101", "limit=abc", "limit=1&limit=2", "limit=%zz"):
        t.ok(is_error(d.req("GET", "/api/apps?" + q, token=alice), 400), "list ?%s: 400" % q)
    t.ok(is_error(d.req("GET", "/api/apps?cursor=notacursor", token=alice), 400), "bogus cursor: 400")

    # the code scanner: a blocking finding makes the app "blocked"; new files re-scan
    evil = {"server.js": "const cp = require('child_process');\ncp.exec('id');\n"}
    r = d.req("POST", "/api/apps", {"files": evil, "name": "evil"}, token=bob)
    b = r.json()
    f = b["scan"]["findings"]
    t.ok(r.status == 201 and b["status"] == "blocked" and b["scan"]["verdict"] == "block"
         and any(x["rule"] == "child-process" and x["file"] == "server.js" and x["line"] == 1 for x in f),
         "child_process: status blocked, finding names rule, file and line", r)
    r = d.req("PUT", "/api/apps/%s/files" % b["id"], {"files": app_files()}, token=bob)
    t.ok(r.status == 200 and r.json()["status"] == "ready" and r.json()["scan"] == {"verdict": "pass", "findings": []},
         "clean files replace them: re-scanned, ready")
    t.ok(d.req("GET", "/api/apps/" + b["id"], token=bob).json()["scan"]["verdict"] == "pass", "the new verdict is stored")
    t.ok(d.req("DELETE", "/api/apps/" + b["id"], token=bob).status == 204, "bob deletes his app")

    # quota: 3 apps
    r = d.req("POST", "/api/apps", {"files": app_files()}, token=alice)
    t.ok(r.status == 201, "third app created")
    third = r.json()["id"]
    t.ok(is_error(d.req("POST", "/api/apps", {"files": app_files()}, token=alice), 403, "quota_exceeded"),
         "fourth app: 403 quota_exceeded")

    # running is tests/lifecycle's; here only what needs no sandbox
    t.ok(is_error(d.req("POST", "/api/apps/" + aid + "/run", token=bob), 404), "run of a foreign app: 404")
    t.ok(is_error(d.req("POST", "/api/apps", {"prompt": "a todo list"}, token=alice), 403, "quota_exceeded"),
         "prompt generation counts against the app quota: 403")

    t.ok(d.req("DELETE", "/api/apps/" + third, token=alice).status == 204, "DELETE app: 204")
    t.ok(is_error(d.req("GET", "/api/apps/" + third, token=alice), 404), "deleted app: 404")
    t.ok(is_error(d.req("GET", "/api/apps/" + third + "/files", token=alice), 404), "deleted app files: 404")
    t.ok(is_error(d.req("DELETE", "/api/apps/" + third, token=alice), 404), "second delete: 404")

    # --- bad inputs ---
    bad_bodies = [
        (b"{", "truncated JSON"), (b"", "empty body"), (b"[]", "array body"), (b"12", "bare number"),
        (b"{\"files\": {\"server.js\": \"x\"}} trailing", "trailing garbage"),
        (b"{'files': 1}", "single quotes"), (b"{\"files\": NaN}", "NaN"),
        (b"{\"a\":1,\"a\":2}", "duplicate keys"), (b"\xff\xfe{}", "invalid UTF-8"),
        (b"{\"files\": {\"server.js\": \"x\0y\"}}", "NUL inside"),
        (b"[" * 5000 + b"]" * 5000, "deep nesting"),
    ]
    for body, what in bad_bodies:
        r = d.req("POST", "/api/apps", body, token=alice, headers={"Content-Type": "application/json"})
        t.ok(is_error(r, 400), "POST /api/apps %s: JSON 400" % what, r)
    bad_shapes = [
        ({"files": "server.js"}, "files as string"), ({"files": []}, "files as array"),
        ({"files": {}}, "no server.js"), ({"files": {"server.js": 5}}, "content as number"),
        ({"files": {"../x.js": "x", "server.js": "x"}}, "path traversal"),
        ({"files": {"/etc/passwd": "x", "server.js": "x"}}, "absolute path"),
        ({"files": app_files(), "name": 7}, "name as number"),
        ({"files": app_files(), "name": "a\nb"}, "control character in name"),
        ({"files": app_files(), "name": "x" * 101}, "name too long"),
        ({"files": app_files(), "prompt": "x"}, "files and prompt"),
        ({"name": "x"}, "neither files nor prompt"), ({"prompt": 12}, "prompt as number"),
        ({"files": app_files(), "evil": 1}, "unknown field"),
    ]
    for body, what in bad_shapes:
        t.ok(is_error(d.req("POST", "/api/apps", body, token=alice), 400), "POST /api/apps %s: 400" % what)
    r = d.req("POST", "/api/apps", b"files=1", token=alice,
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.ok(is_error(r, 415), "form-encoded body: 415")
    r = d.req("POST", "/api/apps", b"x" * (1024 * 1024 + 1), token=alice, headers={"Content-Type": "application/json"})
    t.ok(is_error(r, 413, "payload_too_large"), "body over 1 MiB: 413")
    r = d.req("POST", "/api/apps", b"{}", token=alice, extra={"CONTENT_LENGTH": "99999999999999999999"})
    t.ok(is_error(r, 413), "absurd Content-Length: 413")
    r = d.req("POST", "/api/apps", b"{}", token=alice, extra={"CONTENT_LENGTH": "12x"})
    t.ok(is_error(r, 400), "malformed Content-Length: 400")
    r = d.req("POST", "/api/apps", b"{}", token=alice, extra={"CONTENT_LENGTH": "50"})
    t.ok(is_error(r, 400), "body shorter than Content-Length: 400")
    for path in ("/api/apps/AAAAAAAAAAAAAAAA", "/api/apps/short", "/api/apps/..%2F..%2Fetc%2Fpasswd",
                 "/api/apps/" + aid + "x", "/api/apps/" + aid[:-1] + "'"):
        t.ok(is_error(d.req("GET", path, token=alice), 404, "not_found"), "invalid app id %s: 404" % path[10:26])
    t.ok(is_error(d.req("GET", "/api/nothing", token=alice), 404), "unknown route: 404")
    t.ok(is_error(d.req("GET", "/"), 404), "root: 404 JSON")
    r = d.req("PUT", "/api/apps/" + aid, token=alice)
    t.ok(is_error(r, 405, "method_not_allowed") and r.header("allow") == "GET, DELETE, PATCH",
         "PUT app: 405 with Allow (PATCH renames, test_appcopy.py)")
    r = d.req("GET", "/api/" + "a" * 9000)
    t.ok(is_error(r, 414), "9000-byte URI: 414")
    t.ok(d.req("GET", "/api/health").status == 200, "daemon still healthy after the bad inputs")

    # --- nginx's resolve for the apps origin ---
    def resolve(app_id, **kw):
        return d.req("GET", "/internal/resolve?app=" + app_id, extra={"APP_ID": app_id}, **kw)
    t.ok(is_error(resolve(aid), 403, "private"),
         "resolve of a new (private) app without its cookie: 403 (test_private.py)")
    r = d.req("PATCH", "/api/apps/" + aid, {"visibility": "public"}, token=alice)
    t.eq(r.status, 200, "make it public")
    t.ok(is_error(resolve(aid), 503, "not_running"), "resolve of a stopped public app: 503")
    t.ok(is_error(resolve("zzzzzzzzzzzzzzzz"), 404), "resolve of a missing app: 404")
    t.ok(is_error(resolve("../etc/passwd"), 404), "resolve of a non-id: 404")
    r = d.req("GET", "/internal/resolve?app=" + aid, headers={"App-Id": aid})
    t.ok(is_error(r, 404), "resolve without nginx's APP_ID parameter (a client header): 404")

    # --- admin ---
    t.ok(is_error(d.req("GET", "/api/admin/users", token=alice), 403, "forbidden"), "non-admin on admin route: 403")
    r = d.req("GET", "/api/admin/users", token=admin)
    names = sorted(u["username"] for u in r.json()["users"])
    t.ok(r.status == 200 and names == ["admin", "alice", "bob"], "admin lists users")
    t.ok(b"argon2" not in r.body, "no password hashes in the user list")
    r = d.req("POST", "/api/admin/users", {"username": "carol", "password": "carol-password-1"}, token=admin)
    carol = r.json()
    t.ok(r.status == 201 and carol["username"] == "carol" and carol["role"] == "user", "admin creates a user")
    t.ok(is_error(d.req("POST", "/api/admin/users", {"username": "carol", "password": "carol-password-1"},
                        token=admin), 409), "duplicate username: 409")
    t.ok(is_error(d.req("POST", "/api/admin/users", {"username": "dave", "password": "short"}, token=admin), 400),
         "weak password: 400")
    t.ok(is_error(d.req("POST", "/api/admin/users", {"username": "../x", "password": "long-enough-1"},
                        token=admin), 400), "bad username: 400")
    t.ok(is_error(d.req("POST", "/api/admin/users", {"username": "eve", "password": "long-enough-1",
                                                    "role": "root"}, token=admin), 400), "unknown role: 400")
    r = d.req("POST", "/api/auth/login", {"username": "carol", "password": "carol-password-1"})
    carol_tok = r.json()["token"]
    r = d.req("POST", "/api/apps", {"files": app_files()}, token=carol_tok)
    carol_app = r.json()["id"]
    r = d.req("GET", "/api/admin/apps?limit=100", token=admin)
    ids = [a["id"] for a in r.json()["apps"]]
    t.ok(r.status == 200 and aid in ids and carol_app in ids, "admin lists every user's apps")
    t.ok(d.req("DELETE", "/api/admin/users/" + carol["id"], token=admin).status == 204, "admin deletes carol")
    t.ok(is_error(d.req("GET", "/api/me", token=carol_tok), 401), "deleted user's JWT is rejected")
    t.ok(carol_app not in [a["id"] for a in d.req("GET", "/api/admin/apps", token=admin).json()["apps"]],
         "deleting a user erased their apps")
    t.ok(is_error(d.req("DELETE", "/api/admin/users/" + carol["id"], token=admin), 404), "second delete: 404")
    t.ok(is_error(d.req("DELETE", "/api/admin/users/not-a-user", token=admin), 404), "bad user id: 404")
    t.ok(d.req("DELETE", "/api/admin/apps/" + second, token=admin).status == 204, "admin deletes an app")
    t.ok(is_error(d.req("GET", "/api/apps/" + second, token=alice), 404), "admin-deleted app is gone")

    r = d.req("GET", "/api/admin/sandboxes", token=admin)
    t.ok(r.status == 200 and r.json() == {"sandboxes": []}, "admin sandboxes: none running")
    r = d.req("GET", "/api/admin/audit?limit=100", token=admin)
    ev = r.json()["events"]
    actions = [e["action"] for e in ev]
    t.ok(r.status == 200 and "app.create" in actions and "app.delete" in actions and "user.delete" in actions
         and "token.create" in actions and "token.revoke" in actions, "audit has the state changes")
    create = [e for e in ev if e["action"] == "app.create" and e["target"] == aid]
    t.ok(len(create) == 1 and create[0]["actor"] == alice_id and re.match(r"^[0-9a-f]{32}$", create[0]["request_id"]),
         "audit event names actor, target and request id")
    r = d.req("GET", "/api/admin/audit?action=app.delete&actor=" + alice_id, token=admin)
    t.ok(r.status == 200 and r.json()["events"] and all(e["action"] == "app.delete" and e["actor"] == alice_id
                                                        for e in r.json()["events"]), "audit filters")
    r = d.req("GET", "/api/admin/audit?since=2999-01-01T00:00:00Z", token=admin)
    t.ok(r.status == 200 and r.json()["events"] == [], "audit since the future: empty")
    for q in ("since=yesterday", "limit=0", "limit=1001", "actor=", "action=a%20b"):
        t.ok(is_error(d.req("GET", "/api/admin/audit?" + q, token=admin), 400), "audit ?%s: 400" % q)
    throttle_and_sessions(t, d)


def sqlite_query_one(path, sql):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def fail_login(d, name, addr):
    return d.req("POST", "/api/auth/login", {"username": name, "password": "wrong-password-1"},
                 extra={"REMOTE_ADDR": addr}).status


def throttle_and_sessions(t, d):
    # The throttle lives in the database: the two workers share it.
    seen = [fail_login(d, "shared-name", "10.1.0.%d" % i) for i in range(6)]
    t.ok(seen == [401] * 5 + [429], "the account throttle holds across workers and addresses", seen)
    # IPv6 clients are counted by their /64.
    seen = [fail_login(d, "v6-%d" % i, "2001:db8::%x" % (i + 1)) for i in range(20)]
    t.ok(seen == [401] * 20 and fail_login(d, "v6-x", "2001:db8::ffff") == 429
         and fail_login(d, "v6-y", "2001:db8:0:1::1") == 401,
         "twenty failures from one IPv6 /64 throttle that /64 only", seen)
    # Without a client address only the account is counted.
    seen = [fail_login(d, "noaddr-%d" % i, None) for i in range(22)]
    t.eq(seen, [401] * 22, "requests without REMOTE_ADDR are not lumped together")

    # The session cookie through FastCGI.
    r = d.req("POST", "/api/auth/login", {"username": "alice", "password": "alice-password-1"})
    cookie = (r.header("set-cookie") or "").split(";")[0]
    t.ok(r.status == 200 and cookie.startswith("__Host-af_refresh=afr_"), "login sets the cookie", r.headers)
    h = {"Cookie": cookie, "X-Requested-With": "appforge", "Origin": "https://localhost:8443"}
    r = d.req("POST", "/api/auth/refresh", headers=h)
    t.ok(r.status == 200 and r.json().get("token") and r.header("set-cookie", "").split(";")[0] != cookie,
         "refresh rotates the cookie", r)
    r = d.req("POST", "/api/auth/refresh", headers=dict(h, Origin="https://localhost.evil:8443"))
    t.ok(is_error(r, 403, "forbidden"), "refresh from a look-alike origin: 403")
    r = d.req("POST", "/api/auth/refresh", headers=dict(h, Origin="https://localhost:8443x"))
    t.ok(is_error(r, 403, "forbidden"), "refresh from a host with a bad port: 403")
    r = d.req("POST", "/api/auth/refresh", headers=dict(h, Cookie=cookie + "; " + cookie))
    t.ok(is_error(r, 401, "unauthorized"), "the cookie given twice: 401")
    r = d.req("POST", "/api/auth/refresh", headers=h)
    t.ok(is_error(r, 401, "unauthorized"), "the rotated cookie again: 401")

    # Ends of a session: idle too long, past its absolute end, or beyond the 20 newest.
    db = d.db_path

    def fresh_cookie():
        r = d.req("POST", "/api/auth/login", {"username": "alice", "password": "alice-password-1"})
        return (r.header("set-cookie") or "").split(";")[0]

    def refresh_with(cookie):
        return d.req("POST", "/api/auth/refresh", headers=dict(h, Cookie=cookie))

    def set_session(cookie, sql):
        con = sqlite3.connect(db, timeout=10)
        con.execute(sql + " WHERE id = ?", (cookie.split("=", 1)[1][4:20],))
        con.commit()
        con.close()
    c1 = fresh_cookie()
    set_session(c1, "UPDATE sessions SET refreshed_at = refreshed_at - 8 * 86400")
    t.ok(is_error(refresh_with(c1), 401), "a session idle for 8 days no longer refreshes")
    c2 = fresh_cookie()
    set_session(c2, "UPDATE sessions SET expires_at = strftime('%s', 'now') - 1")
    t.ok(is_error(refresh_with(c2), 401), "a session past its absolute end no longer refreshes")
    first = fresh_cookie()
    for _ in range(20):
        last = fresh_cookie()
    t.ok(is_error(refresh_with(first), 401) and refresh_with(last).status == 200,
         "a 21st login revokes the least recently used of 20 live sessions")
    n = sqlite_query_one(db, "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                         " WHERE u.username = 'alice' AND s.revoked_at IS NULL")
    t.eq(n, 20, "alice has 20 live sessions")


if __name__ == "__main__":
    sys.exit(main())

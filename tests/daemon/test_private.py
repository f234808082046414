#!/usr/bin/env python3
"""test_private.py: private apps through appforged's FastCGI socket (no nginx, no
sandbox), playing nginx's two requests on an app's origin: the resolve
(/internal/resolve with APP_ID and the Cookie header) and the session door
(/internal/app-session with APP_ID, nginx's /__appforge/session).

PATCH visibility (bad values 400, another user's app 404, audited); the app object
shows it; new apps private, existing ones public after the migration; POST .../open
(owner, admin, another user 404); the one-time code: single use, expiry, bound to its
app, its next path checked; the cookie it gives: HttpOnly, Secure, SameSite=Lax,
Path=/, no Domain, stored hashed, admitted only on its own app, ended by a password
change, a disabled user or a lost admin role; app.open and app.admin_access audited;
public apps open to all."""
import hashlib
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import PASSWORDS, app_files, run_daemon, sqlite_query, sqlite_write  # noqa: E402

COOKIE = "__Host-af_app"


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def main():
    return run_daemon(run, workers=2)


def resolve(d, app, cookie=None):
    extra = {"APP_ID": app}
    if cookie is not None:
        extra["HTTP_COOKIE"] = cookie
    return d.req("GET", "/internal/resolve?app=" + app, extra=extra)


def door(d, app, query):
    """nginx's /__appforge/session on app's origin."""
    return d.req("GET", "/internal/app-session?" + query, extra={"APP_ID": app})


def open_code(d, app, tok):
    """(response, code) of POST /api/apps/{app}/open."""
    r = d.req("POST", "/api/apps/%s/open" % app, token=tok)
    url = (r.json() or {}).get("url", "") if r.status == 200 else ""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return r, (q.get("code") or [""])[0]


def cookie_of(r):
    """(value, attributes in lower case) of the __Host-af_app cookie set by r."""
    for v in [r.header("set-cookie") or ""]:
        parts = [p.strip() for p in v.split(";")]
        name, _, value = parts[0].partition("=")
        if name == COOKIE:
            return value, [p.lower() for p in parts[1:]]
    return None, []


def session(d, app, tok):
    """A live cookie ("name=value") of app for tok's user."""
    _, code = open_code(d, app, tok)
    value, _ = cookie_of(door(d, app, "code=" + code))
    return "%s=%s" % (COOKIE, value)


def audit(d, action, target):
    return sqlite_query(d.db_path,
                        "SELECT actor, detail FROM audit WHERE action = ? AND target = ? ORDER BY id",
                        (action, target))


def visibility(t, d, alice, bob, app):
    r = d.req("GET", "/api/apps/" + app, token=alice)
    t.ok(r.status == 200 and r.json().get("visibility") == "private", "a new app is private", r)
    for bad in ("secret", "", "PUBLIC", 1, None, ["public"]):
        r = d.req("PATCH", "/api/apps/" + app, {"visibility": bad}, token=alice)
        t.ok(is_error(r, 400, "invalid_request"), "visibility %r: 400" % (bad,), r)
    r = d.req("PATCH", "/api/apps/" + app, {}, token=alice)
    t.ok(is_error(r, 400), "PATCH with no field: 400", r)
    r = d.req("PATCH", "/api/apps/" + app, {"visibility": "public"}, token=bob)
    t.ok(is_error(r, 404, "not_found"), "bob makes alice's app public: 404", r)
    r = d.req("PATCH", "/api/apps/" + app, {"visibility": "public", "name": "shared"}, token=alice)
    t.ok(r.status == 200 and r.json().get("visibility") == "public" and r.json().get("name") == "shared",
         "PATCH visibility and name at once: 200, the app object shows both", r)
    t.eq(len(audit(d, "app.visibility", app)), 1, "the change of visibility is audited")
    t.ok(resolve(d, app).status == 503, "a public app: no cookie needed (the resolve goes on: 503 "
         "not running)")
    r = d.req("PATCH", "/api/apps/" + app, {"visibility": "private"}, token=alice)
    t.ok(r.status == 200 and r.json().get("visibility") == "private", "back to private", r)
    r = resolve(d, app)
    t.ok(is_error(r, 403, "private") and "www-authenticate" not in dict(r.headers),
         "a private app without a cookie: the resolve says 403 private, before the run's state", r)


def opening(t, d, alice, bob, admin, app):
    r, code = open_code(d, app, alice)
    j = r.json() or {}
    t.ok(r.status == 200 and j.get("url", "").startswith(
        "https://%s.localhost:8443/__appforge/session?code=afo_" % app) and j.get("expires_at")
         and r.header("cache-control") == "no-store", "open by the owner: 200 {url, expires_at}", r)
    rows = sqlite_query(d.db_path,
                        "SELECT hash, kind, user_id FROM app_grants WHERE kind = 'code'")
    t.ok(any(h == hashlib.sha256(code.encode()).hexdigest() for h, _, _ in rows) and
         not any(code in json.dumps(row) for row in rows),
         "the database keeps the code's SHA-256, never the code", rows)
    t.ok(is_error(d.req("POST", "/api/apps/%s/open" % app, token=bob), 404, "not_found"),
         "open by another user: 404")
    t.ok(is_error(d.req("POST", "/api/apps/zzzzzzzzzzzzzzzz/open", token=alice), 404),
         "open of an app nobody has: 404")
    t.ok(is_error(d.req("POST", "/api/apps/%s/open" % app), 401), "open without a token: 401")

    r = door(d, app, "code=%s&next=%s" % (code, urllib.parse.quote("/items?x=1", safe="")))
    value, attrs = cookie_of(r)
    t.ok(r.status == 303 and r.header("location") == "/items?x=1" and value and value.startswith("afa_"),
         "the door trades the code for the cookie and sends the browser to next", r)
    t.ok(sorted(attrs) == sorted(["path=/", "max-age=43200", "secure", "httponly", "samesite=lax"]),
         "the cookie: Path=/, 12 h, Secure, HttpOnly, SameSite=Lax, no Domain", attrs)
    t.ok(r.header("cache-control") == "no-store" and r.header("referrer-policy") == "no-referrer",
         "the door's answer is not cached and leaks no referrer", r.headers)
    rows = sqlite_query(d.db_path,
                        "SELECT hash FROM app_grants WHERE kind = 'cookie'")
    t.ok([hashlib.sha256(value.encode()).hexdigest()] == [h for (h,) in rows],
         "the database keeps the cookie's SHA-256 only", rows)
    ev = audit(d, "app.open", app)
    t.ok(len(ev) == 1 and ev[0][0] == d.user_ids["alice"], "the code's use is audited as app.open by alice", ev)

    r = door(d, app, "code=" + code)
    t.ok(is_error(r, 403) and not cookie_of(r)[0], "the same code again: 403, no cookie", r)
    ck = "%s=%s" % (COOKIE, value)
    t.eq(resolve(d, app, "theme=dark; " + ck).status, 503,
         "the owner's cookie passes the resolve (then: not running)")
    t.ok(is_error(resolve(d, app, ck.replace("afa_", "afa_x")[:len(ck)]), 403, "private"),
         "a forged cookie: 403")
    t.ok(is_error(resolve(d, app, ck + "; " + ck), 403), "the cookie twice: 403")
    return ck


def embed(t, d, alice, app):
    """The frontend's preview frame: a code asked with {"embed": true} gives a cookie
    that works in a cross-site frame (SameSite=None, partitioned)."""
    r = d.req("POST", "/api/apps/%s/open" % app, {"embed": True}, token=alice)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit((r.json() or {}).get("url", "")).query).get("code", [""])[0]
    r = door(d, app, "code=" + code)
    value, attrs = cookie_of(r)
    t.ok(r.status == 303 and value and sorted(attrs) == sorted(
        ["path=/", "max-age=43200", "secure", "httponly", "samesite=none", "partitioned"]),
         "an embed code's cookie: SameSite=None; Partitioned (still Secure, HttpOnly, no Domain)", attrs)
    t.eq(resolve(d, app, "%s=%s" % (COOKIE, value)).status, 503, "it passes the resolve")
    r = d.req("POST", "/api/apps/%s/open" % app, {"embed": False}, token=alice)
    t.eq(r.status, 200, "open with {\"embed\": false}: 200")
    for bad in (b'{"embed":"yes"}', b'{"next":"/"}', b'[true]', b'{"embed":'):
        r = d.req("POST", "/api/apps/%s/open" % app, bad, token=alice,
                  headers={"Content-Type": "application/json"})
        t.ok(is_error(r, 400), "open with body %r: 400" % bad, r)


def admin_access(t, d, admin, app):
    r, code = open_code(d, app, admin)
    t.eq(r.status, 200, "an admin may open anyone's app")
    r = door(d, app, "code=" + code)
    value, _ = cookie_of(r)
    t.ok(r.status == 303 and r.header("location") == "/" and value, "the admin's code: a cookie, to /", r)
    ev = audit(d, "app.admin_access", app)
    t.ok(len(ev) == 1 and ev[0][0] == d.user_ids["admin"] and
         json.loads(ev[0][1]).get("owner") == d.user_ids["alice"],
         "an admin opening alice's app is audited as app.admin_access, with the owner", ev)
    return "%s=%s" % (COOKIE, value)


def bad_codes(t, d, alice, bob, app, other):
    db = d.db_path
    _, code = open_code(d, app, alice)
    r = door(d, other, "code=" + code)
    t.ok(is_error(r, 403) and not cookie_of(r)[0], "alice's code for app A on bob's origin B: 403", r)
    t.ok(is_error(door(d, app, "code=" + code), 403), "... and it is spent: refused on A too")
    _, code = open_code(d, app, alice)
    sqlite_write(db, "UPDATE app_grants SET expires_at = 1 WHERE hash = ?",
                 (hashlib.sha256(code.encode()).hexdigest(),))
    r = door(d, app, "code=" + code)
    t.ok(is_error(r, 403) and not cookie_of(r)[0], "an expired code: 403", r)
    _, code = open_code(d, app, alice)
    for nxt in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/a\r\nX: y", "x"):
        r = door(d, app, "code=%s&next=%s" % (code, urllib.parse.quote(nxt, safe="")))
        t.ok(is_error(r, 400, "invalid_request"), "next %r: 400" % nxt, r)
    r = door(d, app, "code=%s" % code)
    t.eq(r.status, 303, "a refused next did not spend the code")
    for q in ("", "code=", "code=afo_short", "code=" + "a" * 300, "code=%00"):
        t.ok(door(d, app, q).status in (400, 403), "a code %r: refused" % q[:20])
    r = d.req("GET", "/internal/app-session?code=" + code)
    t.ok(is_error(r, 404), "the door without nginx's APP_ID: 404", r)
    t.ok(is_error(d.req("POST", "/internal/app-session?code=x", extra={"APP_ID": app}), 405),
         "POST to the door: 405")


def run(t, d):
    alice, bob, admin = d.login("alice"), d.login("bob"), d.login("admin")
    d.user_ids = {u: d.req("GET", "/api/me", token=d.login(u)).json()["id"] for u in ("alice", "bob", "admin")}
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "mine"}, token=alice)
    t.eq(r.status, 201, "alice creates an app")
    app = r.json()["id"]
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "bobs"}, token=bob)
    other = r.json()["id"]

    visibility(t, d, alice, bob, app)
    ck = opening(t, d, alice, bob, admin, app)
    bck = session(d, other, bob)
    t.eq(resolve(d, other, bck).status, 503, "bob's cookie passes bob's app")
    t.ok(is_error(resolve(d, app, bck), 403), "bob's cookie of his own app never opens alice's")
    t.ok(is_error(resolve(d, other, ck), 403), "alice's cookie of her app never opens bob's")
    embed(t, d, alice, app)
    ack = admin_access(t, d, admin, app)
    t.eq(resolve(d, app, ack).status, 503, "the admin's cookie passes")
    bad_codes(t, d, alice, bob, app, other)

    # What ends a cookie: the admin role lost, a disabled user, a password change.
    db = d.db_path
    sqlite_write(db, "UPDATE users SET role = 'user' WHERE username = 'admin'")
    t.ok(is_error(resolve(d, app, ack), 403), "an admin who lost the role: the cookie is refused")
    sqlite_write(db, "UPDATE users SET role = 'admin' WHERE username = 'admin'")
    t.eq(resolve(d, app, ack).status, 503, "... and passes with the role back")
    sqlite_write(db, "UPDATE users SET disabled = 1 WHERE username = 'admin'")
    t.ok(is_error(resolve(d, app, ack), 403), "a disabled user's cookie is refused")
    sqlite_write(db, "UPDATE users SET disabled = 0 WHERE username = 'admin'")
    r = d.req("POST", "/api/me/password", {"current": PASSWORDS["alice"],
                                           "new": "alice-password-2-new"}, token=alice)
    t.ok(r.status in (200, 204), "alice changes her password", r)
    t.ok(is_error(resolve(d, app, ck), 403), "a password change ends her app cookies")
    t.eq(resolve(d, app, ack).status, 503, "the admin's cookie is not hers: it passes")

    # A public app: open to all, cookie or none.
    r = d.req("PATCH", "/api/apps/" + other, {"visibility": "public"}, token=bob)
    t.eq(r.status, 200, "bob makes his app public")
    for c in (None, ck, "junk=1"):
        t.eq(resolve(d, other, c).status, 503, "a public app passes the resolve with cookie %r" % (c and c[:20]))
    r = d.req("POST", "/api/apps/%s/duplicate" % other, token=bob)
    t.ok(r.status == 201 and r.json().get("visibility") == "private",
         "a copy of a public app is a new app: private", r)
    # Deleting the app takes its grants along.
    t.eq(d.req("DELETE", "/api/apps/" + other, token=bob).status, 204, "bob deletes his app")
    t.eq(sqlite_query(db, "SELECT count(*) FROM app_grants WHERE app_id = ?", (other,))[0][0], 0,
         "no grant outlives its app")


if __name__ == "__main__":
    sys.exit(main())

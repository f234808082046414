#!/usr/bin/env python3
"""test_auth.py: login, /api/me, JWT rejection and API tokens, through nginx (ports 18000-18099)."""
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import secrets
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unauthorized(t, r, desc):
    t.ok(r.status == 401 and r.error_code() == "unauthorized"
         and (r.header("www-authenticate") or "").startswith("Bearer"),
         desc + ": 401 unauthorized with WWW-Authenticate: Bearer", repr(r))


def main(t, inst):
    c = inst.client()
    r = c.get("/api/health")
    t.ok(r.status == 200 and (r.json() or {}).get("status") == "ok", "health answers ok", repr(r))

    # Login.
    r = c.post("/api/auth/login", {"username": "alice", "password": inst.passwords["alice"]})
    j = r.json() or {}
    t.ok(r.status == 200 and j.get("token_type") == "Bearer" and j.get("token"),
         "login with the right password gives a bearer token", repr(r))
    t.ok(RFC3339.match(str(j.get("expires_at"))), "expires_at is RFC 3339 UTC", repr(j))
    jwt = j.get("token", "")

    bad_user = c.post("/api/auth/login", {"username": "nobody-here", "password": "x" * 12})
    bad_pw = c.post("/api/auth/login", {"username": "alice", "password": "wrong-password"})
    t.ok(bad_user.status == 401 and bad_user.error_code() == "invalid_credentials",
         "unknown user: 401 invalid_credentials", repr(bad_user))
    t.ok(bad_pw.status == 401 and bad_pw.error_code() == "invalid_credentials",
         "wrong password: 401 invalid_credentials", repr(bad_pw))
    t.eq(bad_user.json(), bad_pw.json(), "unknown user and wrong password get the same answer")
    r = c.post("/api/auth/login", b'{"username": "alice", "password": ')
    t.ok(r.status == 400 and r.error_code(), "truncated login JSON: 400 with a JSON error", repr(r))
    r = c.post("/api/auth/login", {"username": 5, "password": ["x"]})
    t.ok(r.status == 400 and r.error_code(), "login with wrong types: 400", repr(r))

    # /api/me.
    unauthorized(t, c.get("/api/me"), "me without a token")
    unauthorized(t, c.get("/api/me", token="not-a-token"), "me with garbage")
    r = c.get("/api/me", token=jwt)
    me = r.json() or {}
    t.ok(r.status == 200 and me.get("username") == "alice" and me.get("role") == "user"
         and str(me.get("id", "")).startswith("u_") and isinstance(me.get("quota"), dict)
         and RFC3339.match(str(me.get("created_at"))), "me describes alice", repr(r))
    r = c.get("/api/me", token=inst.login("admin"))
    t.ok(r.status == 200 and (r.json() or {}).get("role") == "admin", "admin's me says admin", repr(r))

    # Forged JWTs.
    head, payload, sig = (jwt.split(".") + ["", "", ""])[:3]
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    unauthorized(t, c.get("/api/me", token="%s.%s.%s" % (head, payload, flipped)),
                 "a JWT with a changed signature")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    none_tok = "%s.%s." % (b64url(b'{"alg":"none","typ":"JWT"}'),
                          b64url(json.dumps(claims).encode()))
    unauthorized(t, c.get("/api/me", token=none_tok), "an alg=none JWT")
    claims2 = dict(claims, role="admin", sub=claims.get("sub"))
    forged = "%s.%s.%s" % (head, b64url(json.dumps(claims2).encode()), sig)
    unauthorized(t, c.get("/api/me", token=forged), "a JWT whose claims were changed")

    # API tokens.
    r = c.post("/api/tokens", {"name": "ci script"}, token=jwt)
    tok = r.json() or {}
    secret = tok.get("token", "")
    t.ok(r.status == 201 and secret.startswith("afk_") and tok.get("id") and
         tok.get("name") == "ci script", "token create: 201 with an afk_ secret", repr(r))
    r = c.get("/api/tokens", token=jwt)
    listed = (r.json() or {}).get("tokens") or []
    t.ok(r.status == 200 and any(x.get("id") == tok.get("id") for x in listed),
         "token list has the new token", repr(r))
    t.ok(secret and secret.encode() not in r.body and
         all("token" not in x for x in listed), "token list never shows the secret", repr(r))
    r = c.get("/api/me", token=secret)
    t.ok(r.status == 200 and (r.json() or {}).get("username") == "alice",
         "the API token authenticates as alice", repr(r))
    r = c.delete("/api/tokens/%s" % tok.get("id"), token=inst.login("bob"))
    t.ok(r.status == 404 and r.error_code() == "not_found", "bob cannot revoke alice's token", repr(r))
    r = c.get("/api/me", token=secret)
    t.eq(r.status, 200, "the token still works after bob's attempt")
    r = c.delete("/api/tokens/%s" % tok.get("id"), token=jwt)
    t.eq(r.status, 204, "alice revokes her token: 204")
    unauthorized(t, c.get("/api/me", token=secret), "the revoked token, at once")
    r = c.delete("/api/tokens/%s" % tok.get("id"), token=jwt)
    t.eq(r.status, 404, "revoking it again: 404")
    unauthorized(t, c.post("/api/tokens", {"name": "x"}), "token create without auth")
    r = c.post("/api/tokens", {"name": 12}, token=jwt)
    t.ok(r.status == 400 and r.error_code(), "token create with a bad name type: 400", repr(r))
    r = c.post("/api/tokens", {"name": "child"}, token=jwt)
    child = (r.json() or {}).get("token", "")
    r = c.post("/api/tokens", {"name": "grandchild"}, token=child)
    t.ok(r.status == 403 and r.error_code() == "forbidden",
         "an API token cannot create another token: 403", repr(r))
    t.ok(not any(x.get("name") == "grandchild" for x in
                 (c.get("/api/tokens", token=jwt).json() or {}).get("tokens", [])),
         "and no token was created")
    c.close()

    admin = inst.client(token=inst.login("admin"))
    throttle_tests(t, inst, admin)
    audit_tests(t, inst)
    session_tests(t, inst, admin)
    password_tests(t, inst, admin)
    admin.close()


def new_user(t, admin, name):
    pw = secrets.token_urlsafe(15)
    r = admin.post("/api/admin/users", {"username": name, "password": pw})
    t.ok(r.status == 201, "admin creates %s" % name, repr(r))
    return pw


def fail_until_throttled(c, name, limit=12):
    """Wrong passwords for name until a 429; the statuses seen and the 429."""
    seen = []
    for _ in range(limit):
        r = c.post("/api/auth/login", {"username": name, "password": "wrong-password-1"})
        seen.append(r.status)
        if r.status == 429:
            return seen, r
    return seen, None


def retry_after(r):
    v = (r.header("retry-after") or "") if r else ""
    return int(v) if v.isdigit() else -1


def throttle_tests(t, inst, admin):
    pw = new_user(t, admin, "tina")
    # From addresses of their own, so that this test's failures stay off the address
    # counter of 127.0.0.1 that the other checks use.
    c = inst.client(source="127.0.0.2")
    seen, r429 = fail_until_throttled(c, "tina")
    t.ok(r429 is not None and seen[:5] == [401] * 5 and seen[-1] == 429,
         "account throttle: five wrong passwords get 401, then 429", seen)
    t.ok(r429 is not None and r429.error_code() == "rate_limited" and 1 <= retry_after(r429) <= 300,
         "the 429 is rate_limited with a Retry-After in seconds", repr(r429) + str(r429 and r429.headers))
    ghost = inst.client(source="127.0.0.4")
    gseen, g429 = fail_until_throttled(ghost, "ghost-" + secrets.token_hex(4))
    t.eq(gseen, seen, "an unknown name is throttled after exactly as many failures")
    t.eq(g429 and g429.json(), r429 and r429.json(), "and its 429 has the same body")
    ghost.close()

    # The wait grows: fail once more after each wait; a right password during a wait
    # is refused too (it never reaches the password check).
    waits = [retry_after(r429)]
    for _ in range(2):
        time.sleep(waits[-1])
        seen, r = fail_until_throttled(c, "tina", limit=3)
        waits.append(retry_after(r))
    t.ok(waits[0] >= 1 and waits[1] > waits[0] and waits[2] > waits[1] and waits[2] <= 300,
         "the wait doubles after each further failure", waits)
    r = c.post("/api/auth/login", {"username": "tina", "password": pw})
    t.ok(r.status == 429 and retry_after(r) >= 1,
         "the right password while waiting: 429 too", repr(r))
    time.sleep(retry_after(r))
    r = c.post("/api/auth/login", {"username": "tina", "password": pw})
    t.ok(r.status == 200 and (r.json() or {}).get("token"),
         "after the wait the owner logs in", repr(r))
    r = c.post("/api/auth/login", {"username": "tina", "password": "wrong-password-1"})
    t.eq(r.status, 401, "a success resets the account: the next failure is a plain 401")
    c.close()

    # Parallel guesses: each attempt is counted when it is checked, so a burst cannot
    # slip past the count before the first guesses have failed.
    new_user(t, admin, "paula")

    def guess(_):
        g = inst.client(source="127.0.0.6")
        try:
            return g.post("/api/auth/login", {"username": "paula", "password": "wrong-password-1"}).status
        finally:
            g.close()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        burst = sorted(ex.map(guess, range(16)))
    # At most 5 are checked (the rest wait: 429). Fewer may be: a guess that finds
    # every argon2 slot busy is refused with 429 before its hash (common/cpuslots.h).
    t.ok(1 <= burst.count(401) <= 5 and burst.count(401) + burst.count(429) == 16,
         "16 parallel guesses on one account: at most 5 are checked, the rest get 429", burst)

    # Per address: twenty failures on twenty different names, then the address waits,
    # whatever the name; another address is not affected.
    c = inst.client(source="127.0.0.3")
    statuses = [c.post("/api/auth/login", {"username": "nobody%d" % i,
                                           "password": "wrong-password-1"}).status
                for i in range(21)]
    t.ok(statuses[:20] == [401] * 20 and statuses[20] == 429,
         "address throttle: twenty failures on different names, then 429", statuses)
    r = c.post("/api/auth/login", {"username": "alice", "password": inst.passwords["alice"]})
    t.ok(r.status == 429 and retry_after(r) >= 1,
         "that address waits even with a right password", repr(r))
    c.close()
    r = inst.client().post("/api/auth/login",
                           {"username": "alice", "password": inst.passwords["alice"]})
    t.eq(r.status, 200, "another address logs in as usual")
    rows = inst.sql("SELECT count(*) FROM login_throttle")[0][0]
    t.ok(0 < rows < 60, "the throttle table holds only recent keys", rows)


def audit_tests(t, inst):
    name = 'eve"\\\u0007<x>' + "\u00e9" * 70
    c = inst.client(source="127.0.0.5")
    r = c.post("/api/auth/login", {"username": name[:64], "password": "wrong-password-1"})
    t.eq(r.status, 401, "a strange name: 401")
    c.close()
    rows = inst.sql("SELECT actor, target, detail FROM audit WHERE action = 'login.failed'"
                    " ORDER BY id DESC LIMIT 1")
    d = json.loads(rows[0][2]) if rows else {}
    given = name[:64].encode()
    cut = given[:64].decode("utf-8", "ignore")
    t.ok(rows and rows[0][0] == "anonymous" and d.get("address") == "127.0.0.5"
         and d.get("username") == cut, "login.failed is audited with the name (cut to 64 bytes)"
         " and the address", (rows, cut))
    n = inst.sql("SELECT count(*) FROM audit WHERE action = 'login.failed'"
                 " AND json_extract(detail, '$.username') = 'tina'")[0][0]
    t.ok(n >= 5, "every counted failure on tina is in the audit log", n)


def cookie_of(r):
    """The value and attributes of the __Host-af_refresh cookie set by r."""
    for v in r.header_all("set-cookie"):
        parts = [p.strip() for p in v.split(";")]
        name, _, value = parts[0].partition("=")
        if name == "__Host-af_refresh":
            return value, [p.lower() for p in parts[1:]]
    return None, []


def refresh(c, cookie, origin=None, xrw="appforge", omit_origin=False):
    h = {}
    if cookie is not None:
        h["Cookie"] = "other=1; __Host-af_refresh=%s" % cookie
    if xrw:
        h["X-Requested-With"] = xrw
    if not omit_origin:
        h["Origin"] = origin or "https://localhost:%d" % c.inst.https_port
    return c.post("/api/auth/refresh", headers=h, token="")


def session_tests(t, inst, admin):
    pw = new_user(t, admin, "sam")
    c = inst.client()
    r = c.post("/api/auth/login", {"username": "sam", "password": pw})
    cookie, attrs = cookie_of(r)
    t.ok(r.status == 200 and cookie and cookie.startswith("afr_"), "login sets __Host-af_refresh",
         r.headers)
    t.ok(set(["httponly", "secure", "samesite=strict", "path=/"]) <= set(attrs)
         and not any(a.startswith("domain") for a in attrs)
         and any(a.startswith("max-age=") and int(a[8:]) > 86400 for a in attrs),
         "the cookie is HttpOnly, Secure, SameSite=Strict, Path=/, no Domain", attrs)
    digest = hashlib.sha256(cookie.encode()).hexdigest()
    rows = inst.sql("SELECT token_hash FROM sessions WHERE token_hash = ?", (digest,))
    t.ok(len(rows) == 1 and not inst.sql("SELECT 1 FROM sessions WHERE token_hash = ?",
                                         (cookie,)),
         "the database keeps the cookie's SHA-256, never the cookie", rows)

    # The guards against cross-site use.
    for desc, kw in (("without X-Requested-With", {"xrw": None}),
                     ("with another X-Requested-With", {"xrw": "XMLHttpRequest"}),
                     ("without Origin", {"omit_origin": True}),
                     ("from another origin", {"origin": "https://evil.example"}),
                     ("from the public host on http", {"origin": "http://localhost:%d" % inst.https_port})):
        r = refresh(c, cookie, **kw)
        t.ok(r.status == 403 and r.error_code() == "forbidden", "refresh %s: 403" % desc, repr(r))
    r = c.request("OPTIONS", "/api/auth/refresh", token="", headers={
        "Origin": "https://allowed.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-requested-with"})
    t.ok(r.status == 204 and "x-requested-with" in (r.header("access-control-allow-headers") or "").lower()
         and r.header("access-control-allow-credentials") == "true",
         "a CORS preflight from an allowed origin may send X-Requested-With", r.headers)
    r = refresh(c, None)
    t.ok(r.status == 401 and r.error_code() == "unauthorized", "refresh without a cookie: 401", repr(r))
    r = refresh(c, "afr_" + "A" * 20)
    t.eq(r.status, 401, "refresh with a malformed cookie: 401")

    # Rotation.
    r = refresh(c, cookie)
    j = r.json() or {}
    cookie2, _ = cookie_of(r)
    t.ok(r.status == 200 and j.get("token") and RFC3339.match(str(j.get("expires_at")))
         and cookie2 and cookie2 != cookie and cookie2[:20] == cookie[:20],
         "refresh: a new access token and a new cookie of the same family", repr(r))
    r = c.get("/api/me", token=j.get("token", ""))
    t.ok(r.status == 200 and (r.json() or {}).get("username") == "sam",
         "the refreshed access token works", repr(r))
    r = refresh(c, cookie2, origin="https://allowed.example")
    cookie3, _ = cookie_of(r)
    t.ok(r.status == 200 and cookie3, "refresh from an origin of cors_origins works too", repr(r))

    # Replay of a rotated cookie: 401, and the whole family is revoked.
    sam_id = (c.get("/api/me", token=j.get("token", "")).json() or {}).get("id")
    r = refresh(c, cookie)
    t.ok(r.status == 401 and (cookie_of(r)[1] and "max-age=0" in cookie_of(r)[1]),
         "replaying a rotated cookie: 401, and the cookie is cleared", repr(r))
    r = refresh(c, cookie3)
    t.eq(r.status, 401, "after the replay, the family's current cookie is refused too")
    sid = cookie[4:20]
    t.eq(inst.sql("SELECT revoke_reason FROM sessions WHERE id = ?", (sid,)), [("reuse",)],
         "the family is revoked for reuse")
    rows = inst.sql("SELECT target, detail FROM audit WHERE action = 'session.reuse'")
    t.ok(len(rows) == 1 and rows[0][0] == sam_id and json.loads(rows[0][1]).get("session") == sid[:6]
         and sid not in rows[0][1], "the replay is audited (user, session id cut to 6 characters)", rows)

    # Logout.
    r = c.post("/api/auth/login", {"username": "sam", "password": pw})
    cookie, _ = cookie_of(r)
    r = c.post("/api/auth/logout", headers={"Cookie": "__Host-af_refresh=" + cookie},
               token="")
    t.ok(r.status == 403, "logout without X-Requested-With: 403", repr(r))
    h = {"Cookie": "__Host-af_refresh=" + cookie, "X-Requested-With": "appforge",
         "Origin": "https://localhost:%d" % inst.https_port}
    r = c.post("/api/auth/logout", headers=h, token="")
    t.ok(r.status == 204 and "max-age=0" in cookie_of(r)[1],
         "logout: 204 and the cookie is cleared", repr(r))
    t.eq(refresh(c, cookie).status, 401, "the logged-out cookie no longer refreshes")
    t.eq(c.post("/api/auth/logout", headers=h, token="").status, 204, "logout again: 204")

    # Deleting the user ends their sessions.
    r = c.post("/api/auth/login", {"username": "sam", "password": pw})
    cookie, _ = cookie_of(r)
    r = admin.delete("/api/admin/users/%s" % sam_id)
    t.eq(r.status, 204, "admin deletes sam")
    t.eq(refresh(c, cookie).status, 401, "a deleted user's cookie no longer refreshes")
    c.close()


def password_tests(t, inst, admin):
    pw = new_user(t, admin, "pat")
    c = inst.client()
    logins = [c.post("/api/auth/login", {"username": "pat", "password": pw}) for _ in range(2)]
    jwt = (logins[0].json() or {}).get("token", "")
    cookies = [cookie_of(r)[0] for r in logins]
    new_pw = "a new password " + secrets.token_hex(4)
    # Access tokens issued before the change are refused; times are whole seconds, so
    # the change must happen in a later second than the logins.
    iat = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "==")).get("iat", 0)
    while time.time() < iat + 1:
        time.sleep(0.05)
    r = c.post("/api/me/password", {"current": "not-the-password", "new": new_pw}, token=jwt)
    t.ok(r.status == 403 and r.error_code() == "invalid_credentials",
         "password change with a wrong current password: 403", repr(r))
    r = c.post("/api/me/password", {"current": pw, "new": "short"}, token=jwt)
    t.ok(r.status == 400 and r.error_code() == "invalid_request",
         "password change to a too short password: 400", repr(r))
    r = c.post("/api/me/password", {"current": pw, "new": new_pw, "x": 1}, token=jwt)
    t.eq(r.status, 400, "password change with an unknown key: 400")
    r = c.post("/api/me/password", {"current": pw, "new": new_pw}, token=jwt)
    newc, _ = cookie_of(r)
    t.ok(r.status == 200 and (r.json() or {}).get("token") and newc,
         "password change: 200 with a new session for the caller", repr(r))
    t.ok(all(refresh(c, k).status == 401 for k in cookies),
         "every session from before the change is revoked")
    unauthorized(t, c.get("/api/me", token=jwt), "an access token from before the change")
    r = c.get("/api/me", token=(r.json() or {}).get("token", ""))
    t.eq(r.status, 200, "the access token of the new session works")
    t.eq(refresh(c, newc).status, 200, "the new session refreshes")
    r = c.post("/api/auth/login", {"username": "pat", "password": pw})
    t.eq(r.status, 401, "the old password no longer logs in")
    r = c.post("/api/auth/login", {"username": "pat", "password": new_pw})
    t.eq(r.status, 200, "the new password does")
    rows = inst.sql("SELECT detail FROM audit WHERE action = 'user.password'")
    t.ok(len(rows) == 1 and json.loads(rows[0][0]).get("sessions_revoked") == 2,
         "the change is audited with the number of sessions revoked", rows)
    c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "auth", 18000))

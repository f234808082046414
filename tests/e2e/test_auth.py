#!/usr/bin/env python3
"""test_auth.py: login, /api/me, JWT rejection and API tokens, through nginx (ports 18000-18099)."""
import base64
import json
import os
import re
import sys

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
    c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "auth", 18000))

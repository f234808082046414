#!/usr/bin/env python3
"""test_admin.py: the admin API and its guard, through nginx (ports 18200-18299)."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILES = {"server.js": "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"}


def main(t, inst):
    alice = inst.client(token=inst.login("alice"))
    admin = inst.client(token=inst.login("admin"))
    anon = inst.client()

    for method, path in (("GET", "/api/admin/users"), ("POST", "/api/admin/users"),
                         ("GET", "/api/admin/apps"), ("GET", "/api/admin/sandboxes"),
                         ("GET", "/api/admin/audit"), ("DELETE", "/api/admin/apps/aaaaaaaaaaaaaaaa")):
        body = {"username": "x", "password": "y" * 16} if method == "POST" else None
        r = alice.request(method, path, body=body)
        t.ok(r.status == 403 and r.error_code() == "forbidden",
             "a user on %s %s: 403 forbidden" % (method, path), repr(r))
    r = anon.get("/api/admin/users")
    t.eq(r.status, 401, "no token on /api/admin: 401")

    # Users.
    r = admin.get("/api/admin/users")
    users = (r.json() or {}).get("users") or []
    names = sorted(u.get("username") for u in users)
    t.ok(r.status == 200 and names == ["admin", "alice", "bob"], "admin lists the users", repr(r))
    t.ok(b"password" not in r.body and b"$argon2" not in r.body,
         "the user list holds no password hash", repr(r))
    pw = "carol-has-a-long-password"
    r = admin.post("/api/admin/users", {"username": "carol", "password": pw, "role": "user"})
    carol = r.json() or {}
    t.ok(r.status == 201 and carol.get("username") == "carol" and carol.get("id"),
         "admin creates carol: 201", repr(r))
    r = admin.post("/api/admin/users", {"username": "carol", "password": pw})
    t.ok(r.status == 409 and r.error_code(), "creating carol again: 409", repr(r))
    r = admin.post("/api/admin/users", {"username": "dave", "password": pw, "role": "emperor"})
    t.ok(r.status == 400 and r.error_code(), "an unknown role: 400", repr(r))
    r = anon.post("/api/auth/login", {"username": "carol", "password": pw})
    ctok = (r.json() or {}).get("token")
    t.ok(r.status == 200 and ctok, "carol can log in", repr(r))
    r = anon.post("/api/apps", {"files": FILES, "name": "carol's"}, token=ctok)
    capp = (r.json() or {}).get("id")
    t.eq(r.status, 201, "carol creates an app")

    # Apps of every user.
    r = alice.post("/api/apps", {"files": FILES, "name": "alice's"})
    aapp = (r.json() or {}).get("id")
    t.eq(r.status, 201, "alice creates an app")
    r = admin.get("/api/admin/apps")
    listed = [a.get("id") for a in (r.json() or {}).get("apps", [])]
    t.ok(r.status == 200 and aapp in listed and capp in listed, "admin sees every user's apps", repr(r))
    r = admin.delete("/api/admin/apps/%s" % aapp)
    t.eq(r.status, 204, "admin deletes alice's app: 204")
    r = alice.get("/api/apps/%s" % aapp)
    t.eq(r.status, 404, "alice's app is gone for her too")
    r = admin.delete("/api/admin/apps/%s" % aapp)
    t.eq(r.status, 404, "deleting it again: 404")

    r = admin.delete("/api/admin/users/%s" % carol.get("id"))
    t.eq(r.status, 204, "admin deletes carol: 204")
    delete_rid = r.header("x-request-id")
    r = anon.get("/api/me", token=ctok)
    t.eq(r.status, 401, "carol's token stops working")
    r = anon.post("/api/auth/login", {"username": "carol", "password": pw})
    t.eq(r.status, 401, "carol can no longer log in")
    r = admin.get("/api/admin/apps")
    t.ok(capp not in [a.get("id") for a in (r.json() or {}).get("apps", [])],
         "carol's apps went with her", repr(r))
    r = admin.get("/api/admin/sandboxes")
    if r.status == 501 and r.error_code() == "not_implemented":
        t.skip("this server says it has no sandbox list yet (501)", "admin lists sandboxes")
    else:
        t.ok(r.status == 200 and isinstance(r.json(), dict), "admin lists sandboxes", repr(r))

    # Audit, with filters.
    r = admin.get("/api/admin/audit?limit=1000")
    events = (r.json() or {}).get("events")
    t.ok(r.status == 200 and isinstance(events, list) and len(events) >= 4,
         "admin reads the audit log", repr(r))
    events = events or [{}]
    action = events[0].get("action")
    r = admin.get("/api/admin/audit?action=%s&limit=1000" % action)
    got = (r.json() or {}).get("events") or []
    t.ok(r.status == 200 and got and all(e.get("action") == action for e in got),
         "audit filtered by action %s" % action, repr(r))
    actor = next((e.get("actor") for e in events if e.get("actor")), None)
    r = admin.get("/api/admin/audit?actor=%s&limit=1000" % actor)
    got = (r.json() or {}).get("events") or []
    t.ok(r.status == 200 and got and all(e.get("actor") == actor for e in got),
         "audit filtered by actor", repr(r))
    r = admin.get("/api/admin/audit?limit=2")
    t.ok(r.status == 200 and len((r.json() or {}).get("events") or []) == 2, "audit limit=2", repr(r))
    r = admin.get("/api/admin/audit?since=2999-01-01T00:00:00Z")
    t.ok(r.status == 200 and (r.json() or {}).get("events") == [], "audit since the future is empty", repr(r))
    r = admin.get("/api/admin/audit?since=yesterday")
    t.ok(r.status == 400 and r.error_code(), "audit since=yesterday: 400", repr(r))
    t.ok(delete_rid and any(e.get("request_id") == delete_rid for e in events),
         "the audit event of carol's deletion has the response's X-Request-Id", repr(events[:3]))
    for c in (alice, admin, anon):
        c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "admin", 18200))

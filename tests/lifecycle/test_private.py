#!/usr/bin/env python3
"""test_private.py: a private app's origin through nginx, with a running app (ports
31900-31999).

An app that echoes its request headers, and on /evil tries to set and clear the
origin's cookie. Without the cookie the origin answers a 403 page that links to the
frontend (a logged-in other user's cookie of his own app is no way in, nor a bearer
token); the owner gets in through POST /api/apps/{id}/open and the one-time URL (303
to next, the cookie of that origin alone); the app never sees that cookie nor can set
or clear it; a code is single use and bound to its app; an admin's opening is audited
as app.admin_access; a public app is open to all."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

ECHO = r"""
const http = require('http');
http.createServer((q, s) => {
  if (q.url === '/evil') {
    s.setHeader('Set-Cookie', ['__Host-af_app=evil; Path=/; Secure; HttpOnly',
                               '__Host-af_app=; Max-Age=0; Path=/; Secure', 'own=1; Path=/']);
    s.setHeader('Clear-Site-Data', '"cookies"');
    return s.end('evil');
  }
  s.setHeader('Content-Type', 'application/json');
  s.end(JSON.stringify({ url: q.url, headers: q.headers }));
}).listen(process.env.PORT);
"""


def door(inst, app, url_or_path):
    """GET of the one-time URL (or any path) on app's origin, without cookies."""
    c = inst.client(host=inst.app_host(app))
    try:
        u = urllib.parse.urlsplit(url_or_path)
        return c.get(u.path + ("?" + u.query if u.query else ""))
    finally:
        c.close()


def main(t, inst):
    alice = inst.client(inst.login("alice"))
    bob = inst.client(inst.login("bob"))
    admin = inst.client(inst.login("admin"))
    a = lc.create(t, alice, {"files": {"server.js": ECHO}, "name": "echo"}).get("id")
    b = lc.create(t, bob, {"files": {"server.js": ECHO}, "name": "bobs"}).get("id")
    lc.run(t, alice, a, "alice's private echo app")
    lc.run(t, bob, b, "bob's private echo app")

    front = "https://%s:%d/#/apps/%s" % (inst.public_host, inst.https_port, a)
    r = door(inst, a, "/")
    t.ok(r.status == 403 and b"This app is private" in r.body and front.encode() in r.body and
         b'"headers"' not in r.body, "no cookie: a 403 page that links to the app in the frontend", r)
    bob_cookie = inst.app_session(bob, b)
    r = inst.client(host=inst.app_host(a)).get("/", headers={
        "Cookie": bob_cookie, "Authorization": "Bearer " + inst.login("alice")})
    t.ok(r.status == 403 and b'"headers"' not in r.body,
         "bob's cookie of his own app, or alice's bearer token: still refused", r)

    r = alice.post("/api/apps/%s/open" % a)
    url = (r.json() or {}).get("url", "")
    t.ok(r.status == 200 and url.startswith("https://%s:%d/__appforge/session?code=" % (inst.app_host(a), inst.https_port)),
         "open: the one-time URL on the app's origin", r)
    r = door(inst, a, url + "&next=" + urllib.parse.quote("/p?x=1", safe=""))
    cookie = next((v.split(";", 1)[0] for v in r.header_all("set-cookie")
                   if v.startswith("__Host-af_app=")), "")
    attrs = next((v for v in r.header_all("set-cookie") if v.startswith("__Host-af_app=")), "")
    t.ok(r.status == 303 and r.header("location") in ("/p?x=1", "https://%s:%d/p?x=1" % (inst.app_host(a), inst.https_port))
         and cookie, "the door: 303 to next with the cookie", r)
    t.ok("domain" not in attrs.lower() and "samesite=lax" in attrs.lower() and "httponly" in attrs.lower(),
         "the cookie is of that origin alone (no Domain), HttpOnly, SameSite=Lax", attrs)
    r = door(inst, a, url)
    t.ok(r.status == 403 and b"already used" in r.body and not r.header_all("set-cookie"),
         "the same URL again: a 403 page, no cookie", r)

    own = lc.harness.Client(inst, host=inst.app_host(a), cookie="theme=dark; " + cookie)
    r = own.get("/p?x=1")
    echo = r.json() or {}
    t.ok(r.status == 200 and echo.get("url") == "/p?x=1", "with the cookie the owner reaches the app", r)
    t.eq(echo.get("headers", {}).get("cookie"), "theme=dark",
         "the app never sees __Host-af_app; its own cookies pass")
    r = own.get("/evil")
    t.ok(r.status == 200 and r.header_all("set-cookie") == ["own=1; Path=/"] and
         not r.header("clear-site-data"),
         "the app can neither set nor clear __Host-af_app (nor Clear-Site-Data)", r.headers)
    t.eq(own.get("/").status, 200, "the cookie still works")

    r = alice.post("/api/apps/%s/open" % a)
    r = door(inst, b, (r.json() or {}).get("url", ""))
    t.ok(r.status == 403 and not r.header_all("set-cookie"), "alice's code for her app, on bob's origin: refused", r)

    r = admin.post("/api/apps/%s/open" % a)
    t.eq(r.status, 200, "an admin may open alice's app")
    acookie = inst.app_session(admin, a)
    t.eq(lc.harness.Client(inst, host=inst.app_host(a), cookie=acookie).get("/").status, 200, "the admin gets in")
    ev = [e for e in (admin.get("/api/admin/audit?action=app.admin_access").json() or {}).get("events", [])
          if e.get("target") == a]
    t.ok(ev and json.dumps(ev).find(alice.get("/api/me").json()["id"]) >= 0,
         "the admin's access is audited as app.admin_access, naming the owner", ev)

    r = alice.request("PATCH", "/api/apps/%s" % a, body={"visibility": "public"})
    t.ok(r.status == 200 and (r.json() or {}).get("visibility") == "public", "alice makes it public", r)
    r = door(inst, a, "/")
    t.ok(r.status == 200 and (r.json() or {}).get("url") == "/", "a public app is open to anyone", r)
    own.close()


sys.exit(lc.run_file(main, "lc-private", 31900))

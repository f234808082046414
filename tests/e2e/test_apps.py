#!/usr/bin/env python3
"""test_apps.py: apps CRUD from files, ownership, ids, bad input, the apps origin, through
nginx (ports 18100-18199)."""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

APP_ID = re.compile(r"^[a-z][a-z0-9]{15}$")
SERVER_JS = ("const http = require('http');\n"
             "http.createServer((q, s) => s.end('hello %d')).listen(process.env.PORT);\n")


def files(n):
    return {"server.js": SERVER_JS % n, "public/index.html": "<h1>app %d</h1>\n" % n}


def not_found(t, r, desc):
    t.ok(r.status == 404 and r.error_code() == "not_found" and
         (r.header("content-type") or "").startswith("application/json"),
         desc + ": 404 not_found JSON", repr(r))


def main(t, inst):
    alice = inst.client(token=inst.login("alice"))
    bob = inst.client(token=inst.login("bob"))
    me = alice.get("/api/me").json() or {}

    # Create.
    r = alice.post("/api/apps", {"files": files(0), "name": "first"})
    app = r.json() or {}
    aid = str(app.get("id", ""))
    t.ok(r.status == 201 and APP_ID.match(aid), "create from files: 201 with a 16-char id", repr(r))
    t.ok(app.get("name") == "first" and app.get("owner") == me.get("id") and
         app.get("status") == "ready", "the app has its name, owner and status ready", repr(app))
    t.eq(app.get("url"), "https://%s.%s:%d/" % (aid, inst.apps_domain, inst.https_port),
         "the app's url is its own origin")
    t.ok(isinstance(app.get("scan"), dict) and app["scan"].get("verdict") in ("pass", "warn", "block"),
         "the app has a scan verdict", repr(app))
    run = app.get("run")
    t.ok(run is None or (isinstance(run, dict) and run.get("state") == "stopped"),
         "a new app is not running", repr(app))

    r = alice.get("/api/apps/%s" % aid)
    t.ok(r.status == 200 and (r.json() or {}).get("id") == aid, "get the app", repr(r))
    r = alice.get("/api/apps/%s/files" % aid)
    t.eq((r.json() or {}).get("files"), files(0), "files come back as they were given")

    # List, newest first, with a cursor.
    ids = [aid]
    for n in (1, 2, 3):
        r = alice.post("/api/apps", {"files": files(n), "name": "app %d" % n})
        ids.append((r.json() or {}).get("id"))
    t.ok(all(ids), "three more apps created", repr(ids))
    seen, cursor, pages = [], None, 0
    while pages < 10:
        path = "/api/apps?limit=3" + ("&cursor=%s" % cursor if cursor else "")
        r = alice.get(path)
        j = r.json() or {}
        if r.status != 200 or not isinstance(j.get("apps"), list):
            break
        t.ok(len(j["apps"]) <= 3, "page %d holds at most limit apps" % pages, repr(r))
        seen += [a.get("id") for a in j["apps"]]
        cursor = j.get("next_cursor")
        pages += 1
        if not cursor:
            break
    t.eq(seen, list(reversed(ids)), "the pages list alice's apps newest first, each once")
    t.eq(pages, 2, "four apps with limit 3 make two pages")
    r = alice.get("/api/apps?cursor=not-a-cursor")
    t.ok(r.status == 400 and r.error_code(), "a bad cursor: 400", repr(r))
    r = alice.get("/api/apps?limit=0")
    t.ok(r.status == 400 and r.error_code(), "limit=0: 400", repr(r))

    # Replace the files.
    r = alice.put("/api/apps/%s/files" % aid, {"files": files(9)})
    t.ok(r.status == 200 and (r.json() or {}).get("id") == aid, "put files: 200 app", repr(r))
    r = alice.get("/api/apps/%s/files" % aid)
    t.eq((r.json() or {}).get("files"), files(9), "files get returns the new files")

    # Another user's app is a missing app.
    not_found(t, bob.get("/api/apps/%s" % aid), "bob gets alice's app")
    not_found(t, bob.get("/api/apps/%s/files" % aid), "bob reads alice's files")
    not_found(t, bob.put("/api/apps/%s/files" % aid, {"files": files(7)}), "bob replaces alice's files")
    not_found(t, bob.delete("/api/apps/%s" % aid), "bob deletes alice's app")
    r = bob.get("/api/apps")
    t.ok(r.status == 200 and (r.json() or {}).get("apps") == [], "bob's list is empty", repr(r))
    r = alice.get("/api/apps/%s/files" % aid)
    t.eq((r.json() or {}).get("files"), files(9), "alice's files survived bob")

    # Ids that are not ids.
    for bad in ("ABCDEFGHIJKLMNOP", "short", "1aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaa",
                "..%2f..%2fetc%2fpasswd", "%27%20or%201=1--", "aaaaaaaaaaaaaaa%2e",
                ".aaaaaaaaaaaaaaa"):
        not_found(t, alice.get("/api/apps/%s" % bad), "id %r" % bad)
    r = alice.get("/api/apps/aaaaaaaaaaaaaaa%00")
    t.ok(r.status in (400, 404) and r.error_code(), "an id with a NUL: 400/404 JSON", repr(r))
    not_found(t, alice.get("/api/apps/zzzzzzzzzzzzzzzz"), "a well-formed id nobody has")

    # Bad bodies.
    r = alice.post("/api/apps", b'{"files": {"server.js": "x"')
    t.ok(r.status == 400 and r.error_code(), "malformed JSON: 400 JSON", repr(r))
    r = alice.post("/api/apps", {"files": 5})
    t.ok(r.status == 400 and r.error_code(), "files of the wrong type: 400", repr(r))
    r = alice.post("/api/apps", {"files": {"../escape.js": "x"}})
    t.ok(r.status == 400 and r.error_code(), "a file path leaving the app: 400", repr(r))
    r = alice.post("/api/apps", b"[1,2,3]")
    t.ok(r.status == 400 and r.error_code(), "a JSON array body: 400", repr(r))
    for method, path in (("GET", "/api/nope"), ("GET", "/api/apps/%s/nope" % aid),
                         ("POST", "/api/me/x")):
        r = alice.request(method, path)
        t.ok(r.status == 404 and r.error_code() == "not_found", "%s %s: 404 JSON" % (method, path), repr(r))
    r = alice.request("PATCH", "/api/apps")
    t.ok(r.status in (404, 405) and r.error_code(), "PATCH /api/apps: 404/405 JSON", repr(r))

    # The apps origin: a new app is private (a 403 page to anyone without its cookie,
    # whether it runs or not); to its owner a stopped app is 503 HTML, an unknown one
    # 404 HTML.
    r = inst.client(host=inst.app_host(aid)).get("/", headers={
        "Authorization": "Bearer " + inst.login("alice")})
    t.ok(r.status == 403 and b"private" in r.body,
         "a new (private) app's origin without its cookie: 403, a bearer token is no way in",
         repr(r))
    ac = inst.app_client(alice, aid)
    r = ac.get("/")
    t.ok(r.status == 503 and (r.header("content-type") or "").startswith("text/html"),
         "a stopped app's origin: 503 HTML page", repr(r))
    uc = inst.client(host=inst.app_host("zzzzzzzzzzzzzzzz"))
    r = uc.get("/")
    t.ok(r.status == 404 and b"<html" in r.body.lower(), "an unknown app's origin: 404 HTML", repr(r))
    ac.close()
    uc.close()

    # Delete.
    r = alice.delete("/api/apps/%s" % aid)
    t.eq(r.status, 204, "delete: 204")
    not_found(t, alice.get("/api/apps/%s" % aid), "get after delete")
    not_found(t, alice.get("/api/apps/%s/files" % aid), "files after delete")
    not_found(t, alice.delete("/api/apps/%s" % aid), "delete again")
    r = alice.get("/api/apps?limit=100")
    t.ok(aid not in [a.get("id") for a in (r.json() or {}).get("apps", [])],
         "the deleted app is gone from the list", repr(r))
    dc = inst.client(host=inst.app_host(aid))
    r = dc.get("/")
    t.eq(r.status, 404, "the deleted app's origin: 404")
    dc.close()
    alice.close()
    bob.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "apps", 18100))

"""test_appcopy.py: PATCH /api/apps/{id} (rename), POST /api/apps/{id}/duplicate and
GET /api/templates through appforged's FastCGI socket: good and bad names, ownership,
the copy's files, prompt and scan, the quota, the audit events; the gallery's kinds,
each example prompt making its kind."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon  # noqa: E402

JSON = {"Content-Type": "application/json"}


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def main():
    return run_daemon(run, workers=2, extra_conf="quota_apps = 3\n")


def patch(d, app, tok, body, raw=False):
    return d.req("PATCH", "/api/apps/%s" % app, body if raw else json.dumps(body).encode(), token=tok, headers=JSON)


def run(t, d):
    alice, bob, admin = d.login("alice"), d.login("bob"), d.login("admin")
    files = app_files({"public/index.html": "<p>hi</p>\n"})
    r = d.req("POST", "/api/apps", {"files": files, "name": "Original"}, token=alice)
    t.eq(r.status, 201, "create")
    app = r.json()["id"]

    # rename
    r = patch(d, app, alice, {"name": "Renamed \u00e9"})
    t.ok(r.status == 200 and r.json().get("name") == "Renamed \u00e9" and r.json().get("id") == app,
         "PATCH name: 200, the app renamed", r.body[:200])
    r = d.req("GET", "/api/apps/%s" % app, token=alice)
    t.eq(r.json().get("name"), "Renamed \u00e9", "GET shows the new name")
    for body, what in [({"name": ""}, "an empty name"), ({"name": "x" * 101}, "101 characters"),
                       ({"name": "a\u0007b"}, "a control character"), ({"name": 5}, "a number"),
                       ({}, "no name"), ({"name": "ok", "owner": "u_x"}, "an unknown member"),
                       ({"name": None}, "a null name")]:
        r = patch(d, app, alice, body)
        t.ok(is_error(r, 400, "invalid_request"), "PATCH %s: 400 (got %d)" % (what, r.status))
    r = patch(d, app, alice, b'{"name":', raw=True)
    t.ok(is_error(r, 400), "PATCH malformed JSON: 400")
    r = patch(d, app, alice, {"name": "x" * 100})
    t.ok(r.status == 200, "PATCH a name of 100 characters: 200")
    r = patch(d, app, bob, {"name": "mine"})
    t.ok(is_error(r, 404, "not_found"), "bob renames alice's app: 404")
    r = patch(d, "aaaaaaaaaaaaaaaa", alice, {"name": "x"})
    t.ok(is_error(r, 404), "unknown app: 404")
    r = d.req("PATCH", "/api/apps/%s" % app, b'{"name":"x"}', token=alice, headers={"Content-Type": "text/plain"})
    t.ok(is_error(r, 415), "PATCH text/plain: 415")
    r = d.req("GET", "/api/apps/%s" % app, token=alice)
    t.eq(r.json().get("name"), "x" * 100, "the refused PATCHes changed nothing")
    patch(d, app, alice, {"name": "Original"})

    # duplicate
    r = d.req("POST", "/api/apps/%s/duplicate" % app, token=alice)
    c = r.json() if r.status == 201 else {}
    t.ok(r.status == 201 and c.get("name") == "Copy of Original" and c.get("id") != app and
         (r.header("location") or "").endswith("/api/apps/%s" % c.get("id")),
         "duplicate: 201 'Copy of Original', a new id, Location", r.body[:300])
    t.ok(c.get("scan", {}).get("verdict") == "pass" and c.get("status") == "ready", "the copy: ready, scan pass")
    r = d.req("GET", "/api/apps/%s/files" % c.get("id"), token=alice)
    t.ok(r.status == 200 and r.json()["files"] == files, "the copy has the same files")
    r = d.req("POST", "/api/apps/%s/duplicate" % app, token=bob)
    t.ok(is_error(r, 404, "not_found"), "bob duplicates alice's app: 404")
    r = d.req("GET", "/api/apps/%s/duplicate" % app, token=alice)
    t.ok(is_error(r, 405), "GET duplicate: 405")

    # a long name is cut to 100 characters (at a character boundary)
    patch(d, app, alice, {"name": "\u00e9" * 100})
    r = d.req("POST", "/api/apps/%s/duplicate" % app, token=alice)
    t.ok(r.status == 201 and r.json().get("name") == "Copy of " + "\u00e9" * 92,
         "the copy of a 100-character name: cut to 100 characters", r.body[:300])

    # the quota (3): alice has 3 now
    r = d.req("POST", "/api/apps/%s/duplicate" % app, token=alice)
    t.ok(is_error(r, 403, "quota_exceeded"), "over quota_apps: 403 quota_exceeded", r.body[:200])
    r = d.req("GET", "/api/apps", token=alice)
    t.eq(len(r.json()["apps"]), 3, "and no fourth app")

    r = d.req("GET", "/api/admin/audit?action=app.duplicate", token=admin)
    t.ok(r.status == 200 and len(r.json()["events"]) == 2 and
         all(e["detail"].get("from") == app for e in r.json()["events"]), "audit: app.duplicate from the source, twice")
    # the template gallery
    r = d.req("GET", "/api/templates", token=bob)
    tpl = (r.json() or {}).get("templates") or [] if r.status == 200 else []
    t.ok(r.status == 200 and len(tpl) >= 13 and
         all(set(x) == {"kind", "title", "description", "example_prompt"} and all(x.values()) for x in tpl),
         "GET /api/templates: every kind with a title, a description and an example prompt", r.body[:300])
    t.ok(len({x["kind"] for x in tpl}) == len(tpl) and {"todo", "poll", "chat"} <= {x["kind"] for x in tpl},
         "each kind once (todo, poll, chat among them)")
    r = d.req("GET", "/api/templates")
    t.ok(is_error(r, 401), "GET /api/templates without a token: 401")
    r = d.req("POST", "/api/templates", b"{}", token=bob, headers=JSON)
    t.ok(is_error(r, 405), "POST /api/templates: 405")
    ex = next((x["example_prompt"] for x in tpl if x["kind"] == "poll"), "")
    r = d.req("POST", "/api/apps", {"prompt": ex}, token=bob)
    made = r.json().get("id") if r.status == 201 else None
    r = d.req("GET", "/api/apps/%s/files" % made, token=bob)
    t.ok(made and r.status == 200 and '"kind":"poll"' in r.json()["files"].get("server.js", ""),
         "the poll example prompt generates a poll app")

    r = d.req("GET", "/api/admin/audit?action=app.rename", token=admin)
    t.ok(r.status == 200 and len(r.json()["events"]) == 4, "audit: app.rename for each of the 4 renames")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""test_revisions.py: an app's history through nginx (ports 19300-19399): saves make
revisions, list, files, diff and restore, and bad revision numbers, unknown revisions
and other users' apps answered with JSON errors; iterate (changing an app by asking)
with its 422 for a request not understood."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SERVER_JS = ("const http = require('http');\n"
             "http.createServer((q, s) => s.end('v%d')).listen(process.env.PORT);\n")


def err(t, r, status, desc):
    t.ok(r.status == status and r.error_code() is not None and
         (r.header("content-type") or "").startswith("application/json"),
         "%s: %d JSON error" % (desc, status), repr(r))


def main(t, inst):
    alice = inst.client(token=inst.login("alice"))
    bob = inst.client(token=inst.login("bob"))
    r = alice.post("/api/apps", {"files": {"server.js": SERVER_JS % 1}, "name": "hist"})
    aid = (r.json() or {}).get("id", "")
    t.ok(r.status == 201, "create: 201", repr(r))
    for v in (2, 3):
        r = alice.put("/api/apps/%s/files" % aid, {"files": {"server.js": SERVER_JS % v}})
        t.eq(r.status, 200, "save v%d" % v)
    base = "/api/apps/%s/revisions" % aid
    r = alice.get(base)
    revs = (r.json() or {}).get("revisions", [])
    t.ok(r.status == 200 and [x.get("n") for x in revs] == [3, 2, 1]
         and [x.get("source") for x in revs] == ["save", "save", "upload"], "three revisions, newest first",
         repr(r))
    r = alice.get(base + "/2/diff?against=1")
    files = (r.json() or {}).get("files", [])
    t.ok(r.status == 200 and len(files) == 1 and "-http.createServer((q, s) => s.end('v1'))" in files[0]["diff"]
         and "+http.createServer((q, s) => s.end('v2'))" in files[0]["diff"], "diff 2 against 1", repr(r))
    r = alice.post(base + "/1/restore")
    body = r.json() or {}
    t.ok(r.status == 200 and body.get("revision", {}).get("n") == 4
         and body.get("revision", {}).get("source") == "restore", "restore 1 makes revision 4", repr(r))
    r = alice.get("/api/apps/%s/files" % aid)
    t.eq((r.json() or {}).get("files"), {"server.js": SERVER_JS % 1}, "the restored files are revision 1's")
    r = alice.get(base + "/4/files")
    t.eq((r.json() or {}).get("files"), {"server.js": SERVER_JS % 1}, "revision 4 holds them too")

    err(t, alice.get(base + "/0/files"), 404, "revision 0")
    err(t, alice.get(base + "/x/files"), 404, "revision x")
    err(t, alice.get(base + "/99/files"), 404, "unknown revision")
    err(t, alice.post(base + "/99/restore"), 404, "restore of an unknown revision")
    err(t, alice.get(base + "/2/diff?against=nope"), 400, "against not a number")
    err(t, alice.get(base + "?cursor=zz"), 400, "a bad cursor")
    err(t, bob.get(base), 404, "another user's history")
    err(t, bob.post(base + "/1/restore"), 404, "another user's restore")
    t.eq(len((alice.get(base).json() or {}).get("revisions", [])), 4, "refused requests made no revision")
    t.eq(alice.delete("/api/apps/%s" % aid).status, 204, "delete")
    err(t, alice.get(base), 404, "history of a deleted app")
    t.eq(inst.sql("SELECT count(*) FROM blobs WHERE app_id = ?", (aid,))[0][0], 0, "no blob left")

    # iterate through nginx: a template app changed by asking, and a request not understood
    r = alice.post("/api/apps", {"prompt": "a shared shopping list for my flat"})
    gid = (r.json() or {}).get("id", "")
    t.ok(r.status == 201 and (r.json() or {}).get("generation", {}).get("kind") == "todo",
         "generate: the app carries its generation", repr(r))
    r = alice.post("/api/apps/%s/iterate" % gid, {"prompt": "add a quantity field"})
    body = r.json() or {}
    t.ok(r.status == 200 and body.get("revision", {}).get("source") == "iterate"
         and any(f.get("name") == "quantity" for f in body.get("app", {}).get("generation", {}).get("fields", [])),
         "iterate 'add a quantity field': 200, an iterate revision, the field in the generation", repr(r))
    r = alice.post("/api/apps/%s/iterate" % gid, {"prompt": "paint it with rainbows"})
    t.ok(r.status == 422 and r.error_code() == "generation_failed", "an instruction not understood: 422", repr(r))
    err(t, alice.post("/api/apps/%s/iterate" % gid, {"prompt": ""}), 400, "an empty prompt")
    err(t, bob.post("/api/apps/%s/iterate" % gid, {"prompt": "add a x field"}), 404, "another user's app")
    t.eq(len((alice.get("/api/apps/%s/revisions" % gid).json() or {}).get("revisions", [])), 2,
         "only the understood change made a revision")
    t.eq(alice.delete("/api/apps/%s" % gid).status, 204, "delete the generated app")
    alice.close()
    bob.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "revisions", 19300))

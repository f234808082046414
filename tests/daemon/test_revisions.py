"""test_revisions.py: the history of an app's code through appforged's FastCGI socket:
every create, generate, save and restore makes a revision; the list pages newest first;
files and diffs of any revision; restore makes a new revision; unchanged contents are
stored once; bad numbers, unknown revisions and foreign apps are 404s; deleting the app
leaves no blob or revision behind. Restore with {"data": true} of a revision without a
data snapshot is 409, a bad "data" 400 (the whole path: tests/lifecycle/test_snapshots.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, sqlite_query, run_daemon  # noqa: E402


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def main():
    return run_daemon(run, workers=2)


def run(t, d):
    alice, bob = d.login("alice"), d.login("bob")
    db = d.db_path
    v1 = app_files({"public/index.html": "<h1>one</h1>\n", "README.md": "a\nb\nc\n"})
    r = d.req("POST", "/api/apps", {"files": v1, "name": "Hist"}, token=alice)
    t.ok(r.status == 201, "create from files: 201", r.body)
    aid = r.json()["id"]
    base = "/api/apps/%s/revisions" % aid

    r = d.req("GET", base, token=alice)
    revs = r.json().get("revisions", []) if r.status == 200 else []
    t.ok(r.status == 200 and len(revs) == 1 and revs[0]["n"] == 1 and revs[0]["source"] == "upload"
         and revs[0]["author"] == d.req("GET", "/api/me", token=alice).json()["id"]
         and sorted(c["path"] for c in revs[0]["changes"]) == sorted(v1)
         and all(c["change"] == "added" for c in revs[0]["changes"]) and r.json()["next_cursor"] is None,
         "a created app has revision 1 (upload, by its owner, every file added)", r.body)

    # save unchanged, then a real change (modified, added, deleted)
    r = d.req("PUT", "/api/apps/%s/files" % aid, {"files": v1}, token=alice)
    t.ok(r.status == 200, "save unchanged: 200", r.body)
    v3 = dict(v1)
    v3["README.md"] = "a\nB\nc\n"
    v3["public/new.js"] = "console.log(1);\n"
    del v3["public/index.html"]
    r = d.req("PUT", "/api/apps/%s/files" % aid, {"files": v3}, token=alice)
    t.ok(r.status == 200, "save changed: 200", r.body)
    revs = d.req("GET", base, token=alice).json()["revisions"]
    t.ok([x["n"] for x in revs] == [3, 2, 1] and revs[0]["source"] == "save" and revs[1]["changes"] == []
         and sorted((c["path"], c["change"]) for c in revs[0]["changes"])
         == [("README.md", "modified"), ("public/index.html", "deleted"), ("public/new.js", "added")],
         "saves make revisions 2 (no change) and 3 (modified, added, deleted), newest first", revs)
    blobs = sqlite_query(db, "SELECT count(*) FROM blobs WHERE app_id = ?", (aid,))[0][0]
    t.ok(blobs == 5, "unchanged contents are stored once (5 distinct contents, got %d)" % blobs)

    # paging
    r = d.req("GET", base + "?limit=2", token=alice)
    p1 = r.json()
    r2 = d.req("GET", base + "?limit=2&cursor=" + str(p1["next_cursor"]), token=alice)
    t.ok([x["n"] for x in p1["revisions"]] == [3, 2] and p1["next_cursor"]
         and [x["n"] for x in r2.json()["revisions"]] == [1] and r2.json()["next_cursor"] is None,
         "pages of 2: [3, 2] then [1]", (p1, r2.body))
    t.ok(is_error(d.req("GET", base + "?cursor=abc", token=alice), 400)
         and is_error(d.req("GET", base + "?cursor=-1", token=alice), 400)
         and is_error(d.req("GET", base + "?limit=0", token=alice), 400)
         and is_error(d.req("GET", base + "?limit=101", token=alice), 400), "bad cursor or limit: 400")

    # files and diff
    r = d.req("GET", base + "/1/files", token=alice)
    t.ok(r.status == 200 and r.json()["files"] == v1 and r.json()["revision"]["n"] == 1,
         "files of revision 1 are the first files", r.body)
    r = d.req("GET", base + "/3/diff?against=1", token=alice)
    body = r.json() if r.status == 200 else {}
    fd = {f["path"]: f for f in body.get("files", [])}
    t.ok(r.status == 200 and body["from"] == 1 and body["to"] == 3 and sorted(fd) ==
         ["README.md", "public/index.html", "public/new.js"]
         and fd["README.md"]["diff"] == "--- a/README.md\n+++ b/README.md\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
         and fd["public/index.html"]["change"] == "deleted" and "+++ /dev/null" in fd["public/index.html"]["diff"]
         and fd["public/new.js"]["diff"].startswith("--- /dev/null\n+++ b/public/new.js\n"),
         "diff 3 against 1: a unified diff per changed file", r.body)
    r = d.req("GET", base + "/3/diff", token=alice)
    t.ok(r.status == 200 and r.json()["from"] == 2 and len(r.json()["files"]) == 3,
         "diff without 'against' compares with the revision before", r.body)
    r = d.req("GET", base + "/1/diff", token=alice)
    t.ok(r.status == 200 and r.json()["from"] is None and len(r.json()["files"]) == len(v1),
         "diff of revision 1: every file added", r.body)
    t.ok(d.req("GET", base + "/2/diff?against=1", token=alice).json()["files"] == [],
         "diff of an unchanged save: no files")

    # restore
    r = d.req("POST", base + "/1/restore", token=alice)
    body = r.json() if r.status == 200 else {}
    t.ok(r.status == 200 and body["revision"]["n"] == 4 and body["revision"]["source"] == "restore"
         and body["revision"]["message"] == "restored revision 1" and body["app"]["id"] == aid
         and body["app"]["status"] == "ready", "restore 1: 200, makes revision 4 (restore)", r.body)
    t.ok(d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"] == v1,
         "after the restore the app's files are those of revision 1")
    t.ok(sqlite_query(db, "SELECT count(*) FROM blobs WHERE app_id = ?", (aid,))[0][0] == 5,
         "a restore stores no content again")
    audit = sqlite_query(db, "SELECT detail FROM audit WHERE action = 'app.revision.restore' AND target = ?", (aid,))
    t.ok(len(audit) == 1 and '"revision":4' in audit[0][0], "the restore is audited", audit)

    # data snapshots: an app that never ran has none; restore with data is refused
    # clearly, changes nothing; a bad "data" is a 400
    revs = d.req("GET", base, token=alice).json()["revisions"]
    t.ok(all(x.get("data_snapshot") is False for x in revs), "never run: no revision has a data snapshot", revs)
    n_before = len(revs)
    r = d.req("POST", base + "/1/restore", {"data": True}, token=alice)
    t.ok(is_error(r, 409, "no_snapshot") and "revision 1" in r.json()["error"]["message"]
         and len(d.req("GET", base, token=alice).json()["revisions"]) == n_before,
         "restore 1 with data: 409 no_snapshot, no revision made", r.body)
    for body, what in (({"data": "true"}, "a string"), ({"data": 1}, "a number"), ({"data": None}, "null"),
                       ({"data": True, "files": {}}, "an unknown key"), ([1], "an array"), ("{", "broken JSON")):
        r = d.req("POST", base + "/1/restore", body, token=alice)
        t.ok(is_error(r, 400, "invalid_request"), "restore with %s as body: 400" % what, r.body)
    r = d.req("POST", base + "/1/restore", {"data": False}, token=alice)
    t.ok(r.status == 200 and r.json()["revision"]["data_snapshot"] is False
         and r.json()["revision"]["message"] == "restored revision 1",
         "restore with data false: a code restore, 200", r.body)
    r = d.req("GET", base + "/%d/files" % r.json()["revision"]["n"], token=alice)
    t.ok(r.status == 200 and r.json()["revision"]["data_snapshot"] is False, "revision files: data_snapshot", r.body)
    t.ok(is_error(d.req("POST", base + "/1/restore", {"data": True}, token=bob), 404),
         "another user's app with data: 404")

    # bad numbers, unknown revisions, foreign apps
    for bad in ("0", "abc", "01", "-1", "1x", "9999999999"):
        r1 = d.req("GET", base + "/%s/files" % bad, token=alice)
        r2 = d.req("POST", base + "/%s/restore" % bad, token=alice)
        t.ok(is_error(r1, 404) and is_error(r2, 404), "revision %r: 404" % bad, (r1.body, r2.body))
    for path in ("/99/files", "/99/diff", "/1/diff?against=99"):
        t.ok(is_error(d.req("GET", base + path, token=alice), 404, "not_found"), "GET %s: 404" % path)
    n_before = len(d.req("GET", base, token=alice).json()["revisions"])
    t.ok(is_error(d.req("POST", base + "/99/restore", token=alice), 404)
         and len(d.req("GET", base, token=alice).json()["revisions"]) == n_before,
         "restore of an unknown revision: 404, nothing made")
    for bad in ("abc", "0", "-2", "1.5", ""):
        t.ok(is_error(d.req("GET", base + "/2/diff?against=" + bad, token=alice), 400),
             "diff against=%r: 400" % bad)
    t.ok(is_error(d.req("GET", base, token=bob), 404) and is_error(d.req("GET", base + "/1/files", token=bob), 404)
         and is_error(d.req("GET", base + "/2/diff", token=bob), 404)
         and is_error(d.req("POST", base + "/1/restore", token=bob), 404),
         "another user's app: every revision route is a 404")
    t.ok(d.req("GET", base).status == 401, "no token: 401")
    t.ok(is_error(d.req("DELETE", base + "/1/files", token=alice), 405), "DELETE on revision files: 405")

    # a generated app starts with a "generate" revision that keeps the explanation
    r = d.req("POST", "/api/apps", {"prompt": "a todo list for my chores"}, token=alice)
    t.ok(r.status == 201, "generate (template): 201", r.body)
    gid = r.json()["id"]
    revs = d.req("GET", "/api/apps/%s/revisions" % gid, token=alice).json()["revisions"]
    t.ok(len(revs) == 1 and revs[0]["source"] == "generate" and "todo" in revs[0]["message"],
         "a generated app has revision 1 (generate) whose message is the generator's explanation", revs)

    # deleting leaves nothing behind
    for a in (aid, gid):
        t.ok(d.req("DELETE", "/api/apps/" + a, token=alice).status == 204, "delete app: 204")
    left = [sqlite_query(db, "SELECT count(*) FROM %s WHERE app_id IN (?, ?)" % tbl, (aid, gid))[0][0]
            for tbl in ("blobs", "revisions", "revision_files")]
    t.ok(left == [0, 0, 0], "deleting the apps leaves no blob, revision or revision file (%r)" % (left,))


if __name__ == "__main__":
    sys.exit(main())

"""test_appview.py: the app object as the list, GET, a rename and a restore show it
(one writer, fcgi/app_json.c), and a dead generation job settled where the app is
loaded: through appforged's FastCGI socket, with rows the test writes into the
database itself (a run, a generation, findings, a "generating" status).

- The list's objects are the GET objects, field for field, whatever the strings hold
  (quotes, backslashes, control characters, non-ASCII), with the newest run, the
  generation without its "spec" and stored findings.
- A "generating" app whose job holds its lock stays generating, and showing it writes
  nothing; once the lock is free, the list shows it failed ("interrupted"), the table
  says so and one app.generate.failed event is written."""
import fcntl
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon, sqlite_query, sqlite_write  # noqa: E402


def main():
    return run_daemon(run, workers=2)


def listed(d, tok):
    r = d.req("GET", "/api/apps?limit=100", token=tok)
    return r, {a["id"]: a for a in (r.json().get("apps", []) if r.status == 200 else [])}


def failed_events(d, app):
    return sqlite_query(d.db_path,
                        "SELECT count(*) FROM audit WHERE action = 'app.generate.failed' AND target = ?",
                        (app,))[0][0]


def check_shapes(t, d, alice):
    ids = []
    for n in range(3):
        r = d.req("POST", "/api/apps", {"files": app_files(), "name": "view %d" % n}, token=alice)
        t.eq(r.status, 201, "create app %d" % n)
        ids.append(r.json()["id"])
        g = d.req("GET", "/api/apps/%s" % ids[-1], token=alice)
        t.ok(r.header("location") == "/api/apps/%s" % ids[-1] and r.json() == g.json(),
             "its 201 has the Location and the GET object", r)
    a, b, c = ids
    odd = 'q"uote \\back\\slash /slash \u00e9\u20ac\U0001F600 \x01\x1f\t\n end'
    sqlite_write(d.db_path, "UPDATE apps SET prompt = ?, error = ? WHERE id = ?", (odd, "err \"x\"\n", a))
    sqlite_write(d.db_path, "INSERT INTO runs(app_id, state, port, pid, started_at, ended_at, exit_code, reason)"
             " VALUES (?, 'exited', 20001, 0, 1795878245, 1795878300, 1, 'crashed')", (a,))
    sqlite_write(d.db_path, "INSERT INTO runs(app_id, state, port, pid, started_at, ended_at, exit_code, reason)"
             " VALUES (?, 'exited', 20002, 0, 1795878400, 1795878500, 137, 'memory')", (a,))
    gen = {"provider": "template", "kind": "notes", "fields": {"title": "T/x"},
           "explanation": "why \"so\"", "spec": {"secret": "working copy"}}
    sqlite_write(d.db_path, "UPDATE apps SET generation = ?, scan_verdict = 'warn', scan_findings = ? WHERE id = ?",
          (json.dumps(gen), json.dumps([{"rule": "r1", "file": "server.js", "line": 3}]), b))
    r, apps = listed(d, alice)
    t.ok(r.status == 200 and set(ids) <= set(apps), "the list holds the three apps", r)
    same = True
    for i in ids:
        g = d.req("GET", "/api/apps/%s" % i, token=alice)
        if g.status != 200 or g.json() != apps.get(i):
            same = False
            t.diag("%s: list %r\n GET %r" % (i, apps.get(i), g.body[:600]))
    t.ok(same, "each listed app is its GET, field for field")
    x = apps.get(a, {})
    t.eq(x.get("prompt"), odd, "quotes, backslashes, controls and non-ASCII round-trip")
    t.eq(x.get("error"), "err \"x\"\n", "an error string round-trips")
    newest = sqlite_query(d.db_path,
                          "SELECT max(id) FROM runs WHERE app_id = ?", (a,))[0][0]
    t.eq(x.get("run"), {"id": newest, "state": "exited", "port": 20002, "started_at": "2026-11-28T15:06:40Z",
                        "expires_at": None, "exit_code": 137, "reason": "memory"},
         "the newest of two runs is shown")
    y = apps.get(b, {})
    t.eq(y.get("generation"), {k: v for k, v in gen.items() if k != "spec"},
         "the generation is shown without its spec")
    t.eq(y.get("scan"), {"verdict": "warn", "findings": [{"rule": "r1", "file": "server.js", "line": 3}]},
         "stored findings are shown")
    z = apps.get(c, {})
    t.eq(z.get("run"), {"id": None, "state": "stopped", "port": None, "started_at": None, "expires_at": None,
                        "exit_code": None, "reason": None}, "an app that never ran: stopped, nulls")
    t.ok(z.get("generation") is None and z.get("scan", {}).get("findings") == [] and
         z.get("prompt") is None and "error" not in z, "no generation, no findings, no prompt, no error")
    r = d.req("PATCH", "/api/apps/%s" % a, {"name": "renamed"}, token=alice)
    want = dict(x, name="renamed")
    got = r.json() if r.status == 200 else {}
    t.ok(r.status == 200 and {k: v for k, v in got.items() if k != "updated_at"} ==
         {k: v for k, v in want.items() if k != "updated_at"}, "a rename answers the same object", r)
    r = d.req("GET", "/api/apps/%s/revisions" % b, token=alice)
    n = r.json()["revisions"][0]["n"] if r.status == 200 and r.json().get("revisions") else 1
    r = d.req("POST", "/api/apps/%s/revisions/%d/restore" % (b, n), token=alice)
    g = d.req("GET", "/api/apps/%s" % b, token=alice)
    t.ok(r.status in (200, 201) and r.json().get("app") == g.json(),
         "a restore's embedded app is the GET object", r)
    # the generation as shown comes from the database's JSON functions: only the top
    # level "spec" goes; anything but a JSON object shows null (the schema refuses text
    # that is not JSON); strings keep their value
    nested = {"kind": "notes", "fields": {"spec": "a field named spec stays"},
              "explanation": "caf\u00e9 \"q\" \\ </x>", "spec": {"drop": 1}}
    for stored, want, what in (
            (json.dumps(nested), {k: v for k, v in nested.items() if k != "spec"},
             "only the top-level spec is left out; escapes and non-ASCII keep their value"),
            ('["not", "an", "object"]', None, "a generation that is not an object shows null")):
        sqlite_write(d.db_path, "UPDATE apps SET generation = ? WHERE id = ?", (stored, c))
        g = d.req("GET", "/api/apps/%s" % c, token=alice)
        r, apps = listed(d, alice)
        t.ok(g.status == 200 and g.json().get("generation") == want and
             apps.get(c, {}).get("generation") == want, what, g)
    sqlite_write(d.db_path, "UPDATE apps SET generation = NULL WHERE id = ?", (c,))
    return ids


def check_settle(t, d, alice, app):
    db = d.db_path
    jobs = os.path.join(d.state, "jobs")
    st = os.stat(d.state)  # the daemon's user, as a real job's lock would be
    os.makedirs(jobs, exist_ok=True)
    os.chown(jobs, st.st_uid, st.st_gid)
    # an old updated_at: the answer must show the one the settling stored
    sqlite_write(d.db_path, "UPDATE apps SET status = 'generating', error = NULL, updated_at = 1000000000"
             " WHERE id = ?", (app,))
    lock = open(os.path.join(jobs, app + ".lock"), "w")
    os.chown(lock.name, st.st_uid, st.st_gid)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        before = sqlite_query(db, "SELECT updated_at FROM apps WHERE id = ?", (app,))
        r, apps = listed(d, alice)
        g = d.req("GET", "/api/apps/%s" % app, token=alice)
        t.ok(apps.get(app, {}).get("status") == "generating" and g.json().get("status") == "generating",
             "a job that holds its lock: listed and got as generating")
        t.ok(sqlite_query(db, "SELECT updated_at FROM apps WHERE id = ?", (app,)) == before and
             failed_events(d, app) == 0, "showing a live generation writes nothing")
    finally:
        lock.close()
    r, apps = listed(d, alice)
    x = apps.get(app, {})
    t.ok(x.get("status") == "failed" and "interrupted" in (x.get("error") or ""),
         "its job gone: the list shows it failed (%s)" % x.get("error"), r)
    t.eq(sqlite_query(db, "SELECT status FROM apps WHERE id = ?", (app,))[0][0], "failed",
         "and the table says failed")
    t.ok(x.get("updated_at", "2001").startswith("20") and not x["updated_at"].startswith("2001"),
         "the list shows the updated_at the settling stored (%s)" % x.get("updated_at"))
    g = d.req("GET", "/api/apps/%s" % app, token=alice)
    t.ok(g.json() == x and failed_events(d, app) == 1,
         "GET agrees (updated_at too), and one app.generate.failed event was written",
         "list %r\nGET %r\nevents %d" % (x, g.body[:600], failed_events(d, app)))
    # a dead job seen first by GET of one app
    sqlite_write(d.db_path, "UPDATE apps SET status = 'generating', error = NULL WHERE id = ?", (app,))
    g = d.req("GET", "/api/apps/%s" % app, token=alice)
    t.ok(g.status == 200 and g.json().get("status") == "failed" and failed_events(d, app) == 2,
         "GET of one app settles a dead job too")


def run(t, d):
    alice = d.login("alice")
    ids = check_shapes(t, d, alice)
    check_settle(t, d, alice, ids[2])


if __name__ == "__main__":
    sys.exit(main())

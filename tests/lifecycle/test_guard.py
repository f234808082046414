#!/usr/bin/env python3
"""test_guard.py: what stops an app from running or being made (ports 31400-31499).

The code scanner's block verdict (status blocked, run 409 scan_blocked with the findings;
clean files make it runnable), the quota of apps per user (403), of running apps per
user (403), and of generations per hour (429 with Retry-After), each per user."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

EVIL = {"server.js": "const cp = require('child_process');\ncp.execSync('id');\n"
                     "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT);\n"}
CLEAN = {"server.js": "require('http').createServer((q, s) => s.end('clean')).listen(process.env.PORT);\n"}


def main(t, inst):
    api = inst.client(inst.login("alice"))
    bob = inst.client(inst.login("bob"))

    # the scanner blocks a run
    r = api.post("/api/apps", {"files": EVIL, "name": "evil"})
    app = r.json() or {}
    t.ok(r.status == 201 and app.get("status") == "blocked" and app["scan"]["verdict"] == "block",
         "files with child_process: 201, status blocked", r)
    evil = app.get("id")
    r = api.post("/api/apps/%s/run" % evil)
    err = (r.json() or {}).get("error") or {}
    t.ok(r.status == 409 and err.get("code") == "scan_blocked" and
         any(f.get("rule") == "child-process" and f.get("line") for f in err.get("findings", [])),
         "run of a blocked app: 409 scan_blocked with the findings", r)
    t.ok(not os.path.exists(os.path.join(lc.app_dir(inst, evil), "code")), "blocked: no code was written out")
    r = api.put("/api/apps/%s/files" % evil, {"files": CLEAN})
    t.ok(r.status == 200 and (r.json() or {}).get("status") == "ready", "clean files: ready again", r)
    first_port = lc.run(t, api, evil, "the cleaned app runs")
    origin = inst.app_client(api, evil)
    r = origin.get("/")
    t.ok(r.status == 200 and r.body == b"clean", "it serves its new code", r)
    origin.close()

    # running quota (1)
    gen1 = lc.create(t, api, {"prompt": "a counter for push-ups"}).get("id")
    r = api.post("/api/apps/%s/run" % gen1)
    t.ok(r.status == 403 and r.error_code() == "quota_exceeded", "second running app: 403 quota_exceeded", r)
    t.eq(api.get("/api/apps/%s" % gen1).json()["run"]["state"], "stopped", "the refused app is not running")
    r = api.post("/api/apps/%s/run" % evil)
    t.ok(r.status == 200 and r.json()["run"]["port"] == first_port, "run of a running app: 200, same port", r)
    t.eq(api.post("/api/apps/%s/stop" % evil).status, 200, "stop the first app")
    lc.run(t, api, gen1, "now the second app may run")
    t.eq(api.post("/api/apps/%s/stop" % gen1).status, 200, "stop it")
    t.eq(api.post("/api/apps/%s/stop" % gen1).status, 200, "stop of a stopped app: 200")

    # app quota (3)
    gen2 = lc.create(t, api, {"prompt": "my reading list"}).get("id")
    r = api.post("/api/apps", {"prompt": "a place to keep my notes"})
    t.ok(r.status == 403 and r.error_code() == "quota_exceeded", "fourth app from a prompt: 403 quota_exceeded", r)
    r = api.post("/api/apps", {"files": CLEAN})
    t.ok(r.status == 403 and r.error_code() == "quota_exceeded", "fourth app from files: 403 quota_exceeded", r)
    r = bob.post("/api/apps", {"prompt": "a place to keep my notes"})
    t.eq(r.status, 201, "another user is not affected by alice's quota")

    # generations per hour (4): deleting apps does not give generations back
    t.eq(api.delete("/api/apps/%s" % gen2).status, 204, "delete one app")
    gen3 = lc.create(t, api, {"prompt": "my reading list"}).get("id")
    t.eq(api.delete("/api/apps/%s" % gen3).status, 204, "delete it again")
    gen4 = lc.create(t, api, {"prompt": "my reading list"}).get("id")
    t.eq(api.delete("/api/apps/%s" % gen4).status, 204, "and again")
    r = api.post("/api/apps", {"prompt": "my reading list"})
    ra = r.header("Retry-After") or ""
    t.ok(r.status == 429 and r.error_code() == "rate_limited" and ra.isdigit() and 1 <= int(ra) <= 3600,
         "fifth generation within the hour: 429 rate_limited, Retry-After %s" % ra, r)
    r = api.post("/api/apps", {"files": CLEAN, "name": "uploaded"})
    t.eq(r.status, 201, "creating from files is not a generation")
    ev = inst.client(inst.login("admin")).get("/api/admin/audit?action=app.generate&limit=100").json() or {}
    t.ok(len([e for e in ev.get("events", []) if e.get("target")]) >= 5,
         "every generation is in the audit log")
    for bad in ({"prompt": ""}, {"prompt": 5}, {"prompt": "x" * 20000}, {"prompt": "ok", "files": CLEAN},
                {"prompt": "ok", "name": "a\nb"}):
        r = bob.post("/api/apps", bad)
        t.ok(r.status == 400 and r.error_code() == "invalid_request", "bad body %r...: 400" % str(bad)[:40], r)


sys.exit(lc.run_file(main, "lc-guard", 31400, conf={
    "quota_apps": 3, "quota_running": 1, "quota_generations_per_hour": 4}))

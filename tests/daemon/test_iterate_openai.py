"""test_iterate_openai.py: changing an app by asking with the openai provider, against
tests/generator/fake_openai.py (a free port of 30500-30549): the model gets the current
files without appforge's guard and answers with the changed files only; the result is
merged, validated, given the guard again, scanned and stored as an iterate revision.
A model that refuses, writes the guard or deletes server.js changes nothing (422)."""
import os
import subprocess
import sys
import time
import json
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import Daemon, Tap  # noqa: E402

SRC = os.environ.get("AF_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE = os.path.join(SRC, "tests", "generator", "fake_openai.py")
GUARD = "appforge_guard.js"


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def main():
    t = Tap()
    fake = subprocess.Popen([sys.executable, FAKE, "30500", "30549"], stdout=subprocess.PIPE, text=True)
    line = fake.stdout.readline().split()
    if line[:1] != ["ready"]:
        print("1..0 # SKIP no free port for the fake model server")
        fake.kill()
        return 0
    port = int(line[1])
    d = Daemon(workers=2, extra_conf="generator = openai\nopenai_base_url = http://127.0.0.1:%d/v1/\n"
               "openai_model = test-model\nopenai_timeout_seconds = 10\nquota_generations_per_hour = 3\n" % port)
    try:
        d.init().start()
        run(t, d, port)
    except Exception as e:  # a crash of the harness is a failure, not a pass
        import traceback
        t.ok(False, "harness: %s" % e, traceback.format_exc() + "\n" + d.log())
    finally:
        rc = d.stop()
        t.ok(rc == 0, "appforged exits 0 on SIGTERM (got %r)" % rc)
        d.cleanup(t)
        fake.kill()
        fake.wait()
    return t.done()


def wait_ready(d, token, aid, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        a = d.req("GET", "/api/apps/" + aid, token=token).json()
        if a["status"] != "generating":
            return a
        time.sleep(0.2)
    return a


def run(t, d, port):
    alice = d.login("alice")
    r = d.req("POST", "/api/apps", {"prompt": "a greeting page MODE:good"}, token=alice)
    t.ok(r.status == 202, "openai generation: 202", r.body)
    aid = r.json()["id"]
    app = wait_ready(d, alice, aid)
    g = app.get("generation") or {}
    t.ok(app["status"] == "ready" and g.get("provider") == "openai" and g.get("kind") is None
         and g.get("fields") == [] and g.get("explanation") == "kept it tiny",
         "the generated app keeps the model's explanation as its generation", app)
    revs = d.req("GET", "/api/apps/%s/revisions" % aid, token=alice).json()["revisions"]
    t.ok(len(revs) == 1 and revs[0]["source"] == "generate" and revs[0]["message"] == "kept it tiny",
         "the job's result is revision 1 (generate)", revs)
    before = d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"]

    it = "/api/apps/%s/iterate" % aid
    r = d.req("POST", it, {"prompt": "add a footer MODE:patch"}, token=alice)
    body = r.json() if r.status == 200 else {}
    files = d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"]
    last = json.load(urllib.request.urlopen("http://127.0.0.1:%d/stats" % port))["requests"][-1]
    t.ok(r.status == 200 and body["explanation"] == "Added a footer." and body["revision"]["source"] == "iterate"
         and body["revision"]["n"] == 2, "iterate: 200, revision 2 with the model's explanation", r.body)
    t.ok(last["mode"] == "patch" and last["user_has_server"] and not last["user_has_guard"]
         and "only the files you change" in last["system_text"],
         "the model got the current files without the guard, and the iterate instructions", last)
    t.ok("<footer>" in files.get("public/index.html", "") and files.get("public/extra.css")
         and files["server.js"] == before["server.js"] and files[GUARD] == before[GUARD]
         and files["server.js"].count(GUARD) == 1,
         "changed files merged into the others; server.js and the guard as they were", files.keys())
    changes = sorted((c["path"], c["change"]) for c in body["revision"]["changes"])
    t.ok(changes == [("public/extra.css", "added"), ("public/index.html", "modified")],
         "the revision lists exactly the model's changes", changes)

    n = len(d.req("GET", "/api/apps/%s/revisions" % aid, token=alice).json()["revisions"])
    for mode, why in (("patch_refuse", "cannot turn it into a spaceship"), ("patch_guard", "rejected"),
                      ("patch_delserver", "cannot delete"), ("nonjson", "not valid JSON")):
        r = d.req("POST", it, {"prompt": "do it MODE:" + mode}, token=alice)
        t.ok(is_error(r, 422, "generation_failed") and why in r.json()["error"]["message"],
             "model answer %s: 422 saying %r" % (mode, why), r.body)
    t.ok(len(d.req("GET", "/api/apps/%s/revisions" % aid, token=alice).json()["revisions"]) == n
         and d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"] == files,
         "refused answers changed nothing")

    # generations and the model's changes share the hourly quota (3: one generation,
    # two changes; refused answers cost nothing)
    r = d.req("POST", it, {"prompt": "again MODE:patch"}, token=alice)
    t.ok(r.status == 200, "a second change by the model: 200", r.body)
    r = d.req("POST", it, {"prompt": "once more MODE:patch"}, token=alice)
    t.ok(is_error(r, 429, "rate_limited") and r.header("retry-after"),
         "past quota_generations_per_hour: 429 with Retry-After", r.body)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""test_openai.py: generation with the openai provider through the API (ports 31600-31699).

Against tests/generator/fake_openai.py on port 31699: POST /api/apps answers 202 with
status generating at once, a background job makes the app ready (then it runs and
serves through its origin); a model answer that is not an app makes it failed with a
clear error that never holds the API key; a job killed midway leaves the app failed,
not generating forever; deleting an app while it generates is safe."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

BASE = 31600
FAKE_PORT = BASE + 99  # outside the first slots the harness takes
SRC = os.environ.get("AF_SRCDIR") or os.path.dirname(os.path.dirname(lc.HERE))
FAKE = os.path.join(SRC, "tests", "generator", "fake_openai.py")
KEY = "sk-test-" + os.urandom(8).hex()


def wait_status(api, aid, timeout=30):
    end = time.monotonic() + timeout
    app = {}
    while time.monotonic() < end:
        app = api.get("/api/apps/%s" % aid).json() or {}
        if app.get("status") != "generating":
            return app
        time.sleep(0.1)
    return app


def release():
    """Lets the fake answer every "block" request, held ones and later ones."""
    with urllib.request.urlopen("http://127.0.0.1:%d/release" % FAKE_PORT, timeout=30) as r:
        r.read()


def job_pids(inst, aid):
    """Processes holding the app's job lock: its generation job."""
    lock = os.path.join(inst.state_dir, "jobs", aid + ".lock")
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % p):
                if os.readlink("/proc/%s/fd/%s" % (p, fd)) == lock:
                    out.append(int(p))
                    break
        except OSError:
            pass
    return out


def main(t, inst):
    api = inst.client(inst.login("alice"))

    r = api.post("/api/apps", {"prompt": "MODE:good a tiny hello app"})
    app = r.json() or {}
    t.ok(r.status == 202 and app.get("status") == "generating" and r.header("location") == "/api/apps/" + app.get("id", ""),
         "POST /api/apps with the openai provider: 202 generating at once", r)
    aid = app.get("id")
    r = api.post("/api/apps/%s/run" % aid)
    t.ok(r.status in (200, 409), "run while generating: 409 (or already done)", r)
    app = wait_status(api, aid)
    t.ok(app.get("status") == "ready" and app.get("name") == "Hello app" and app["scan"]["verdict"] == "pass",
         "the job makes it ready, named by the model, scanned", app)
    files = api.get("/api/apps/%s/files" % aid).json() or {}
    t.ok("server.js" in files.get("files", {}), "its files are stored")
    lc.run(t, api, aid, "the generated app")
    origin = inst.app_client(api, aid)
    r = origin.get("/")
    t.ok(r.status == 200 and r.body == b"hello", "it serves through its origin", r)
    origin.close()

    r = api.post("/api/apps", {"prompt": "MODE:nonjson please", "name": "Broken"})
    bad = r.json() or {}
    t.eq(r.status, 202, "a prompt the model answers badly: still 202")
    bad = wait_status(api, bad.get("id"))
    t.ok(bad.get("status") == "failed" and bad.get("error") and bad.get("name") == "Broken",
         "bad model output: failed with an error (%s)" % bad.get("error"), bad)
    r = api.post("/api/apps", {"prompt": "MODE:unauthorized x"})
    una = wait_status(api, (r.json() or {}).get("id"))
    t.ok(una.get("status") == "failed" and KEY not in str(una.get("error")), "a refused key: failed, key not shown", una)
    r = api.post("/api/apps/%s/run" % bad["id"])
    t.ok(r.status == 409, "a failed app cannot run: 409", r)

    # a job killed midway (the fake holds "block" answers until release(): no race
    # against a fixed delay on a slow machine)
    r = api.post("/api/apps", {"prompt": "MODE:block and then killed"})
    slow = (r.json() or {}).get("id")
    t.ok(lc.wait_until(lambda: job_pids(inst, slow), 30), "the job holds its lock")
    for p in job_pids(inst, slow):
        os.kill(p, signal.SIGKILL)
    app = wait_status(api, slow, timeout=10)
    t.ok(app.get("status") == "failed" and "interrupted" in (app.get("error") or ""),
         "a killed job leaves the app failed, not generating", app)

    # deleted while generating
    r = api.post("/api/apps", {"prompt": "MODE:slow deleted meanwhile"})
    gone = (r.json() or {}).get("id")
    t.eq(api.delete("/api/apps/%s" % gone).status, 204, "delete while generating: 204")
    t.ok(lc.wait_until(lambda: not job_pids(inst, gone), 30), "its job ends")
    t.eq(api.get("/api/apps/%s" % gone).status, 404, "and the app stays deleted")
    t.ok(not os.path.exists(lc.app_dir(inst, gone)), "no directory for it")

    # the queue: openai_concurrency 2 + openai_max_waiting 1 generations at once
    def count():
        return len((api.get("/api/apps").json() or {}).get("apps", []))

    before = count()
    held = []
    for i in range(3):
        r = api.post("/api/apps", {"prompt": "MODE:block queued %d" % i})
        held.append((r.json() or {}).get("id"))
        t.eq(r.status, 202, "generation %d of 3 in the queue: 202" % (i + 1))
    r = api.post("/api/apps", {"prompt": "MODE:good one too many"})
    ra = r.header("Retry-After") or ""
    t.ok(r.status == 429 and r.error_code() == "rate_limited" and ra.isdigit() and 1 <= int(ra) <= 30,
         "a fourth while three generate: 429 rate_limited, Retry-After %s" % ra, r)
    t.eq(count(), before + 3, "the refused one was not stored")
    for aid in held:
        api.delete("/api/apps/%s" % aid)
    release()   # the deleted apps' jobs end, and give their slots back
    r = api.post("/api/apps", {"prompt": "MODE:good room again"})
    t.eq(r.status, 202, "once they are deleted there is room again: 202")
    t.ok(wait_status(api, (r.json() or {}).get("id")).get("status") == "ready", "and it becomes ready")


def run():
    tmp = tempfile.mkdtemp(prefix="af-lc-openai-")
    os.chmod(tmp, 0o711)  # the generation jobs run as appforge: they must reach the key
    keyf = os.path.join(tmp, "openai.key")
    with open(keyf, "w") as f:
        f.write(KEY + "\n")
    os.chmod(keyf, 0o600)
    fake = subprocess.Popen([sys.executable, FAKE, str(FAKE_PORT)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        if fake.stdout.readline().strip() != b"ready":
            print("not ok 1 - the fake OpenAI server starts\n1..1")
            return 1
        return lc.run_file(main, "lc-openai", BASE, conf={
            "generator": "openai", "openai_base_url": "http://127.0.0.1:%d/v1/" % FAKE_PORT,
            "openai_model": "test-model", "openai_key_file": keyf, "openai_timeout_seconds": 20,
            "openai_concurrency": 2, "openai_max_waiting": 1})
    finally:
        fake.kill()
        fake.wait()
        os.unlink(keyf)
        os.rmdir(tmp)


sys.exit(run())

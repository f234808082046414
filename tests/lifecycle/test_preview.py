#!/usr/bin/env python3
"""test_preview.py: preview first (ports 31900-31999). Through nginx and real sandboxes:
the live log stream (a line the app prints on a request arrives as an event, unbuffered,
while the API answers), an app that starts by itself once generated (its origin answers
without POST /run), a save that restarts a running app (the new code is served), a save
whose code crashes (the save succeeds; the run ends "crashed"), and a save of an app that
does not run, which does not start it."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402
harness = lc.harness

APP = """const http = require('http');
http.createServer((req, res) => {
  console.log('hit ' + req.url);
  res.end('version %d');
}).listen(process.env.PORT);
"""


class SSE:
    """A log stream read through nginx: events as they come."""

    def __init__(self, inst, token, aid, query=""):
        self.conn = harness._Conn(inst.listen_address, inst.public_host, inst.https_port,
                                  inst.ssl_context(inst.public_host), harness.scaled(30))
        self.conn.request("GET", "/api/apps/%s/logs/stream%s" % (aid, query),
                          headers={"Authorization": "Bearer " + token})
        self.resp = self.conn.getresponse()
        self.buf = b""
        self.events = []

    def wait_for(self, pred, timeout):
        """Reads events until one satisfies pred (True) or timeout passes (False)."""
        deadline = time.monotonic() + harness.scaled(timeout)
        self.conn.sock.settimeout(1)
        while time.monotonic() < deadline:
            if any(pred(e) for e in self.events):
                return True
            try:
                chunk = self.resp.read1(65536)
            except (TimeoutError, OSError):
                continue
            if not chunk:
                break
            self.buf += chunk
            while b"\n\n" in self.buf:
                block, self.buf = self.buf.split(b"\n\n", 1)
                for line in block.decode().split("\n"):
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[6:]))
        return any(pred(e) for e in self.events)

    def close(self):
        self.conn.close()


def text_is(s):
    return lambda e: e.get("text") == s


def origin_text(inst, api, aid):
    # new apps are private: their origin lets in the owner, with the app's cookie
    r = inst.app_client(api, aid).get("/")
    return r.body.decode(errors="replace") if r.status == 200 else "%d" % r.status


def stream_part(t, inst, api, token):
    aid = lc.create(t, api, {"files": {"server.js": APP % 1}, "name": "streamed"}).get("id")
    lc.run(t, api, aid, "run an app that logs each request")
    s = SSE(inst, token, aid)
    t.eq(s.resp.status, 200, "logs/stream through nginx: 200")
    t.ok((s.resp.getheader("Content-Type") or "").startswith("text/event-stream"), "text/event-stream")
    t.ok(s.wait_for(lambda e: e.get("stream") == "sys" and e.get("text", "").startswith("run started"), 20),
         "the tail holds the run's start", s.events)
    t.eq(origin_text(inst, api, aid), "version 1", "the app answers on its origin")
    t.ok(s.wait_for(text_is("hit /"), 10), "the line it printed arrives as an event, through nginx", s.events)
    t.eq(api.get("/api/apps").status, 200, "the API answers while the stream is open")
    api.delete("/api/apps/%s" % aid)
    s.close()


def autostart_part(t, inst, api):
    r = api.post("/api/apps", {"prompt": "a guestbook for our wedding"})
    app = r.json() or {}
    t.ok(r.status == 201 and (app.get("run") or {}).get("state") in ("starting", "running"),
         "generated: 201, and its run is already starting (no POST /run)", r)
    aid = app.get("id")
    run = lc.poll_run(api, aid)
    t.eq(run.get("state"), "running", "the generated app runs by itself")
    r = inst.app_client(api, aid).get("/")
    t.ok(r.status == 200 and b"<html" in r.body.lower(), "its origin answers without POST /run", r)
    r = api.post("/api/apps", {"prompt": "a todo list with due dates", "start": False})
    app = r.json() or {}
    t.ok(r.status == 201 and (app.get("run") or {}).get("state") == "stopped",
         "\"start\": false: generated and left stopped", r)
    r = api.post("/api/apps", {"prompt": "a todo list", "start": "yes"})
    t.eq(r.status, 400, "\"start\" not a boolean: 400")
    # quota_running = 2: with two apps running, a generated one is made but not started
    other = lc.create(t, api, {"files": {"server.js": APP % 9}, "name": "second", "start": True})
    t.ok((other.get("run") or {}).get("state") in ("starting", "running") and "start_error" not in other,
         "files with \"start\": true start too", other)
    r = api.post("/api/apps", {"prompt": "a counter for push-ups"})
    third = r.json() or {}
    err = third.get("start_error") or {}
    t.ok(r.status == 201 and (third.get("run") or {}).get("state") == "stopped" and err.get("code") == "quota_exceeded"
         and err.get("message"), "a start the running quota refuses: 201 all the same, stopped, start_error says why", r)
    for x in (aid, app.get("id"), other.get("id"), third.get("id")):
        api.delete("/api/apps/%s" % x)


def restart_part(t, inst, api):
    aid = lc.create(t, api, {"files": {"server.js": APP % 1}, "name": "restarted"}).get("id")
    lc.run(t, api, aid, "run version 1")
    before = (api.get("/api/apps/%s" % aid).json() or {}).get("run") or {}
    t.eq(origin_text(inst, api, aid), "version 1", "version 1 is served")
    r = api.put("/api/apps/%s/files" % aid, {"files": {"server.js": APP % 2}})
    state = ((r.json() or {}).get("run") or {}).get("state")
    t.ok(r.status == 200 and state in ("starting", "running"), "save a running app: 200, it restarts", r)
    run = lc.poll_run(api, aid)
    t.ok(run.get("state") == "running" and run.get("id") != before.get("id"), "a new run (a new run.id)", run)
    t.eq(origin_text(inst, api, aid), "version 2", "the new code is served")
    r = api.post("/api/apps/%s/revisions/1/restore" % aid)
    t.ok(r.status == 200 and ((r.json() or {}).get("app", {}).get("run") or {}).get("state") in ("starting", "running"),
         "restore revision 1 of the running app: it restarts", r)
    lc.poll_run(api, aid)
    t.eq(origin_text(inst, api, aid), "version 1", "the restored code is served")

    r = api.put("/api/apps/%s/files" % aid, {"files": {"server.js": "const o = {};\no.missing();\n"}})
    t.eq(r.status, 200, "save code that cannot start: the save itself succeeds")
    run = lc.poll_run(api, aid)
    t.ok(run.get("state") == "exited" and run.get("reason") == "crashed",
         "its run ends crashed", run)
    r = api.get("/api/apps/%s/logs?format=json" % aid)
    lines = [x.get("text") for x in (r.json() or {}).get("lines", [])]
    t.ok(any("TypeError: o.missing is not a function" in (x or "") for x in lines),
         "the log tells the error", lines[-12:])

    # a stopped app stays stopped when saved
    api.put("/api/apps/%s/files" % aid, {"files": {"server.js": APP % 3}})
    r = api.put("/api/apps/%s/files" % aid, {"files": {"server.js": APP % 4}})
    t.ok(r.status == 200 and ((r.json() or {}).get("run") or {}).get("state") in ("stopped", "exited"),
         "saving an app that does not run does not start it", r)
    api.delete("/api/apps/%s" % aid)


def main(t, inst):
    token = inst.login("alice")
    api = inst.client(token)
    stream_part(t, inst, api, token)
    autostart_part(t, inst, api)
    restart_part(t, inst, api)


if __name__ == "__main__":
    sys.exit(lc.run_file(main, "lc-preview", 31900, conf={"quota_running": 2}))

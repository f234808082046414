#!/usr/bin/env python3
"""test_env.py: an app's environment variables reach the app, at its next run and
nowhere else (ports 31800-31899).

A tiny app prints process.env on a route. Set through PUT /api/apps/{id}/env, a
variable is not seen by the running app, is seen after a stop and a run, the platform's
own variables (PORT, DATA_DIR) stay the platform's, a secret the app prints is redacted
from the logs the API serves, and neither the database nor the supervisor's log holds a
value in clear."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

SECRET = "tok-8a1f0c9e77d2-Secret"
APP = r"""
const http = require('http');
console.log('env-app starting, secret is ' + (process.env.API_SECRET || 'unset'));
http.createServer((q, s) => {
  if (q.url === '/env') {
    s.setHeader('Content-Type', 'application/json');
    s.end(JSON.stringify({ secret: process.env.API_SECRET || null, greeting: process.env.GREETING || null,
                           port: process.env.PORT, data: process.env.DATA_DIR,
                           node_options: process.env.NODE_OPTIONS || null }));
  } else s.end('ok');
}).listen(process.env.PORT);
"""
CRASH = "console.error('crash says ' + process.env.API_SECRET); process.exit(3);\n"


def env_of(t, inst, aid, api):
    r = inst.app_client(api, aid).get("/env")
    t.ok(r.status == 200, "GET /env on the app's origin: 200", r)
    return r.json() or {}


def main(t, inst):
    api = inst.client(inst.login("alice"))
    aid = lc.create(t, api, {"files": {"server.js": APP}, "name": "env"}).get("id")
    port = lc.run(t, api, aid, "first run")
    e = env_of(t, inst, aid, api)
    t.ok(e.get("secret") is None and e.get("port") == str(port) and e.get("data") == "/data",
         "no variable yet; PORT and DATA_DIR are the platform's", e)

    r = api.request("PUT", "/api/apps/%s/env" % aid,
                    body={"vars": {"API_SECRET": SECRET, "GREETING": "hello, world"}})
    t.ok(r.status == 200 and SECRET.encode() not in r.body, "PUT env: 200, no value in the answer", r)
    t.ok(env_of(t, inst, aid, api).get("secret") is None, "the running app does not see it yet")

    r = api.post("/api/apps/%s/stop" % aid)
    t.ok(r.status in (200, 202), "stop", r)
    port = lc.run(t, api, aid, "second run")
    e = env_of(t, inst, aid, api)
    t.eq(e.get("secret"), SECRET, "after a new run the app reads API_SECRET")
    t.eq(e.get("greeting"), "hello, world", "and GREETING")
    t.ok(e.get("port") == str(port) and e.get("data") == "/data" and e.get("node_options") is None,
         "PORT, DATA_DIR stay the platform's; no NODE_OPTIONS", e)

    r = api.get("/api/apps/%s/logs" % aid)
    t.ok(r.status == 200 and b"secret is [redacted]" in r.body and SECRET.encode() not in r.body,
         "the app printed the secret: the served log says [redacted]", r)

    r = api.get("/api/apps/%s/env" % aid)
    t.ok(r.status == 200 and SECRET.encode() not in r.body and
         sorted(v["name"] for v in r.json()["vars"]) == ["API_SECRET", "GREETING"], "GET env: names only", r)

    clear = b""
    for f in ("appforge.db", "appforge.db-wal"):
        p = os.path.join(inst.state_dir, f)
        if os.path.exists(p):
            clear += open(p, "rb").read()
    t.ok(SECRET.encode() not in clear, "the database (and its WAL) holds no clear value")
    for name in ("appforged", "supervisor"):
        try:
            with open(inst.logs[name], errors="replace") as f:
                t.ok(SECRET not in f.read(), "the %s log holds no value" % name)
        except (OSError, KeyError) as ex:
            t.ok(False, "the %s log: %s" % (name, ex))

    # unset: the next run no longer has it
    r = api.request("PUT", "/api/apps/%s/env" % aid, body={"vars": {"GREETING": None}})
    t.ok(r.status == 200, "PUT env keeping only GREETING", r)
    api.post("/api/apps/%s/stop" % aid)
    lc.run(t, api, aid, "third run")
    e = env_of(t, inst, aid, api)
    t.ok(e.get("secret") is None and e.get("greeting") == "hello, world",
         "third run: API_SECRET gone, GREETING kept (null keeps a value)", e)

    # a start that fails: the log excerpt in the 502 is redacted too
    c = lc.create(t, api, {"files": {"server.js": CRASH}, "name": "crasher"}).get("id")
    r = api.request("PUT", "/api/apps/%s/env" % c, body={"vars": {"API_SECRET": SECRET}})
    t.ok(r.status == 200, "PUT env of the crasher", r)
    r = api.post("/api/apps/%s/run" % c)
    if r.status == 502:
        log = ((r.json() or {}).get("error") or {}).get("log") or ""
        t.ok("crash says [redacted]" in log and SECRET not in log,
             "502 app_crashed: its error.log says [redacted]", r)
    else:   # no wait slot: 202, then the served log
        lc.poll_run(api, c)
        body = api.get("/api/apps/%s/logs" % c).body
        t.ok(b"crash says [redacted]" in body and SECRET.encode() not in body,
             "crashed (after a 202): its served log says [redacted]", r)


sys.exit(lc.run_file(main, "lc-env", 31800))

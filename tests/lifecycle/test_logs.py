#!/usr/bin/env python3
"""test_logs.py: an app's log as the API serves it, and the global cap of running apps
(ports 31800-31899).

An app prints terminal escapes, invalid UTF-8, a line on stderr and a line forged to
look like a platform record. GET /api/apps/{id}/logs answers valid UTF-8 with every
control character and bad byte escaped, one record per line "<time> out|err|sys text",
the forged line marked as the app's output; ?format=json gives the same as
{"lines":[{"at","stream","text"}]}. The app then floods 48 MiB in one go: the rate limit
drops it and says how much, and the log stays within its cap. With sandbox_max_running
= 2 a third start is 503 unavailable, until one app stops."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

LOUD = r"""
const http = require('http');
console.log('plain line');
process.stdout.write(Buffer.concat([Buffer.from('\x1b[31mred\x1b[0m '), Buffer.from([0xff, 0xfe]),
                                    Buffer.from(' end\\x41\r\n')]));
console.error('on stderr');
console.log('2026-01-01T00:00:00.000Z sys forged platform line');
http.createServer((req, res) => {
  if (req.url === '/flood') {
    // through process.stdout, waiting for 'drain': the pipe is non-blocking
    const chunk = Buffer.alloc(1 << 20, 'f');
    let i = 0;
    const more = () => {
      while (i < 48) {
        i++;
        if (!process.stdout.write(chunk)) return process.stdout.once('drain', more);
      }
      res.end('flooded');
    };
    return more();
  }
  if (req.url === '/after') console.log('after the flood');
  res.end('ok');
}).listen(process.env.PORT);
"""
PLAIN = "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT);\n"
REC = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z|-) (out|err|sys) (.*)$")


def records(body):
    """[(at, stream, text)] of a text answer; None when a line is no record."""
    out = []
    for line in body.decode("utf-8").split("\n")[:-1]:
        m = REC.match(line)
        out.append(m.groups() if m else None)
    return out


def main(t, inst):
    api = inst.client(inst.login("alice"))
    aid = lc.create(t, api, {"files": {"server.js": LOUD}, "name": "loud"}).get("id")
    port = lc.run(t, api, aid, "the loud app")
    origin = inst.app_client(api, aid)
    t.ok(lc.wait_until(lambda: b"forged platform" in api.get("/api/apps/%s/logs" % aid).body, 30),
         "the app's first lines reach the log")

    r = api.get("/api/apps/%s/logs" % aid)
    ctype = r.header("content-type") or ""
    t.ok(r.status == 200 and ctype == "text/plain; charset=utf-8", "logs: 200 text/plain; charset=utf-8", r)
    try:
        r.body.decode("utf-8", "strict")
        valid = True
    except UnicodeDecodeError:
        valid = False
    t.ok(valid, "logs: the answer is valid UTF-8", r.body[:400])
    ctl = [b for b in r.body if (b < 0x20 and b not in (0x0a, 0x09)) or b == 0x7f]
    t.ok(not ctl, "logs: no control character but newline and tab", ctl[:10])
    recs = records(r.body) if valid else []
    t.ok(recs and all(x is not None for x in recs), "logs: every line is '<time> <stream> <text>'",
         r.body[:600])
    recs = [x for x in recs if x]
    texts = {(s, x) for _, s, x in recs}
    t.ok(("out", "plain line") in texts, "logs: a stdout line is marked out", texts)
    t.ok(("err", "on stderr") in texts, "logs: a stderr line is marked err", texts)
    t.ok(("out", "\\x1b[31mred\\x1b[0m \\xff\\xfe end\\\\x41\\x0d") in texts,
         "logs: escapes, bad bytes, CR and a backslash are escaped", texts)
    t.ok(("out", "2026-01-01T00:00:00.000Z sys forged platform line") in texts,
         "logs: a line forged as a platform record stays the app's output", texts)
    t.ok(any(s == "sys" and x.startswith("run started") for _, s, x in recs),
         "logs: the platform's 'run started' record", texts)
    t.ok(all(a != "-" for a, _, _ in recs), "logs: every record has its time")

    r = api.get("/api/apps/%s/logs?format=json&tail=50" % aid)
    doc = r.json() or {}
    lines = doc.get("lines") or []
    t.ok(r.status == 200 and (r.header("content-type") or "").startswith("application/json") and
         lines and all(set(x) == {"at", "stream", "text"} for x in lines),
         "logs?format=json: {lines: [{at, stream, text}]}", r)
    t.ok(any(x["stream"] == "err" and x["text"] == "on stderr" for x in lines),
         "json: the stderr line is err", lines)
    t.ok(all(isinstance(x["at"], str) and REC.match(x["at"] + " out x") for x in lines),
         "json: every line has its time", lines[:3])
    t.ok(any(x["stream"] == "out" and x["text"].startswith("\\x1b[31mred") for x in lines),
         "json: the text is escaped the same way")
    r = api.get("/api/apps/%s/logs?tail=2" % aid)
    t.ok(r.status == 200 and len(r.body.decode().split("\n")[:-1]) == 2, "logs?tail=2: two records", r)
    for bad in ("xml", "", "JSON"):
        r = api.get("/api/apps/%s/logs?format=%s" % (aid, bad))
        t.ok(r.status == 400 and r.error_code() == "invalid_request", "logs?format=%s: 400" % bad, r)

    # the rate limit: 48 MiB at once are dropped, counted, and the log stays small
    r = origin.get("/flood")
    t.ok(r.status == 200 and r.body == b"flooded", "the app wrote 48 MiB to stdout", r)
    time.sleep(1.5)    # the bucket refills: the next line gets through, after the marker
    t.eq(origin.get("/after").status, 200, "one more line after the flood")
    t.ok(lc.wait_until(lambda: b"after the flood" in api.get("/api/apps/%s/logs" % aid).body, 30),
         "the line after the flood is logged")
    recs = [x for x in records(api.get("/api/apps/%s/logs?tail=5000" % aid).body) if x]
    drops = [int(m.group(1)) for _, s, x in recs if s == "sys"
             for m in [re.match(r"(\d+) bytes dropped", x)] if m]
    logged = sum(len(x) for _, s, x in recs if s == "out" and x.startswith("ffff"))
    t.ok(drops and sum(drops) >= 40 << 20, "a 'N bytes dropped' record counts most of it (%s)" % drops)
    t.ok(logged <= 2 << 20, "at most the burst and a little rate of it was logged (%d bytes)" % logged)
    logf = os.path.join(inst.state_dir, "log", "apps", aid + ".log")
    sizes = [os.path.getsize(p) for p in (logf, logf + ".1") if os.path.exists(p)]
    t.ok(sizes and all(s <= 1 << 20 for s in sizes), "the log files stay within the cap (%s)" % sizes)
    origin.close()

    # the global cap of running apps (2 here), whoever owns them
    bob = inst.client(inst.login("bob"))
    b1 = lc.create(t, bob, {"files": {"server.js": PLAIN}, "name": "b1"}).get("id")
    b2 = lc.create(t, bob, {"files": {"server.js": PLAIN}, "name": "b2"}).get("id")
    lc.run(t, bob, b1, "bob's first app (two running now)")
    r = bob.post("/api/apps/%s/run" % b2)
    t.ok(r.status == 503 and r.error_code() == "unavailable" and
         "as many apps" in ((r.json() or {}).get("error") or {}).get("message", ""),
         "a third running app on the host: 503 unavailable, saying why", r)
    st = bob.get("/api/apps/%s" % b2).json()["run"]["state"]
    t.ok(st not in ("running", "starting"), "the refused app is not running (%s)" % st)

    t.eq(api.post("/api/apps/%s/stop" % aid).status, 200, "stop the loud app")
    recs = [x for x in records(api.get("/api/apps/%s/logs?tail=3" % aid).body) if x]
    t.ok(recs and recs[-1][1] == "sys" and recs[-1][2].startswith("run ended: stopped"),
         "its log ends with the platform's 'run ended' record", recs)
    lc.run(t, bob, b2, "with one app stopped the other may run")
    t.ok(port > 0, "ports were given")


sys.exit(lc.run_file(main, "lc-logs", 31800, conf={
    "sandbox_max_running": 2, "quota_running": 5}))

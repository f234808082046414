#!/usr/bin/env python3
"""fake_openai.py: a small OpenAI-compatible chat-completions server for the tests.

usage: fake_openai.py PORT      (listens on 127.0.0.1:PORT, prints "ready" when up)
       fake_openai.py MIN MAX  (listens on the first free port of 127.0.0.1:MIN..MAX and
                                prints "ready PORT" when up, or "failed")

POST /v1/chat/completions answers according to a "MODE:<name>" word in the last user
message (good, dotdot, nonjson, slow, unauthorized, noformat, huge, cutoff, hold,
fenced, block, and for iterate patch, patch_guard, patch_delserver, patch_refuse); every request is recorded. GET /stats returns the records and the highest
number of requests that were in progress at the same time; GET /reset-max restarts
that count. "block" answers like "good" only after GET /release (or 120 s): a test that
needs a generation to stay in progress says when it may end, instead of racing a fixed
delay; GET /hold makes later "block" requests wait again. Standard library only."""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"current": 0, "max_concurrent": 0, "requests": []}
RELEASE = threading.Event()   # set: "block" requests are answered

GOOD_FILES = {
    "server.js": "const http = require('http');\n"
                 "http.createServer((q, s) => s.end('hello')).listen(process.env.PORT);\n",
    "public/index.html": "<!doctype html><title>Hi</title><p>hi</p>\n",
}


def completion(content, finish="stop"):
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content}}],
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.reply(200, STATE)
        elif self.path in ("/release", "/hold"):
            if self.path == "/release":
                RELEASE.set()
            else:
                RELEASE.clear()
            self.reply(200, {"released": RELEASE.is_set()})
        elif self.path == "/reset-max":
            with LOCK:
                STATE["max_concurrent"] = STATE["current"]
                self.reply(200, STATE)
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            req = json.loads(raw)
        except ValueError:
            self.reply(400, {"error": {"message": "bad json"}})
            return
        if self.path != "/v1/chat/completions":
            self.reply(404, {"error": {"message": "no such endpoint"}})
            return
        user = [m.get("content", "") for m in req.get("messages", []) if m.get("role") == "user"]
        m = re.search(r"MODE:(\w+)", user[-1] if user else "")
        mode = m.group(1) if m else "good"
        with LOCK:
            STATE["current"] += 1
            STATE["max_concurrent"] = max(STATE["max_concurrent"], STATE["current"])
            STATE["requests"].append({
                "mode": mode, "authorization": self.headers.get("Authorization"),
                "model": req.get("model"), "response_format": req.get("response_format"),
                "system": any(x.get("role") == "system" for x in req.get("messages", [])),
                "system_text": "".join(str(x.get("content")) for x in req.get("messages", [])
                                       if x.get("role") == "system"),
                "user_has_guard": "appforge_guard" in (user[-1] if user else ""),
                "user_has_server": "server.js" in (user[-1] if user else ""),
            })
        try:
            self.answer(mode, req)
        finally:
            with LOCK:
                STATE["current"] -= 1

    def answer(self, mode, req):
        if mode == "good":
            self.reply(200, completion(json.dumps({"name": "Hello app", "assumption": "kept it tiny",
                                                   "files": GOOD_FILES})))
        elif mode == "fenced":
            self.reply(200, completion("```json\n" + json.dumps({"files": GOOD_FILES}) + "\n```"))
        elif mode == "dotdot":
            self.reply(200, completion(json.dumps({"name": "x", "files": dict(GOOD_FILES, **{"../etc/passwd": "x"})})))
        elif mode == "nonjson":
            self.reply(200, completion("Sure! Here is your app:\n\nconst http = require('http');"))
        elif mode == "slow":
            time.sleep(6)
            self.reply(200, completion(json.dumps({"files": GOOD_FILES})))
        elif mode == "block":
            RELEASE.wait(120)
            self.reply(200, completion(json.dumps({"name": "released", "files": GOOD_FILES})))
        elif mode == "hold":
            time.sleep(0.7)
            self.reply(200, completion(json.dumps({"name": "held", "files": GOOD_FILES})))
        elif mode == "unauthorized":
            # like the real service: the message repeats the key it was given
            self.reply(401, {"error": {"message": "Incorrect API key provided: %s" % self.headers.get("Authorization")}})
        elif mode == "noformat":
            if "response_format" in req:
                self.reply(400, {"error": {"message": "response_format is not supported"}})
            else:
                self.reply(200, completion(json.dumps({"files": GOOD_FILES})))
        elif mode == "huge":
            self.reply(200, raw=b'{"pad":"' + b"a" * (5 * 1024 * 1024) + b'"}')
        elif mode == "cutoff":
            self.reply(200, completion('{"files": {"server.js": "', finish="length"))
        elif mode == "patch":
            # iterate: only the changed files, one new one
            self.reply(200, completion(json.dumps({
                "explanation": "Added a footer.",
                "files": {"public/index.html": "<!doctype html><title>Hi</title><p>hi</p><footer>f</footer>\n",
                          "public/extra.css": "footer { color: gray; }\n"}})))
        elif mode == "patch_guard":
            self.reply(200, completion(json.dumps({"files": {"appforge_guard.js": "// nothing\n"}})))
        elif mode == "patch_delserver":
            self.reply(200, completion(json.dumps({"files": {}, "deleted": ["server.js"]})))
        elif mode == "patch_refuse":
            self.reply(200, completion(json.dumps({"error": "I cannot turn it into a spaceship"})))
        elif mode == "garbage":
            self.reply(200, raw=b"<html>502 bad gateway</html>")
        else:
            self.reply(400, {"error": {"message": "unknown mode"}})


def main():
    srv = None
    if len(sys.argv) == 2:
        srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
        srv.daemon_threads = True
        print("ready", flush=True)
        srv.serve_forever()
        return 0
    for port in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
        try:
            srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError:
            continue
    if srv is None:
        print("failed", flush=True)
        return 1
    srv.daemon_threads = True
    print("ready %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

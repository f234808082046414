#!/usr/bin/env python3
"""test_logsummary.py: the web frontend's plain crash summary (web/app/logsummary.js)
and its server-sent event parser (web/app/logs.js parseEvents), run in Node against the
crash output Node really prints (a syntax error, an uncaught exception with a stack, an
error thrown inside node_modules, an EADDRINUSE), and lines that are no crash."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tap import Tap  # noqa: E402

SRCDIR = os.path.dirname(os.path.dirname(HERE))


def err(*lines):
    return [{"at": "2026-12-07T03:16:23.%03dZ" % i, "stream": "err", "text": t} for i, t in enumerate(lines)]


CASES = {
    "syntax": err("/app/server.js:6", "  res.end('x';", "             ^^^", "",
                  "SyntaxError: Unexpected token ';'",
                  "    at internalCompileFunction (node:internal/vm:76:18)",
                  "    at Module._compile (node:internal/modules/cjs/loader:1120:27)", "",
                  "Node.js v18.19.0"),
    "uncaught": err("/app/lib/db.js:3", "  return rows.map(f);", "              ^", "",
                    "TypeError: Cannot read properties of undefined (reading 'map')",
                    "    at list (/app/lib/db.js:3:15)",
                    "    at Server.<anonymous> (/app/server.js:10:5)",
                    "    at Server.emit (node:events:517:28)", "", "Node.js v18.19.0"),
    "in_module": err("/app/node_modules/x/index.js:1", "throw new Error('bad')", "^", "",
                     "Error: bad",
                     "    at Object.<anonymous> (/app/node_modules/x/index.js:1:7)",
                     "    at require (node:internal/modules/cjs/helpers:119:18)",
                     "    at Object.<anonymous> (/app/server.js:2:1)"),
    "addrinuse": err("node:events:495", "      throw er; // Unhandled 'error' event", "      ^", "",
                     "Error: listen EADDRINUSE: address already in use :::9001",
                     "    at Server.setupListenHandle [as _listen2] (node:net:1817:16)",
                     "    at Object.<anonymous> (/app/server.js:12:4)"),
    "quiet": [{"at": None, "stream": "out", "text": "Error: this is only printed on stdout"},
              {"at": "2026-12-07T03:16:23.000Z", "stream": "err", "text": "a warning, no crash"}],
}

SCRIPT = """
import {summarizeCrash} from '%s/web/app/logsummary.js';
import {parseEvents} from '%s/web/app/logs.js';
const cases = JSON.parse(process.argv[1]);
const out = {};
for (const [k, v] of Object.entries(cases)) {
  const s = summarizeCrash(v);
  out[k] = s && {summary: s.summary, lines: s.lines.length};
}
out.events = parseEvents('id: 5.10\\ndata: {"a":1}\\n\\n: keep-alive\\n\\ndata: x\\r\\ndata: y\\r\\n\\nid: 7.1\\ndata: {"b"');
console.log(JSON.stringify(out));
process.exit(0);  // api.js keeps a BroadcastChannel open
"""


def main():
    t = Tap()
    node = shutil.which("node")
    if not node:
        print("1..0 # SKIP node is not installed")
        return 0
    # web/app holds ES modules for the browser; Node before 20.19 (Debian 12 has 18)
    # reads a .js file without a package.json saying "type": "module" as CommonJS, so
    # the modules are imported from a copy that has one.
    tmp = tempfile.mkdtemp(prefix="af-logsummary-")
    try:
        app = os.path.join(tmp, "web", "app")
        shutil.copytree(os.path.join(SRCDIR, "web", "app"), app)
        with open(os.path.join(tmp, "web", "package.json"), "w") as f:
            f.write('{"type": "module"}\n')
        p = subprocess.run([node, "--input-type=module", "-e", SCRIPT % (tmp, tmp), json.dumps(CASES)],
                           capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not t.ok(p.returncode == 0, "node runs the modules", p.stderr):
        return t.done()
    r = json.loads(p.stdout)
    t.eq(r["syntax"], {"summary": "server.js line 6: Unexpected token ';'", "lines": 7},
         "a syntax error: file, line and message, from the location line to the stack's end")
    t.eq(r["uncaught"]["summary"],
         "lib/db.js line 3: TypeError: Cannot read properties of undefined (reading 'map')",
         "an uncaught exception: the first frame in the app's code")
    t.eq(r["in_module"]["summary"], "server.js line 2: Error: bad",
         "thrown in node_modules: the first frame of the app's own code")
    t.eq(r["addrinuse"]["summary"], "server.js line 12: Error: listen EADDRINUSE: address already in use :::9001",
         "an unhandled 'error' event: the app's frame, not node:events")
    t.eq(r["quiet"], None, "no crash: no summary (stdout lines and plain stderr lines)")
    t.eq(r["events"], [[{"id": "5.10", "data": '{"a":1}'}, {"id": None, "data": "x\ny"}], 'id: 7.1\ndata: {"b"'],
         "parseEvents: ids, comments skipped, CRLF, multi-line data, the incomplete rest kept")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

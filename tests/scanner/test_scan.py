#!/usr/bin/env python3
"""tests/scanner/test_scan.py: runs scanner/scan.js on every case under
tests/scanner/cases and compares the findings (rule and line) with the case's own
expectations; then checks bad input, a 2 MB file and deep nesting. Prints TAP.

A single-file case names its expectations in a comment near its top:
    // expect: child-process@3 eval@7      (or: // expect: none)
An expectation may add the severity: eval@7:warn.
A directory case holds an app's files and an EXPECT file with lines
    file rule@line ...                    (or the single word: none)
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap  # noqa: E402  (tests/tap.py)

SRC = os.environ.get("AF_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
NODE = os.environ.get("AF_NODE") or "/usr/bin/node"
SCAN = os.path.join(SRC, "scanner", "scan.js")
CASES = os.path.join(SRC, "tests", "scanner", "cases")
T = Tap()
ok = T.ok


def run_scan(data, timeout=120):
    """Returns (exit status, parsed stdout or None, stderr)."""
    p = subprocess.run([NODE, SCAN], input=data, capture_output=True, timeout=timeout)
    try:
        out = json.loads(p.stdout.decode())
    except ValueError:
        out = None
    return p.returncode, out, p.stderr.decode(errors="replace")


def shape_ok(out):
    if not isinstance(out, dict) or set(out) != {"verdict", "findings"}:
        return False
    sev = set()
    for f in out["findings"]:
        if set(f) != {"rule", "severity", "file", "line", "column", "message"}:
            return False
        if not re.fullmatch(r"[a-z-]+", f["rule"]) or f["severity"] not in ("block", "warn"):
            return False
        if not isinstance(f["line"], int) or not isinstance(f["column"], int) or not f["message"]:
            return False
        sev.add(f["severity"])
    want = "block" if "block" in sev else "warn" if sev else "pass"
    return out["verdict"] == want


def scan_files(files):
    return run_scan(json.dumps({"files": files}).encode())


def check_case(name, files, expected):
    rc, out, err = scan_files(files)
    if not ok(rc == 0 and out is not None and shape_ok(out), "%s: scanner output is well formed" % name,
              "exit %d, stderr: %s" % (rc, err[-500:])):
        return
    # An expectation may name the severity too: rule@line:warn.
    with_sev = set(e.split(":")[0] for e in expected if ":" in e.split(" ", 1)[1])
    got = []
    for f in out["findings"]:
        g = "%s %s@%d" % (f["file"], f["rule"], f["line"])
        got.append(g + ":" + f["severity"] if g in with_sev else g)
    got.sort()
    ok(got == sorted(expected), "%s: findings %s" % (name, " ".join(e.split(" ", 1)[1] for e in sorted(expected)) or "none"),
       "expected: %s\ngot:      %s\n%s" % (sorted(expected), got,
                                          "\n".join("%s:%d %s" % (f["file"], f["line"], f["message"]) for f in out["findings"])))


def single_cases():
    for name in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, name)
        if os.path.isdir(path):
            continue
        text = open(path, encoding="utf-8", newline="").read()
        m = re.search(r"expect:\s*([^\n]*?)\s*(?:-->|\*/)?\s*$", "\n".join(text.splitlines()[:3]), re.M)
        if not ok(m is not None, "%s: has an expect: header" % name):
            continue
        toks = m.group(1).split()
        expected = [] if toks == ["none"] else ["%s %s" % (name, t) for t in toks]
        check_case(name, {name: text}, expected)


def dir_cases():
    for name in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, name)
        if not os.path.isdir(path):
            continue
        files = {}
        for root, _, names in os.walk(path):
            for f in names:
                rel = os.path.relpath(os.path.join(root, f), path)
                if rel != "EXPECT":
                    files[rel] = open(os.path.join(root, f), encoding="utf-8", newline="").read()
        expected = []
        for line in open(os.path.join(path, "EXPECT"), encoding="utf-8"):
            toks = line.split()
            if not toks or toks == ["none"]:
                continue
            expected += ["%s %s" % (toks[0], t) for t in toks[1:]]
        check_case(name + "/", files, expected)


def limits():
    # A 2 MB file: must finish (the subprocess timeout is only a hang guard).
    line = "app.get('/x%d', (req, res) => { res.json({ id: req.params.id, n: %d }); });\n"
    big = "const app = { get() {} };\n" + "".join(line % (i, i) for i in range(28000))
    ok(len(big) > 2 * 1024 * 1024, "the big file is over 2 MB")
    rc, out, err = scan_files({"server.js": big + "require('child_process');\n"})
    ok(rc == 0 and out and out["verdict"] == "block" and out["findings"][0]["line"] == big.count("\n") + 1,
       "2 MB file scanned to its last line", err[-300:])
    # Deep nesting: never a crash; acorn or the walk give up with a parse-error finding.
    for depth, what in ((100000, "parentheses"), (20000, "arrays"), (5000, "calls")):
        if what == "parentheses":
            src = "x = " + "(" * depth + "1" + ")" * depth + ";\n"
        elif what == "arrays":
            src = "x = " + "[" * depth + "]" * depth + ";\n"
        else:
            src = "x = " + "f(" * depth + ")" * depth + ";\n"
        rc, out, err = scan_files({"server.js": src})
        ok(rc == 0 and out is not None and shape_ok(out), "%d nested %s: no crash" % (depth, what), err[-300:])
    page = "".join('<b onclick="f(%d)">x</b>\n<script>g(%d)</script>\n' % (i, i) for i in range(20000))
    rc, out, err = scan_files({"index.html": page + "<script>eval(1)</script>\n"})
    ok(rc == 0 and out and [(f["rule"], f["line"]) for f in out["findings"]] == [("eval", 40001)],
       "HTML with 40000 handlers and scripts: scanned to its last line", err[-300:])
    src = "x = " + "'a' + " * 30000 + "'b';\n"
    rc, out, err = scan_files({"server.js": src})
    ok(rc == 0 and out is not None and shape_ok(out), "30000-term concatenation: no crash", err[-300:])
    # Bad input is refused with exit status 2 and a message.
    for data, what in ((b"not json", "not JSON"), (b'{"files": []}', "files not an object"),
                       (b'{"files": {"a.js": 1}}', "a file that is not a string"), (b"[]", "array input")):
        rc, out, err = run_scan(data)
        ok(rc == 2 and out is None and "scan.js:" in err, "refuses %s" % what, "exit %d, stderr %s" % (rc, err))
    rc, out, err = scan_files({"crlf.js": "a;\r\nb;\r\n  eval(1);\r\n", "cr.js": "a;\rb;\reval(1);", "ls.js": "a;\u2028b;\u2029eval(1);"})
    got = sorted((f["file"], f["line"], f["column"]) for f in (out or {}).get("findings", []))
    ok(got == [("cr.js", 3, 1), ("crlf.js", 3, 3), ("ls.js", 3, 1)], "lines counted as acorn counts them (CRLF, CR, U+2028/9)", got)
    rc, out, err = scan_files({})
    ok(rc == 0 and out == {"verdict": "pass", "findings": []}, "no files: pass")
    rc, out, err = scan_files({"server.js": "", "README.md": "eval(child_process)", "style.css": "body{}"})
    ok(rc == 0 and out == {"verdict": "pass", "findings": []}, "empty and non-code files: pass")
    env = dict(os.environ, AF_SCAN_MAX_BYTES="1000")
    p = subprocess.run([NODE, SCAN], input=json.dumps({"files": {"a.js": "x" * 2000}}).encode(),
                       capture_output=True, timeout=60, env=env)
    ok(p.returncode == 2 and b"larger than" in p.stderr, "input over the size cap is refused")


def main():
    if not os.path.exists("/usr/share/nodejs/acorn/package.json"):
        print("1..0 # SKIP Debian's node-acorn is not installed (apt-get install node-acorn)")
        return 0
    single_cases()
    dir_cases()
    limits()
    return T.done()


if __name__ == "__main__":
    sys.exit(main())

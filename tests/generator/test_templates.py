#!/usr/bin/env python3
"""test_templates.py: every kind of the template provider yields a real, working app.

For each kind: generate from a plain prompt with appforge-generate, write the files to a
temporary directory, run `node server.js` with PORT (a free one of 30000-30399) and DATA_DIR, check
that GET / shows the title, create an item through the JSON API and read it back, run
the kind's own action (vote, increment, ...), reject bad input, restart the process and
find the item again, and run the page's scripts in a fake DOM (dom_check.js) against
the live app to check that an item "<script>alert(1)</script>" is shown as text and
nothing ever builds HTML from data. These are our own templates, so they run outside
the sandbox here. Prints TAP."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap  # noqa: E402  (tests/tap.py)

SRC = os.environ.get("AF_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AF_BUILDDIR", ".")
NODE = os.environ.get("AF_NODE") or shutil.which("node") or "/usr/bin/node"
GEN = os.path.join(BUILD, "generator", "appforge-generate")
DOM = os.path.join(SRC, "tests", "generator", "dom_check.js")
SCAN = os.path.join(SRC, "scanner", "scan.js")
# Ports: 30000-30399. Several copies of the suite may run at once on one machine (each
# helper's worktree), so a port is taken only after our own node has really bound it.
PORT_MIN, PORT_MAX = 30000, 30399
_rng = random.Random(os.getpid() ^ int(time.time()))
XSS = "<script>alert(1)</script>"

T = Tap()
ok = T.ok


# kind -> (prompt, collection, item to create with XSS in it, field holding XSS, title)
KINDS = {
    "todo": ("a todo list with due dates", "todos", {"text": XSS, "due": "2026-12-01"}, "text", "Todo list"),
    "notes": ("a place to keep my notes", "notes", {"title": XSS, "body": "line 1\nline 2"}, "title", "Notes"),
    "guestbook": ("a guestbook for our wedding", "entries", {"name": XSS, "message": "Congratulations!"}, "name",
                  "Guestbook: Wedding"),
    "counter": ("a counter for push-ups", "counters", {"label": XSS}, "label", "Counter: Push-ups"),
    "poll": ("poll: what should we eat? pizza, sushi, tacos", "options", {"label": XSS}, "label",
             "What should we eat?"),
    "timer": ("a pomodoro timer with 50 minute sessions and 10 minute breaks", "sessions",
              {"label": XSS, "minutes": 50, "phase": "work"}, "label", "Pomodoro timer"),
    "quiz": ("quiz about the solar system", "questions",
             {"question": XSS, "choices": ["yes", "no"], "answer": 1}, "question", "Solar system quiz"),
    "chat": ("a chat room for the chess club", "messages", {"author": "ann", "text": XSS}, "text",
             "Chat: Chess club"),
    "kanban": ("a kanban board with columns backlog, doing, review, done", "cards",
               {"title": XSS, "column": "Review"}, "title", "Kanban board"),
    "bookmarks": ("somewhere to save my bookmarks", "bookmarks",
                  {"url": "https://example.com/a?b=1", "title": XSS}, "title", "Bookmarks"),
    "expenses": ("expense tracker for my trip to Rome in euros", "expenses",
                 {"description": XSS, "amount": 12.5, "category": "Food", "date": "2026-11-01"}, "description",
                 "Expenses: Trip to Rome"),
    "crud": ("a JSON API for books with title, author and year", "books",
             {"title": XSS, "author": "Ann", "year": 1999}, "title", "Books API"),
    "landing": ("landing page for Acme Rockets that makes space travel affordable", "signups",
                {"email": "ann@example.com", "name": XSS}, None, "Acme Rockets"),
    "recipes": ("a recipe book for family dinners", "recipes", {"title": XSS, "servings": 4}, "title",
                "Recipes: Family dinners"),
    "contacts": ("an address book for my clients", "contacts", {"name": XSS, "email": "c@example.org"}, "name",
                 "Contacts: Clients"),
    "reading": ("my reading list", "books", {"title": XSS, "author": "X", "status": "reading"}, "title",
                "Reading list"),
}


def request(port, method, path, body=None, raw=None, timeout=10, headers=None):
    """Writes are sent as application/json, as the page's own scripts do, unless
    headers says otherwise."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method)
    if method not in ("GET", "HEAD"):
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def wait_port(port, proc, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def port_free(port):
    s = socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET)
    try:
        s.bind(("::" if socket.has_ipv6 else "", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def start(appdir, datadir):
    """Starts node server.js on a free port of our range; returns (process, port) or
    (None, 0). A port someone else grabs first makes node exit: we try another."""
    for _ in range(20):
        port = _rng.randint(PORT_MIN, PORT_MAX)
        if not port_free(port):
            continue
        env = {"PATH": "/usr/bin:/bin", "PORT": str(port), "DATA_DIR": datadir, "NODE_ENV": "production"}
        log = open(os.path.join(os.path.dirname(appdir), os.path.basename(appdir) + ".log"), "ab")
        p = subprocess.Popen([NODE, "server.js"], cwd=appdir, env=env, stdout=log, stderr=log)
        log.close()
        if wait_port(port, p):
            return p, port
        p.kill()
        p.wait()
    return None, 0


def stop(p):
    if p and p.poll() is not None and p.returncode not in (0, -signal.SIGTERM):
        print("# server exited early with status %s" % p.returncode)
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def generate(tmp, prompt):
    conf = os.path.join(tmp, "empty.conf")
    open(conf, "w").close()
    r = subprocess.run([GEN, "--config", conf, "--generator", "template", "--prompt", prompt],
                       capture_output=True, timeout=30, cwd=tmp)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def write_files(appdir, files):
    for path, content in files.items():
        full = os.path.join(appdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(content)


def kind_action(kind, port, item):
    """The kind's own API beyond create/list; returns (ok, description)."""
    iid = item.get("id")
    if kind == "counter":
        s, b, _ = request(port, "POST", "/api/counters/%s/increment" % iid, {"by": 3})
        s2, b2, _ = request(port, "POST", "/api/counters/%s/increment" % iid, {"by": 1.5})
        return s == 200 and json.loads(b)["value"] == 3 and s2 == 400, "increment by 3 -> 3, by 1.5 -> 400"
    if kind == "poll":
        s, b, _ = request(port, "POST", "/api/options/%s/vote" % iid)
        s2, _, _ = request(port, "PATCH", "/api/options/%s" % iid, {"votes": 99})
        return s == 200 and json.loads(b)["votes"] == 1 and s2 in (400, 405), "vote counts 1, votes not settable"
    if kind == "quiz":
        s, b, _ = request(port, "POST", "/api/questions/%s/check" % iid, {"choice": 1})
        s2, b2, _ = request(port, "POST", "/api/questions/%s/check" % iid, {"choice": 0})
        s3, _, _ = request(port, "POST", "/api/questions", {"question": "q", "choices": ["a", "b"], "answer": 5})
        # the score board is what the page shows at once: put the <script> there too
        request(port, "POST", "/api/scores", {"name": XSS, "score": 3, "total": 5})
        return (s == 200 and json.loads(b)["correct"] is True and json.loads(b2)["correct"] is False
                and "answer" not in item and s3 == 400), "check answers server-side, answer hidden, bad answer 400"
    if kind == "chat":
        s, b, _ = request(port, "GET", "/api/messages/wait?after=0")
        s2, _, _ = request(port, "GET", "/api/messages/wait?after=abc")
        return s == 200 and len(json.loads(b)["items"]) >= 1 and s2 == 400, "long poll returns newer messages"
    if kind == "landing":
        s, b, _ = request(port, "GET", "/api/signups/count")
        s2, _, _ = request(port, "GET", "/api/signups")
        s3, _, _ = request(port, "POST", "/api/signups", {"email": "not an email"})
        return (s == 200 and json.loads(b)["count"] == 1 and s2 == 405 and s3 == 400,
                "sign-up count 1, list not public, bad email 400")
    if kind == "kanban":
        s, b, _ = request(port, "PATCH", "/api/cards/%s" % iid, {"column": "Doing"})
        s2, _, _ = request(port, "PATCH", "/api/cards/%s" % iid, {"column": "Nowhere"})
        return s == 200 and json.loads(b)["column"] == "Doing" and s2 == 400, "move card, unknown column 400"
    if kind == "todo":
        s, b, _ = request(port, "PATCH", "/api/todos/%s" % iid, {"done": True})
        s2, _, _ = request(port, "PATCH", "/api/todos/%s" % iid, {"due": "2026-02-30"})
        return s == 200 and json.loads(b)["done"] is True and s2 == 400, "tick off, bad date 400"
    if kind == "expenses":
        s, _, _ = request(port, "POST", "/api/expenses", {"description": "x", "amount": "12", "category": "Food"})
        return s == 400, "amount as a string 400"
    s, b, _ = request(port, "GET", "/api/meta")
    return s == 200 and json.loads(b)["kind"] == kind, "meta names the kind"


def check_kind(kind, spec, tmp):
    prompt, col, item, xss_field, title = spec
    res = generate(tmp, prompt)
    if not ok(res is not None, "%s: generated from %r" % (kind, prompt)):
        return
    meta_kind = json.loads(res["files"]["server.js"].split("const CONFIG = ", 1)[1].split(";\n", 1)[0])["meta"]["kind"]
    ok(meta_kind == kind, "%s: prompt selects kind %s (got %s)" % (kind, kind, meta_kind))
    ok(res["name"] == title, "%s: name %r (got %r)" % (kind, title, res["name"]))
    appdir = os.path.join(tmp, kind)
    datadir = os.path.join(tmp, kind + "-data")
    os.makedirs(appdir)
    write_files(appdir, res["files"])
    syntax = all(subprocess.run([NODE, "--check", os.path.join(appdir, f)], capture_output=True).returncode == 0
                 for f in res["files"] if f.endswith(".js"))
    ok(syntax, "%s: every .js file passes node --check" % kind)
    # the platform scans every app before it runs: our own templates must pass cleanly
    if os.path.exists(SCAN):
        r = subprocess.run([NODE, SCAN], input=json.dumps({"files": res["files"]}).encode(), capture_output=True,
                           timeout=60)
        if r.returncode == 2:
            T.skip("scanner unavailable: %s" % r.stderr.decode()[:80].strip())
        else:
            verdict = json.loads(r.stdout) if r.returncode == 0 else {"verdict": "error", "findings": []}
            ok(verdict["verdict"] == "pass", "%s: the code scanner's verdict is pass (%s)" %
               (kind, [f["rule"] for f in verdict["findings"]]))
    p, port = start(appdir, datadir)
    if not ok(p is not None, "%s: node server.js listens (port %d)" % (kind, port)):
        return
    try:
        s, page, hdrs = request(port, "GET", "/")
        esc_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
        ok(s == 200 and "<title>%s</title>" % esc_title in page and "script-src 'self'" in
           hdrs.get("Content-Security-Policy", ""), "%s: GET / is the HTML page with the title and a strict CSP" % kind)
        s, body, _ = request(port, "POST", "/api/" + col, item)
        created = json.loads(body) if s == 201 else {}
        ok(s == 201, "%s: POST /api/%s creates an item (%d)" % (kind, col, s))
        if xss_field:
            s, body, _ = request(port, "GET", "/api/" + col)
            items = json.loads(body)["items"] if s == 200 else []
            ok(any(x.get(xss_field) == XSS for x in items), "%s: the item reads back with the raw string" % kind)
            s, body, _ = request(port, "GET", "/api/%s/%s" % (col, created.get("id", "x")))
            ok(s in (200, 404, 405) and (s != 200 or json.loads(body).get(xss_field) == XSS),
               "%s: GET one item agrees" % kind)
        good, what = kind_action(kind, port, created)
        ok(good, "%s: %s" % (kind, what))
        s1, _, _ = request(port, "POST", "/api/" + col, raw=b"{not json")
        s2, _, _ = request(port, "POST", "/api/" + col, {"no_such_field": 1})
        s3, _, _ = request(port, "POST", "/api/" + col, raw=json.dumps({"x": "a" * 70000}).encode())
        ok((s1, s2, s3) == (400, 400, 413), "%s: bad JSON 400, unknown field 400, 70 KB body 413 (%s)" %
           (kind, (s1, s2, s3)))
        check_cross_site(kind, port, col, created)
        stop(p)
        p, port = start(appdir, datadir)
        if not ok(p is not None, "%s: restarts" % kind):
            return
        if xss_field:
            s, body, _ = request(port, "GET", "/api/" + col)
            ok(s == 200 and any(x.get("id") == created.get("id") for x in json.loads(body)["items"]),
               "%s: the item survives a restart" % kind)
        else:
            s, body, _ = request(port, "GET", "/api/signups/count")
            ok(s == 200 and json.loads(body)["count"] == 1, "%s: the sign-up survives a restart" % kind)
        leftovers = [f for f in os.listdir(datadir) if ".tmp" in f]
        ok(leftovers == [], "%s: no temporary files left in DATA_DIR" % kind)
        r = subprocess.run([NODE, DOM, "http://127.0.0.1:%d" % port], capture_output=True, timeout=30)
        dom = json.loads(r.stdout or b'{"violations": ["no output"], "texts": [], "html": ""}')
        ok(dom["violations"] == [], "%s: page scripts never build HTML from data (%s)" % (kind, dom["violations"][:3]))
        if xss_field:
            ok(XSS in dom["texts"] or any(XSS in t for t in dom["texts"]),
               "%s: the UI shows the stored <script> as text" % kind)
        else:
            ok("Acme Rockets" in dom["texts"] and XSS not in dom["html"], "%s: the UI shows the product, never sign-ups" % kind)
        ok("<script>alert" not in dom["html"] and "script" not in dom["tags"],
           "%s: the rendered page holds no script element" % kind)
        check_ui_submit(kind, port, col)
    finally:
        stop(p)


def check_cross_site(kind, port, col, created):
    """Issue 10: POST with Content-Type text/plain from Origin https://evil.example
    answered 201, and an anonymous DELETE 204. Every write from another site, or not
    sent as JSON, is a JSON 403 and changes nothing."""
    before = count_items(kind, port, col)
    evil = {"Origin": "https://evil.example"}
    body = json.dumps(dict((k, v) for k, v in created.items() if k != "id")).encode()
    one = "/api/%s/%s" % (col, created.get("id", "0" * 16))
    tries = (
        ("POST", "/api/" + col, body, dict(evil, **{"Content-Type": "text/plain"}), "text/plain from another origin"),
        ("POST", "/api/" + col, body, {"Content-Type": "text/plain;charset=UTF-8"}, "text/plain without Origin"),
        ("POST", "/api/" + col, b"label=x&text=x", dict(evil, **{"Content-Type": "application/x-www-form-urlencoded"}),
         "a form post from another origin"),
        ("POST", "/api/" + col, b"--b\r\n\r\nx\r\n--b--\r\n", {"Content-Type": "multipart/form-data; boundary=b"},
         "a multipart form post"),
        ("POST", "/api/" + col, body, evil, "JSON from another origin"),
        ("POST", "/api/" + col, body, {"Origin": "null"}, "JSON from an opaque origin"),
        ("POST", "/api/" + col, body, {"Sec-Fetch-Site": "cross-site"}, "JSON a browser calls cross-site"),
        ("DELETE", one, None, dict(evil, **{"Content-Type": ""}), "a DELETE from another origin"),
        ("DELETE", one, None, {"Content-Type": ""}, "a DELETE not sent as JSON"),
    )
    for method, path, data, hdrs, what in tries:
        s, b, h = request(port, method, path, raw=data, headers=hdrs)
        try:
            err = json.loads(b).get("error", {})
        except ValueError:
            err = {}
        ok(s == 403 and err.get("code") == "forbidden" and h.get("Content-Type", "").startswith("application/json"),
           "%s: %s is refused with a JSON 403 (%d)" % (kind, what, s))
    ok(count_items(kind, port, col) == before, "%s: the refused writes changed nothing" % kind)
    own = {"Origin": "http://127.0.0.1:%d" % port, "Sec-Fetch-Site": "same-origin"}
    s, _, _ = request(port, "POST", "/api/" + col, {"no_such_field": 1}, headers=own)
    ok(s == 400, "%s: JSON from the app's own origin passes the check (then 400 for its content: %d)" % (kind, s))


def count_items(kind, port, col):
    if kind == "landing":
        s, body, _ = request(port, "GET", "/api/signups/count")
        return json.loads(body)["count"] if s == 200 else -1
    s, body, _ = request(port, "GET", "/api/" + col)
    return len(json.loads(body)["items"]) if s == 200 else -1


def check_ui_submit(kind, port, col):
    """The page's own form creates an item through the API (the timer has no form: its
    sessions are logged when a phase ends)."""
    if kind == "timer":
        return
    before = count_items(kind, port, col)
    r = subprocess.run([NODE, DOM, "http://127.0.0.1:%d" % port, "submit"], capture_output=True, timeout=30)
    dom = json.loads(r.stdout or b'{"submitted": false, "errors": ["no output"], "violations": []}')
    after = count_items(kind, port, col)
    ok(dom["submitted"] and dom["errors"] == [] and dom["violations"] == [] and after == before + 1,
       "%s: filling in and submitting the page's form creates an item (%d -> %d, %s)" %
       (kind, before, after, dom["errors"][:2]))


def check_prompt_injection(tmp):
    """HTML in the prompt ends up escaped in the page and as a JSON string in the code."""
    res = generate(tmp, 'landing page called "<img src=x onerror=alert(1)>" that is </script><b>bold</b>')
    if not ok(res is not None, "prompt with HTML: generated"):
        return
    html = res["files"]["public/index.html"]
    ok("<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, "prompt with HTML: escaped in index.html")
    appdir = os.path.join(tmp, "inject")
    os.makedirs(appdir)
    write_files(appdir, res["files"])
    p, port = start(appdir, os.path.join(tmp, "inject-data"))
    if not ok(p is not None, "prompt with HTML: the app starts (the text is a valid JS string)"):
        return
    try:
        s, body, _ = request(port, "GET", "/api/meta")
        ok(s == 200 and json.loads(body)["product"] == "<img src=x onerror=alert(1)>",
           "prompt with HTML: the product name is data, unchanged")
        r = subprocess.run([NODE, DOM, "http://127.0.0.1:%d" % port], capture_output=True, timeout=30)
        dom = json.loads(r.stdout)
        ok(dom["violations"] == [] and "img" not in dom["tags"] and "<img src=x onerror=alert(1)>" in dom["texts"],
           "prompt with HTML: shown as text by the UI")
    finally:
        stop(p)


def main():
    if not os.access(GEN, os.X_OK):
        print("1..0 # SKIP appforge-generate not built")
        return 0
    if not os.access(NODE, os.X_OK):
        print("1..0 # SKIP node not found")
        return 0
    tmp = tempfile.mkdtemp(prefix="af-gen-tmpl-")
    try:
        for kind, spec in KINDS.items():
            check_kind(kind, spec, tmp)
        check_prompt_injection(tmp)
        a = generate(tmp, "a todo list with due dates")
        b = generate(tmp, "a todo list with due dates")
        ok(a is not None and a == b, "same prompt, same files byte for byte")
    finally:
        if T.failed and os.environ.get("AF_KEEP_TMP"):
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())

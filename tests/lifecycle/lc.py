"""lc.py: helpers shared by the lifecycle tests (tests/lifecycle/test_*.py).

They run a real appforge with tests/e2e/harness.py (appforged, its sandbox supervisor,
nginx) and drive the product's main path: generate, run, the app on its own origin,
stop, logs, delete. Standard library only."""
import json
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import harness  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import hostcheck  # noqa: E402
hostcheck.require_sandbox()  # a host without namespaces skips, with the reason

# kind -> (prompt, collection, item to create, field to read back)
KINDS = {
    "todo": ("a todo list with due dates", "todos", {"text": "buy milk", "due": "2026-12-01"}, "text"),
    "notes": ("a place to keep my notes", "notes", {"title": "first", "body": "line 1\nline 2"}, "title"),
    "guestbook": ("a guestbook for our wedding", "entries", {"name": "ann", "message": "Congratulations!"},
                  "name"),
    "counter": ("a counter for push-ups", "counters", {"label": "push-ups"}, "label"),
    "poll": ("poll: what should we eat? pizza, sushi, tacos", "options", {"label": "curry"}, "label"),
    "timer": ("a pomodoro timer with 50 minute sessions and 10 minute breaks", "sessions",
              {"label": "deep work", "minutes": 50, "phase": "work"}, "label"),
    "quiz": ("quiz about the solar system", "questions",
             {"question": "Is Mars red?", "choices": ["yes", "no"], "answer": 0}, "question"),
    "chat": ("a chat room for the chess club", "messages", {"author": "ann", "text": "e4"}, "text"),
    "kanban": ("a kanban board with columns backlog, doing, review, done", "cards",
               {"title": "ship it", "column": "Review"}, "title"),
    "bookmarks": ("somewhere to save my bookmarks", "bookmarks",
                  {"url": "https://example.com/a?b=1", "title": "example"}, "title"),
    "expenses": ("expense tracker for my trip to Rome in euros", "expenses",
                 {"description": "pasta", "amount": 12.5, "category": "Food", "date": "2026-11-01"},
                 "description"),
    "crud": ("a JSON API for books with title, author and year", "books",
             {"title": "Dune", "author": "Herbert", "year": 1965}, "title"),
    "landing": ("landing page for Acme Rockets that makes space travel affordable", "signups",
                {"email": "ann@example.com", "name": "Ann"}, None),
    "recipes": ("a recipe book for family dinners", "recipes", {"title": "soup", "servings": 4}, "title"),
    "contacts": ("an address book for my clients", "contacts", {"name": "Bob", "email": "c@example.org"},
                 "name"),
    "reading": ("my reading list", "books", {"title": "Emma", "author": "Austen", "status": "reading"},
                "title"),
}


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def processes_of_uid(uid):
    """Pids whose real uid is uid (the sandbox of an app runs as one host uid)."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/status" % p) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            out.append(int(p))
                        break
        except OSError:
            pass
    return out


def sandbox_uid(inst, port):
    """The host uid the supervisor gives the sandbox on port (sandbox_uid_base + offset)."""
    base = int(inst.values.get("sandbox_uid_base", 200000))
    return base + port - int(inst.values["port_min"])


def wait_until(cond, timeout=30.0, step=0.05):
    end = time.monotonic() + harness.scaled(timeout)
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def app_dir(inst, aid):
    return os.path.join(inst.state_dir, "apps", aid)


def create(t, api, body, want=201):
    r = api.post("/api/apps", body)
    app = r.json() or {}
    t.ok(r.status == want and app.get("id"), "create %s: %d" % (body.get("prompt") or body.get("name"), want), r)
    return app


def poll_run(api, aid, timeout=60.0, leave=("starting",)):
    """GET the app until its run's state is none of leave; its last run object."""
    last = {}

    def over():
        last.update((api.get("/api/apps/%s" % aid).json() or {}).get("run") or {})
        return last.get("state") not in leave
    wait_until(over, timeout, 0.1)
    return last


def run(t, api, aid, what="run"):
    """POST /run as docs/API.md says: 200 running, or 202 starting (no wait slot was
    free) and then poll until it runs."""
    r = api.post("/api/apps/%s/run" % aid)
    run = ((r.json() or {}).get("run") or {})
    if r.status == 202 and run.get("state") == "starting":
        run = poll_run(api, aid)
    t.ok(r.status in (200, 202) and run.get("state") == "running" and run.get("port"),
         "%s: %d, running on a port" % (what, r.status), r)
    return run.get("port")


def delete_and_check_gone(t, inst, api, aid, port, label):
    """DELETE: 404 after, directory gone, port closed, no process of its uid left."""
    r = api.delete("/api/apps/%s" % aid)
    t.eq(r.status, 204, "%s: DELETE 204" % label)
    t.eq(api.get("/api/apps/%s" % aid).status, 404, "%s: then 404" % label)
    t.eq(api.delete("/api/apps/%s" % aid).status, 404, "%s: second DELETE 404" % label)
    t.ok(not os.path.exists(app_dir(inst, aid)), "%s: app directory removed" % label)
    logf = os.path.join(inst.state_dir, "log", "apps", aid + ".log")
    t.ok(not os.path.exists(logf), "%s: log removed" % label)
    if port:
        t.ok(wait_until(lambda: not port_open(port), 30), "%s: port %d closed" % (label, port))
        uid = sandbox_uid(inst, port)
        t.ok(wait_until(lambda: not processes_of_uid(uid), 30),
             "%s: no process of the sandbox uid %d left" % (label, uid), processes_of_uid(uid))
    origin = inst.client(host=inst.app_host(aid))
    r = origin.get("/")
    origin.close()
    t.eq(r.status, 404, "%s: its origin answers 404" % label)


def check_kind(t, inst, api, kind):
    """The whole main path for one template kind."""
    prompt, col, item, field = KINDS[kind]
    r = api.post("/api/apps", {"prompt": prompt})
    app = r.json() or {}
    if not t.ok(r.status == 201 and app.get("status") == "ready" and app.get("scan", {}).get("verdict") == "pass",
                "%s: generated from %r: 201 ready, scan pass" % (kind, prompt), r):
        return
    aid = app["id"]
    port = run(t, api, aid, "%s: run" % kind)
    if not port:
        t.diag(api.get("/api/apps/%s/logs" % aid).body.decode(errors="replace"))
        return
    origin = inst.app_client(api, aid)   # a new app is private: its owner's cookie
    r = origin.get("/")
    t.ok(r.status == 200 and b"<html" in r.body.lower() and app["name"].encode() in r.body,
         "%s: its page on https://%s:%d/" % (kind, inst.app_host(aid), inst.https_port), r)
    r = origin.post("/api/" + col, item)
    created = r.json() or {}
    t.ok(r.status in (200, 201) and created.get("id"), "%s: POST /api/%s creates an item" % (kind, col), r)
    iid = created.get("id")
    # Cross-site writes through the origin (issue 10): a text/plain post from another
    # origin is refused; JSON from the app's own origin passes the guard (then 400 for
    # its content, so that nothing is created).
    r = origin.request("POST", "/api/" + col, body=json.dumps(item),
                       headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
    t.ok(r.status == 403 and r.error_code() == "forbidden",
         "%s: a cross-site text/plain POST through its origin: 403" % kind, r)
    own = "https://%s:%d" % (inst.app_host(aid), inst.https_port)
    r = origin.post("/api/" + col, {"no_such_field": 1}, headers={"Origin": own})
    t.eq(r.status, 400, "%s: JSON from its own origin %s passes the guard" % (kind, own))

    def item_there():
        if kind == "landing":
            rr = origin.get("/api/signups/count")
            return rr.status == 200 and (rr.json() or {}).get("count") == 1
        rr = origin.get("/api/" + col)
        items = (rr.json() or {}).get("items") or [] if rr.status == 200 else []
        return any(x.get("id") == iid and x.get(field) == item[field] for x in items)

    t.ok(item_there(), "%s: the item reads back" % kind)
    r = api.post("/api/apps/%s/stop" % aid)
    t.ok(r.status == 200 and (r.json() or {}).get("run", {}).get("state") == "stopped", "%s: stop: 200 stopped" % kind, r)
    origin.close()
    r = origin.get("/")
    t.ok(r.status == 503 and b"not running" in r.body, "%s: stopped: the origin shows the 503 page" % kind, r)
    port = run(t, api, aid, "%s: run again" % kind)
    origin.close()
    t.ok(port and item_there(), "%s: after the restart the item is still there" % kind)
    origin.close()
    delete_and_check_gone(t, inst, api, aid, port, kind)


# Host uids are not in a run's network namespace: a random base per run (plus the
# file's base port) keeps two suites on one host from counting each other's processes.
UID_RUN = 6000000 + int.from_bytes(os.urandom(2), "big") % 4000 * 1000


def run_file(main, name, base_port, conf=None):
    """harness.run with a sandbox uid range of this file's own (UID_RUN + base port), so
    that the processes of one file's sandboxes are never mistaken for another's."""
    values = {"sandbox_uid_base": UID_RUN + base_port}
    values.update(conf or {})

    def checked(t, inst):
        main(t, inst)
        try:
            with open(inst.logs["appforged"], errors="replace") as f:
                log = f.read()
        except OSError:
            log = ""
        bad = [l for l in log.splitlines() if "AddressSanitizer" in l or "runtime error:" in l
               or "LeakSanitizer" in l]
        t.ok(not bad, "no sanitizer report in the log of appforged and its supervisor", "\n".join(bad[:20]))
    return harness.run(checked, name, base_port, conf=values)


def kinds_main(kinds):
    def main(t, inst):
        api = inst.client(inst.login("alice"))
        for k in kinds:
            check_kind(t, inst, api, k)
    return main

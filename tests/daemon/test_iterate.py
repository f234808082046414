"""test_iterate.py: changing an app by asking (template provider) through appforged's
FastCGI socket: the app object carries what the generator understood; iterate edits
fields, title, subtitle, theme, poll options and currency, re-renders, scans and makes
a revision that says what changed; an instruction not understood is a 422 with the
reason and changes nothing; apps made from files or edited by hand are refused."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon  # noqa: E402


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def config_of(files):
    """The CONFIG object the template rendered into server.js."""
    m = re.search(r"const CONFIG = (\{.*?\n\});", files["server.js"], re.S)
    return json.loads(m.group(1))


def fields(files, coll):
    return {f["name"]: f["type"] for f in config_of(files)["collections"][coll]["fields"]}


def main():
    return run_daemon(run, workers=2)


def run(t, d):
    alice, bob = d.login("alice"), d.login("bob")
    r = d.req("POST", "/api/apps", {"prompt": "a todo list for my chores"}, token=alice)
    app = r.json()
    aid = app["id"]
    g = app.get("generation") or {}
    t.ok(r.status == 201 and g.get("provider") == "template" and g.get("kind") == "todo"
         and {"collection": "todos", "name": "text", "label": "Task", "type": "text"} in g.get("fields", [])
         and "todo" in g.get("explanation", "") and "spec" not in g,
         "a generated app carries generation {provider, kind, fields, explanation}", r.body)
    t.ok(d.req("GET", "/api/apps/" + aid, token=alice).json().get("generation") == g,
         "GET app: the same generation object")
    it = "/api/apps/%s/iterate" % aid

    r = d.req("POST", it, {"prompt": "add a quantity field"}, token=alice)
    body = r.json() if r.status == 200 else {}
    files = d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"]
    t.ok(r.status == 200 and body["revision"]["n"] == 2 and body["revision"]["source"] == "iterate"
         and "Quantity" in body["explanation"] and body["revision"]["message"] == body["explanation"]
         and fields(files, "todos").get("quantity") == "int", "add a quantity field: an int field, revision 2",
         r.body)
    t.ok({"collection": "todos", "name": "quantity", "label": "Quantity", "type": "int"}
         in body.get("app", {}).get("generation", {}).get("fields", []), "the generation's fields follow")
    t.ok(body.get("app", {}).get("scan", {}).get("verdict") in ("pass", "warn"), "the new code was scanned")

    r = d.req("POST", it, {"prompt": "rename the app to Chores; set the subtitle to Who does what. "
                                      "Use a dark theme and add a due date field"}, token=alice)
    files = d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"]
    cfg = config_of(files)
    t.ok(r.status == 200 and cfg["meta"]["title"] == "Chores" and cfg["meta"]["subtitle"] == "Who does what"
         and cfg["meta"]["theme"] == "dark" and 'class="kind-todo theme-dark"' in files["public/index.html"]
         and "<h1>Chores</h1>" in files["public/index.html"] and fields(files, "todos").get("due_date") == "date",
         "several changes at once: title, subtitle, theme, a date field", r.body)
    r = d.req("POST", it, {"prompt": "rename quantity to amount"}, token=alice)
    r2 = d.req("POST", it, {"prompt": "make amount a number"}, token=alice)
    mid = fields(d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"], "todos")
    r3 = d.req("POST", it, {"prompt": "remove the amount field"}, token=alice)
    files = d.req("GET", "/api/apps/%s/files" % aid, token=alice).json()["files"]
    t.ok(r.status == 200 and r2.status == 200 and r3.status == 200 and mid.get("amount") == "number"
         and "quantity" not in mid and "amount" not in fields(files, "todos"),
         "rename, retype and remove a field", (r.body, r2.body, r3.body, mid))

    # not understood, not possible: 422 with the reason, nothing changes
    n_revs = len(d.req("GET", "/api/apps/%s/revisions" % aid, token=alice).json()["revisions"])
    for prompt, why in (("make it sing and dance", "could not understand"),
                        ("remove the done field", "cannot be removed"),
                        ("remove the colour field", "no field"),
                        ("add a task field", "already has"),
                        ("use the currency euros", "no currency"),
                        ("use a sparkly theme", "unknown theme"),
                        ("add a field of type blob called x", "unknown field type")):
        r = d.req("POST", it, {"prompt": prompt}, token=alice)
        t.ok(is_error(r, 422, "generation_failed") and why in r.json()["error"]["message"],
             "%r: 422 saying %r" % (prompt, why), r.body)
    t.ok(len(d.req("GET", "/api/apps/%s/revisions" % aid, token=alice).json()["revisions"]) == n_revs,
         "refused instructions made no revision")

    # bad input
    for body in ({}, {"prompt": ""}, {"prompt": 5}, {"prompt": "x" * 2001}, {"prompt": "add x", "more": 1}):
        t.ok(is_error(d.req("POST", it, body, token=alice), 400), "body %.40r: 400" % (body,))
    t.ok(is_error(d.req("POST", it, {"prompt": "add a x field"}, token=bob), 404), "another user's app: 404")
    t.ok(is_error(d.req("POST", "/api/apps/zzzzzzzzzzzzzzzz/iterate", {"prompt": "add x"}, token=alice), 404),
         "unknown app: 404")

    # a poll's options, an expense tracker's currency
    pid = d.req("POST", "/api/apps", {"prompt": "a poll: pizza or pasta?"}, token=alice).json()["id"]
    r = d.req("POST", "/api/apps/%s/iterate" % pid, {"prompt": "add option Risotto and remove option No"},
              token=alice)
    files = d.req("GET", "/api/apps/%s/files" % pid, token=alice).json()["files"]
    labels = [s["label"] for s in config_of(files)["collections"]["options"]["seed"]]
    t.ok(r.status == 200 and labels == ["Yes", "Risotto"], "poll options added and removed (%r)" % labels, r.body)
    eid = d.req("POST", "/api/apps", {"prompt": "track my travel expenses in euros"}, token=alice).json()["id"]
    r = d.req("POST", "/api/apps/%s/iterate" % eid, {"prompt": "change the currency to pounds"}, token=alice)
    files = d.req("GET", "/api/apps/%s/files" % eid, token=alice).json()["files"]
    t.ok(r.status == 200 and config_of(files)["meta"]["currency"] == "GBP", "currency changed to GBP", r.body)

    qid = d.req("POST", "/api/apps", {"prompt": "a quiz about the solar system"}, token=alice).json()["id"]
    qit = "/api/apps/%s/iterate" % qid
    seed0 = config_of(d.req("GET", "/api/apps/%s/files" % qid, token=alice).json()["files"])["collections"]["questions"]["seed"]
    r = d.req("POST", qit, {"prompt": "add the question What is 2+2? with choices 3, 4, 5 and answer 4; "
                                      "remove question 1"}, token=alice)
    seed = config_of(d.req("GET", "/api/apps/%s/files" % qid, token=alice).json()["files"])["collections"]["questions"]["seed"]
    t.ok(r.status == 200 and len(seed) == len(seed0) and seed[-1] == {"question": "What is 2+2?",
         "choices": ["3", "4", "5"], "answer": 1} and seed[0] == seed0[1],
         "quiz: a question added (answer as the choice's index), the first removed", r.body)
    r = d.req("POST", qit, {"prompt": "add the question Why? with choices a, b and answer c"}, token=alice)
    t.ok(is_error(r, 422, "generation_failed") and "one of the choices" in r.json()["error"]["message"],
         "quiz: an answer that is not a choice: 422", r.body)

    # hand-edited files and apps from files are refused
    files["README.md"] = "edited by hand\n"
    t.ok(d.req("PUT", "/api/apps/%s/files" % eid, {"files": files}, token=alice).status == 200, "hand edit saved")
    r = d.req("POST", "/api/apps/%s/iterate" % eid, {"prompt": "add a shop field"}, token=alice)
    t.ok(is_error(r, 409, "conflict") and "by hand" in r.json()["error"]["message"],
         "iterate after a hand edit: 409 (it would undo the edit)", r.body)
    t.ok(d.req("POST", "/api/apps/%s/revisions/2/restore" % eid, token=alice).status == 200
         and d.req("POST", "/api/apps/%s/iterate" % eid, {"prompt": "add a shop field"}, token=alice).status == 200,
         "after restoring the iterated revision, iterate works again")
    fid = d.req("POST", "/api/apps", {"files": app_files()}, token=alice).json()["id"]
    r = d.req("POST", "/api/apps/%s/iterate" % fid, {"prompt": "add a x field"}, token=alice)
    t.ok(is_error(r, 422, "generation_failed") and d.req("GET", "/api/apps/" + fid, token=alice)
         .json().get("generation", 0) is None, "an app from files: generation null, iterate 422", r.body)


if __name__ == "__main__":
    sys.exit(main())

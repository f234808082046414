"""test_readcache.py: a worker's read cache (fcgi/readcache.h) answers the app list and an
app's GET again without reading them, and never answers what the database no longer
says, nor to anyone it would not answer: through appforged's FastCGI socket, one worker
(so that every request meets the same cache), log level debug (a cached answer logs
"answered from the read cache").

- The same list twice: the second comes from the cache, the same bytes.
- A change by another connection (the test writes the database itself), by this worker
  (a rename through the API) and by another process's write (appforgectl) shows at
  once, in the list and in the GET.
- Keys: another user, another limit, another cursor, the admin list, each get their
  own answer; bob's GET of alice's app stays 404.
- Revocation and roles take effect at once: a disabled user, a JWT issued before a
  password change, an admin demoted (403 on the admin list that was cached for them).
- A generating app's answer is never kept (its state is settled from its job's lock).
- A deleted app: 404 at once."""
import fcntl
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, run_daemon, sqlite_write  # noqa: E402

HIT = "answered from the read cache"


def main():
    return run_daemon(run, workers=1, extra_conf="log_level = debug\n")


def hits(d):
    """Cached answers so far (the whole log: d.log() is its tail)."""
    with open(d.log_path, errors="replace") as f:
        return f.read().count(HIT)


def run(t, d):
    alice, bob, admin = d.login("alice"), d.login("bob"), d.login("admin")
    ids = []
    for n in range(3):
        r = d.req("POST", "/api/apps", {"files": app_files(), "name": "cache %d" % n}, token=alice)
        t.eq(r.status, 201, "alice creates app %d" % n)
        ids.append(r.json().get("id"))
    a = ids[0]

    # the same request twice
    h0 = hits(d)
    r1 = d.req("GET", "/api/apps", token=alice)
    r2 = d.req("GET", "/api/apps", token=alice)
    t.ok(r1.status == 200 and r2.status == 200 and r1.body == r2.body and
         len(r1.json()["apps"]) == 3, "the same list twice: the same answer", r2)
    t.eq(hits(d) - h0, 1, "the second came from the cache")
    t.eq(r2.header("content-type"), r1.header("content-type"), "with the same content type")
    g1 = d.req("GET", "/api/apps/%s" % a, token=alice)
    g2 = d.req("GET", "/api/apps/%s" % a, token=alice)
    t.ok(g1.status == 200 and g1.body == g2.body, "the same GET twice: the same answer", g2)
    t.eq(hits(d) - h0, 2, "the second GET came from the cache")

    # another connection writes: seen at once
    sqlite_write(d.db_path, "UPDATE apps SET name = 'written outside' WHERE id = ?", (a,))
    r = d.req("GET", "/api/apps", token=alice)
    names = {x["id"]: x["name"] for x in r.json().get("apps", [])} if r.status == 200 else {}
    t.eq(names.get(a), "written outside", "a write by another connection shows in the list at once")
    g = d.req("GET", "/api/apps/%s" % a, token=alice)
    t.eq(g.json().get("name") if g.status == 200 else g, "written outside",
         "and in the GET")

    # this worker writes (a rename): seen at once
    d.req("GET", "/api/apps", token=alice)  # kept again at the new version
    r = d.req("PATCH", "/api/apps/%s" % a, {"name": "renamed here"}, token=alice)
    t.eq(r.status, 200, "alice renames it through the API")
    r = d.req("GET", "/api/apps", token=alice)
    names = {x["id"]: x["name"] for x in r.json().get("apps", [])} if r.status == 200 else {}
    t.eq(names.get(a), "renamed here", "the worker's own write shows in the list at once")
    g = d.req("GET", "/api/apps/%s" % a, token=alice)
    t.eq(g.json().get("name") if g.status == 200 else g, "renamed here", "and in the GET")

    # keys: caller, limit, cursor, admin
    d.req("GET", "/api/apps", token=alice)
    r = d.req("GET", "/api/apps", token=bob)
    t.ok(r.status == 200 and r.json().get("apps") == [], "bob's list is his own (empty), not alice's", r)
    r = d.req("GET", "/api/apps/%s" % a, token=bob)
    t.eq(r.status, 404, "bob's GET of alice's app stays 404 after alice's was kept")
    r = d.req("GET", "/api/apps?limit=2", token=alice)
    t.ok(r.status == 200 and len(r.json()["apps"]) == 2 and r.json()["next_cursor"],
         "limit=2: a page of two and a cursor", r)
    cur = r.json().get("next_cursor") if r.status == 200 else ""
    r2 = d.req("GET", "/api/apps?limit=2&cursor=%s" % cur, token=alice)
    t.ok(r2.status == 200 and len(r2.json()["apps"]) == 1, "the next page: the third app", r2)
    r = d.req("GET", "/api/admin/apps", token=admin)
    t.ok(r.status == 200 and {x["id"] for x in r.json()["apps"]} >= set(ids),
         "the admin list holds every app", r)
    r = d.req("GET", "/api/admin/apps", token=admin)
    t.ok(r.status == 200 and {x["id"] for x in r.json()["apps"]} >= set(ids),
         "and the same from the cache", r)

    # revocation and roles, with answers kept for them
    d.req("GET", "/api/apps", token=bob)
    d.req("GET", "/api/apps", token=bob)
    sqlite_write(d.db_path, "UPDATE users SET disabled = 1 WHERE username = 'bob'")
    r = d.req("GET", "/api/apps", token=bob)
    t.eq(r.status, 401, "a disabled user's kept list is refused at once")
    sqlite_write(d.db_path, "UPDATE users SET disabled = 0 WHERE username = 'bob'")
    sqlite_write(d.db_path, "UPDATE users SET role = 'user' WHERE username = 'admin'")
    r = d.req("GET", "/api/admin/apps", token=admin)
    t.eq(r.status, 403, "a demoted admin's kept admin list is refused at once")
    sqlite_write(d.db_path, "UPDATE users SET role = 'admin' WHERE username = 'admin'")
    d.req("GET", "/api/apps", token=alice)
    d.req("GET", "/api/apps", token=alice)
    sqlite_write(d.db_path, "UPDATE users SET tokens_after = ? WHERE username = 'alice'", (int(time.time()) + 5,))
    r = d.req("GET", "/api/apps", token=alice)
    t.eq(r.status, 401, "a JWT issued before a password change: refused at once, cached list or not")
    sqlite_write(d.db_path, "UPDATE users SET tokens_after = 0 WHERE username = 'alice'")

    # a generating app whose job holds its lock: never kept
    jobs = os.path.join(d.state, "jobs")
    st = os.stat(d.state)
    os.makedirs(jobs, exist_ok=True)
    os.chown(jobs, st.st_uid, st.st_gid)
    sqlite_write(d.db_path, "UPDATE apps SET status = 'generating' WHERE id = ?", (ids[1],))
    lock = open(os.path.join(jobs, ids[1] + ".lock"), "w")
    os.chown(lock.name, st.st_uid, st.st_gid)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        h0 = hits(d)
        for _ in range(3):
            r = d.req("GET", "/api/apps", token=alice)
            g = d.req("GET", "/api/apps/%s" % ids[1], token=alice)
        t.ok(g.status == 200 and g.json().get("status") == "generating", "the app shows generating", g)
        t.eq(hits(d) - h0, 0, "a list or GET showing a generating app is never answered from the cache")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    r = d.req("GET", "/api/apps/%s" % ids[1], token=alice)
    t.ok(r.status == 200 and r.json().get("status") == "failed",
         "its job's lock released: the next GET shows it failed", r)

    # delete: 404 at once
    d.req("GET", "/api/apps/%s" % ids[2], token=alice)
    d.req("GET", "/api/apps/%s" % ids[2], token=alice)
    r = d.req("DELETE", "/api/apps/%s" % ids[2], token=alice)
    t.ok(r.status in (200, 204), "alice deletes an app whose GET was kept", r)
    r = d.req("GET", "/api/apps/%s" % ids[2], token=alice)
    t.eq(r.status, 404, "its GET is 404 at once")
    r = d.req("GET", "/api/apps", token=alice)
    t.ok(r.status == 200 and ids[2] not in {x["id"] for x in r.json()["apps"]},
         "and the list no longer holds it", r)

    # another process writes (appforgectl deletes bob's apps with bob)
    r = d.req("POST", "/api/apps", {"files": app_files(), "name": "bob's"}, token=bob)
    t.eq(r.status, 201, "bob creates an app")
    d.req("GET", "/api/apps", token=bob)
    d.req("GET", "/api/apps", token=bob)
    d.ctl("user", "del", "bob")
    r = d.req("GET", "/api/apps", token=bob)
    t.eq(r.status, 401, "appforgectl deletes bob: his kept list is refused at once")


if __name__ == "__main__":
    sys.exit(main())

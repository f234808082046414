#!/usr/bin/env python3
"""test_snapshots.py: a revision made while the app is stopped keeps a snapshot of its
data image, and a restore with {"data": true} brings that data back (ports 32500-32599).

A tiny app appends lines to /data/notes.txt and reads them back. Written, stopped, saved:
revision 2 has a snapshot; more is written; restore 2 with data: the app sees the old
data. A revision made while the app runs has none, and restoring its data is refused;
so is a restore of data while the app runs, and a `data` that is not a boolean. Six
revisions keep five snapshots; a copy left by a crash (a .tmp, an image without its row)
is never used and is removed by the next snapshot; an image alone over the byte budget
(snapshots_app_mb, 4 here) is not copied; deleting the app removes them all."""
import os
import sqlite3
import stat
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

APP = r"""
const http = require('http'), fs = require('fs');
const file = process.env.DATA_DIR + '/notes.txt';
http.createServer((q, s) => {
  const u = new URL(q.url, 'http://x');
  if (u.pathname === '/add') { fs.appendFileSync(file, u.searchParams.get('line') + '\n'); s.end('added'); }
  else if (u.pathname === '/read') { let t = ''; try { t = fs.readFileSync(file, 'utf8'); } catch (e) {} s.end(t); }
  else if (u.pathname === '/fill') {
    fs.writeFileSync(process.env.DATA_DIR + '/big', require('crypto').randomBytes(+u.searchParams.get('mib') << 20));
    s.end('filled');
  }
  else s.end('ok %VERSION%');
}).listen(process.env.PORT);
"""


def files(version):
    return {"server.js": APP.replace("%VERSION%", str(version))}


def snapdir(inst, aid):
    return os.path.join(lc.app_dir(inst, aid), "snapshots")


def snap_files(inst, aid):
    try:
        return sorted(os.listdir(snapdir(inst, aid)))
    except FileNotFoundError:
        return []


def revisions(api, aid):
    r = api.get("/api/apps/%s/revisions?limit=100" % aid)
    return {x["n"]: x for x in (r.json() or {}).get("revisions", [])}


SESSIONS = {}   # app id -> its owner's __Host-af_app cookie (new apps are private)


def origin_get(inst, aid, path):
    """GET path on the app's own origin as its owner (alice)."""
    if aid not in SESSIONS:
        SESSIONS[aid] = inst.app_session(inst.client(inst.login("alice")), aid)
    c = lc.harness.Client(inst, host=inst.app_host(aid), cookie=SESSIONS[aid])
    r = c.get(path)
    c.close()
    return r


def add_line(t, inst, aid, line):
    r = origin_get(inst, aid, "/add?line=" + urllib.parse.quote(line))
    t.ok(r.status == 200 and r.body == b"added", "the app writes %r to /data" % line, r)


def read_data(inst, aid):
    r = origin_get(inst, aid, "/read")
    return r.body.decode(errors="replace") if r.status == 200 else "HTTP %d" % r.status


def stop(t, api, aid, what="stop"):
    r = api.post("/api/apps/%s/stop" % aid)
    t.ok(r.status == 200 and ((r.json() or {}).get("run") or {}).get("state") in ("stopped", "exited"),
         "%s: 200" % what, r)


def save(t, api, aid, version, want_snapshot, what):
    r = api.put("/api/apps/%s/files" % aid, {"files": files(version)})
    t.ok(r.status == 200, "%s: save 200" % what, r)
    lc.poll_run(api, aid)  # a save restarts a running app: until its new run answers
    revs = revisions(api, aid)
    n = max(revs) if revs else 0
    t.ok(revs.get(n, {}).get("data_snapshot") is want_snapshot,
         "%s: revision %d has data_snapshot %s" % (what, n, want_snapshot), revs.get(n))
    return n


def restore(api, aid, n, body):
    return api.post("/api/apps/%s/revisions/%d/restore" % (aid, n), body)


def audit_actions(inst, aid):
    db = sqlite3.connect(os.path.join(inst.state_dir, "appforge.db"))
    try:
        return [row[0] for row in db.execute("SELECT action FROM audit WHERE target = ? ORDER BY id", (aid,))]
    finally:
        db.close()


def main(t, inst):
    api = inst.client(inst.login("alice"))
    aid = lc.create(t, api, {"files": files(1), "name": "notes"}).get("id")
    if not aid:
        return
    revs = revisions(api, aid)
    t.ok(revs.get(1, {}).get("data_snapshot") is False, "revision 1 (upload, no data yet): no snapshot", revs)

    # 1. data written, app stopped, a save: revision 2 keeps a snapshot
    lc.run(t, api, aid, "first run")
    add_line(t, inst, aid, "first")
    stop(t, api, aid)
    n2 = save(t, api, aid, 2, True, "saved while stopped")
    t.eq(snap_files(inst, aid), ["%d.img" % n2], "snapshots/ holds %d.img only" % n2)
    st = os.stat(os.path.join(snapdir(inst, aid), "%d.img" % n2))
    dst = os.stat(snapdir(inst, aid))
    own = os.stat(lc.app_dir(inst, aid))
    t.ok(st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600,
         "the snapshot is root's, mode 0600, like data.img", (st.st_uid, oct(st.st_mode)))
    t.ok(dst.st_uid == own.st_uid and stat.S_IMODE(dst.st_mode) == 0o700,
         "snapshots/ is 0700 and belongs to the app directory's owner", (dst.st_uid, own.st_uid, oct(dst.st_mode)))

    # 2. more data; a revision made while the app runs has none
    lc.run(t, api, aid, "second run")
    add_line(t, inst, aid, "second")
    t.eq(read_data(inst, aid), "first\nsecond\n", "the app reads both lines")
    n3 = save(t, api, aid, 3, False, "saved while running")
    r = restore(api, aid, n3, {"data": True})
    t.ok(r.status == 409 and r.error_code() == "no_snapshot", "restore %d with data: 409 no_snapshot" % n3, r)
    r = restore(api, aid, n2, {"data": True})
    t.ok(r.status == 409 and r.error_code() == "app_running", "restore %d with data while running: 409 app_running"
         % n2, r)
    t.eq(read_data(inst, aid), "first\nsecond\n", "the refused restores changed nothing")
    t.eq(max(revisions(api, aid)), n3, "and made no revision")

    # 3. bad input
    for body, what in (({"data": "yes"}, "a string"), ({"data": 1}, "a number"), ({"data": None}, "null"),
                       ({"data": True, "also": 1}, "an unknown key"), ([True], "an array"), ("nope", "no JSON")):
        r = restore(api, aid, n2, body)
        t.ok(r.status == 400 and r.error_code() == "invalid_request", "restore with %s: 400" % what, r)
    r = restore(api, aid, 999, {"data": True})
    t.eq(r.status, 404, "restore of an unknown revision with data: 404")

    # 4. stopped: restore revision 2 with its data; the app sees the old data
    stop(t, api, aid)
    r = restore(api, aid, n2, {"data": True})
    body = r.json() or {}
    rev = body.get("revision") or {}
    t.ok(r.status == 200 and rev.get("source") == "restore" and rev.get("n") == n3 + 1 and
         "with its data" in rev.get("message", ""), "restore %d with data: 200, revision %d" % (n2, n3 + 1), r)
    t.ok(rev.get("data_snapshot") is True, "the restore's revision has a snapshot of the restored data", rev)
    n4 = n3 + 1
    lc.run(t, api, aid, "run after the restore")
    t.eq(read_data(inst, aid), "first\n", "the app sees the data of revision %d" % n2)
    t.eq(origin_get(inst, aid, "/").body, b"ok 2", "and runs revision %d's code" % n2)
    acts = audit_actions(inst, aid)
    t.ok("app.data.restore" in acts and acts.index("app.data.restore") < len(acts) - 1 and
         "app.revision.restore" in acts, "audited: app.data.restore, then app.revision.restore", acts)
    r = restore(api, aid, n4, {"data": False})
    t.ok(r.status == 200 and (r.json() or {}).get("revision", {}).get("data_snapshot") is False,
         "restore with data false while running: code only, 200 (no snapshot while running)", r)
    # a restore of a running app restarts it with the restored code: wait for the new run
    t.eq(lc.poll_run(api, aid).get("state"), "running", "the restarted app runs")
    t.eq(read_data(inst, aid), "first\n", "a code-only restore leaves the data alone")

    # 5. the bound: six more revisions while stopped keep five snapshots
    stop(t, api, aid)
    made = [save(t, api, aid, 10 + i, True, "bound, save %d" % (i + 1)) for i in range(6)]
    revs = revisions(api, aid)
    with_snap = sorted(n for n, x in revs.items() if x.get("data_snapshot"))
    t.eq(with_snap, made[1:], "the newest five revisions have a snapshot")
    t.eq(snap_files(inst, aid), sorted("%d.img" % n for n in made[1:]), "and snapshots/ holds those five only")
    r = restore(api, aid, n2, {"data": True})
    t.ok(r.status == 409 and r.error_code() == "no_snapshot", "the pruned snapshot of %d: 409 no_snapshot" % n2, r)

    # 6. a crash mid-snapshot: leftovers are never used, and the next snapshot removes them
    d = snapdir(inst, aid)
    junk = b"not an image\n" * 100
    for name in ("%d.img.tmp" % n3, "%d.img" % n3, "%d.img.tmp" % (made[-1] + 1), "stray"):
        with open(os.path.join(d, name), "wb") as f:
            f.write(junk)
    r = restore(api, aid, n3, {"data": True})
    t.ok(r.status == 409 and r.error_code() == "no_snapshot",
         "an image left for revision %d without its row is never used: 409" % n3, r)
    last = save(t, api, aid, 99, True, "the save after a crash")
    t.eq(snap_files(inst, aid), sorted("%d.img" % n for n in made[2:] + [last]),
         "leftover .tmp copies and unrecorded files are removed")
    r = restore(api, aid, made[-1], {"data": True})
    t.ok(r.status == 200, "restore %d with data: 200" % made[-1], r)
    lc.run(t, api, aid, "run after the last restore")
    t.eq(read_data(inst, aid), "first\n", "its data is intact")

    # 7. delete: nothing left
    port = (api.get("/api/apps/%s" % aid).json() or {}).get("run", {}).get("port")
    lc.delete_and_check_gone(t, inst, api, aid, port, "delete")
    t.ok(not os.path.exists(d), "snapshots/ went with the app")
    db = sqlite3.connect(os.path.join(inst.state_dir, "appforge.db"))
    try:
        left = db.execute("SELECT count(*) FROM snapshots WHERE app_id = ?", (aid,)).fetchone()[0]
    finally:
        db.close()
    t.eq(left, 0, "and its snapshot rows")
    try:
        with open(inst.logs["supervisor"], errors="replace") as f:
            log = f.read()
    except (OSError, KeyError) as ex:
        log = "unreadable: %s" % ex
    bad = [line for line in log.splitlines() if "Sanitizer" in line or "runtime error:" in line
           or "failed" in line and "snapshot" in line]
    t.ok(not bad, "the supervisor's log: no sanitizer report, no failed snapshot", "\n".join(bad[:20]))


def over_budget(t, inst, api):
    """An app whose data alone takes more than snapshots_app_mb gets no snapshot."""
    aid = lc.create(t, api, {"files": files(1), "name": "big"}).get("id")
    lc.run(t, api, aid, "big: run")
    r = origin_get(inst, aid, "/fill?mib=6")
    t.ok(r.status == 200 and r.body == b"filled", "big: the app writes 6 MiB to /data", r)
    stop(t, api, aid, "big: stop")
    save(t, api, aid, 2, False, "big: saved while stopped, over the 4 MiB budget")
    t.eq(snap_files(inst, aid), [], "big: nothing was copied")
    r = api.delete("/api/apps/%s" % aid)
    t.eq(r.status, 204, "big: delete")


def all_main(t, inst):
    main(t, inst)
    over_budget(t, inst, inst.client(inst.login("alice")))


sys.exit(lc.run_file(all_main, "lc-snapshots", 32500, conf={"snapshots_app_mb": 4}))

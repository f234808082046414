#!/usr/bin/env python3
"""test_codetree.py: the code tree a run is started from (ports 30600-30699).

A start writes the app's files from the database to apps_dir/<id>/code only when the
tree's stamp (code.sum, the SHA-256 of the files it was written from and of the boot
id, fcgi/appdisk.h) does not match them. Checked through nginx and real sandboxes: a new app's tree and
stamp are written when it is made, and its first run serves them without writing them
again; a rerun of unchanged code keeps the very same tree; a save while stopped, and a
restore, are served by the next run (the tree rewritten, the stamp its new sum); a save
while running restarts the app on the new code; a stamp that matches nothing, a stamp
without a tree, and a tree without a stamp are each written anew and served; a delete
leaves no tree and no stamp behind."""
import hashlib
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402


def app_src(word):
    return ("require('http').createServer((q, s) => s.end(%r)).listen(process.env.PORT);\n"
            % word)


def files_of(word):
    return {"server.js": app_src(word), "public/index.html": "<p>%s</p>\n" % word}


def expected_sum(files):
    """The stamp as appdisk.c computes it (its tag, the kernel's boot id, then each path
    in byte order with its content, every part behind its 64-bit little-endian length): a
    second implementation, so that a change of the format shows here."""
    h = hashlib.sha256()

    def part(b):
        h.update(struct.pack("<Q", len(b)))
        h.update(b)
    part(b"appforge code tree 1")
    with open("/proc/sys/kernel/random/boot_id", "rb") as f:
        part(f.read().strip())
    for p in sorted(k.encode() for k in files):
        part(p)
        part(files[p.decode()].encode())
    return h.hexdigest()


def tree_state(inst, aid):
    """(inode of the code directory or None, the stamp's text or None)."""
    d = lc.app_dir(inst, aid)
    try:
        ino = os.stat(os.path.join(d, "code")).st_ino
    except FileNotFoundError:
        ino = None
    try:
        with open(os.path.join(d, "code.sum")) as f:
            stamp = f.read()
    except FileNotFoundError:
        stamp = None
    return ino, stamp


def serves(t, inst, api, aid, word, label):
    """Runs the app, checks its origin answers word, stops it."""
    r = api.post("/api/apps/%s/run" % aid)
    t.ok(r.status == 200 and (r.json() or {}).get("run", {}).get("state") == "running",
         "%s: run answers 200 running" % label, r)
    origin = inst.app_client(api, aid)
    r = origin.get("/")
    origin.close()
    t.ok(r.status == 200 and r.body == word.encode(), "%s: the origin serves %r" % (label, word), r)
    t.eq(api.post("/api/apps/%s/stop" % aid).status, 200, "%s: stop" % label)


def main(t, inst):
    api = inst.client(inst.login("alice"))

    f1 = files_of("one")
    aid = lc.create(t, api, {"files": f1, "name": "tree"}).get("id")
    code = os.path.join(lc.app_dir(inst, aid), "code")
    ino0, stamp0 = tree_state(inst, aid)
    t.ok(ino0 is not None and stamp0 == expected_sum(f1),
         "a new app's tree and stamp are written when it is made", (ino0, stamp0, expected_sum(f1)))
    with open(os.path.join(code, "server.js")) as f:
        t.eq(f.read(), f1["server.js"], "the tree holds the app's files")
    serves(t, inst, api, aid, "one", "first run")
    t.eq(tree_state(inst, aid), (ino0, stamp0), "the first run used the tree made with the app")
    serves(t, inst, api, aid, "one", "rerun")
    t.eq(tree_state(inst, aid), (ino0, stamp0), "a rerun of unchanged code keeps the same tree")

    # a save while stopped: the next run writes the new tree and serves it
    f2 = files_of("two")
    r = api.put("/api/apps/%s/files" % aid, {"files": f2})
    t.ok(r.status == 200, "save new files while stopped", r)
    serves(t, inst, api, aid, "two", "run after a save")
    ino2, stamp2 = tree_state(inst, aid)
    t.ok(ino2 != ino0 and stamp2 == expected_sum(f2), "the tree was rewritten, its stamp the new sum",
         (ino0, ino2, stamp2))

    # a save while running: restarted on the new code
    r = api.post("/api/apps/%s/run" % aid)
    t.ok(r.status == 200, "run again", r)
    f3 = files_of("three")
    t.eq(api.put("/api/apps/%s/files" % aid, {"files": f3}).status, 200, "save while running")
    origin = inst.app_client(api, aid)
    t.ok(lc.wait_until(lambda: origin.get("/").body == b"three", 30),
         "the running app restarts on the new code")
    origin.close()
    t.eq(tree_state(inst, aid)[1], expected_sum(f3), "the stamp follows the restart's tree")
    t.eq(api.post("/api/apps/%s/stop" % aid).status, 200, "stop")

    # a restore of revision 1 is served by the next run
    revs = (api.get("/api/apps/%s/revisions" % aid).json() or {}).get("revisions") or []
    first = min((rv.get("n") for rv in revs if isinstance(rv.get("n"), int)), default=None)
    r = api.post("/api/apps/%s/revisions/%s/restore" % (aid, first), {})
    t.ok(first is not None and r.status in (200, 201), "restore revision %s" % first, r)
    serves(t, inst, api, aid, "one", "run after a restore")
    t.eq(tree_state(inst, aid)[1], stamp0, "the restored tree carries revision 1's sum")

    # stamps and trees that do not agree are written anew
    stamp_path = os.path.join(lc.app_dir(inst, aid), "code.sum")
    with open(stamp_path, "w") as f:
        f.write("0" * 64)
    with open(os.path.join(code, "server.js"), "w") as f:
        f.write(app_src("stale"))
    serves(t, inst, api, aid, "one", "a stamp that matches nothing")
    t.eq(tree_state(inst, aid)[1], stamp0, "the stamp is the files' sum again")

    shutil.rmtree(code)
    serves(t, inst, api, aid, "one", "a stamp without its tree")
    os.unlink(stamp_path)
    with open(os.path.join(code, "server.js"), "w") as f:
        f.write(app_src("stale"))
    serves(t, inst, api, aid, "one", "a tree without a stamp")
    t.eq(tree_state(inst, aid)[1], stamp0, "the stamp is back")

    # delete: nothing left
    t.eq(api.delete("/api/apps/%s" % aid).status, 204, "delete the app")
    t.ok(lc.wait_until(lambda: not os.path.exists(lc.app_dir(inst, aid)), 15),
         "no tree and no stamp left behind", os.listdir(os.path.dirname(lc.app_dir(inst, aid))))


sys.exit(lc.run_file(main, "lc-codetree", 30600))

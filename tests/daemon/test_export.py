"""test_export.py: GET /api/apps/{id}/export and POST /api/apps with the archive
(Content-Type application/gzip), through appforged's FastCGI socket: the round trip, and
hostile archives (links, devices, '..', absolute paths, too many or too large files, a
gzip bomb, trailing bytes, a manifest that lies) answered 400 with nothing stored."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dharness import app_files, sqlite_query, run_daemon  # noqa: E402

GZ = {"Content-Type": "application/gzip"}


def is_error(r, status, code=None):
    try:
        e = r.json()["error"]
    except Exception:
        return False
    return r.status == status and isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def make_tgz(entries, manifest=None, fmt=tarfile.USTAR_FORMAT):
    """entries: (name, bytes) for files, or (name, TarInfo-type, extra) for others."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tf:
        if manifest is not None:
            data = json.dumps(manifest).encode()
            ti = tarfile.TarInfo("appforge.json")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        for e in entries:
            ti = tarfile.TarInfo(e[0])
            if len(e) == 2:
                ti.size = len(e[1])
                tf.addfile(ti, io.BytesIO(e[1]))
            else:
                ti.type = e[1]
                if e[1] in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                    ti.linkname = e[2]
                tf.addfile(ti)
    return gzip.compress(raw.getvalue())


def manifest_for(files, name="imported"):
    return {"format": "appforge-export", "version": 1, "name": name, "prompt": "",
            "files": [{"path": p, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()}
                      for p, c in files]}


def main():
    return run_daemon(run, workers=2, extra_conf="quota_apps = 30\n")


def count_apps(d):
    return sqlite_query(d.db_path, "SELECT count(*) FROM apps")[0][0]


def run(t, d):
    alice, bob = d.login("alice"), d.login("bob")
    files = app_files({"public/index.html": "<h1>caf\u00e9</h1>\n", "lib/util.js": "module.exports = 1;\n"})
    r = d.req("POST", "/api/apps", {"files": files, "name": "Shop \u00e9"}, token=alice)
    t.eq(r.status, 201, "create an app")
    app = r.json()["id"]
    d.req("PUT", "/api/apps/%s/env" % app, json.dumps({"vars": {"SECRET_X": "zz-top-secret-zz"}}).encode(),
          token=alice, headers={"Content-Type": "application/json"})

    r = d.req("GET", "/api/apps/%s/export" % app, token=alice)
    t.ok(r.status == 200 and r.header("content-type", "") == "application/gzip", "export: 200 application/gzip", r)
    t.ok(r.header("content-disposition", "") == 'attachment; filename="appforge-%s.tar.gz"' % app,
         "Content-Disposition: attachment with a file name")
    archive = r.body
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tf:
        names = tf.getnames()
        t.ok(names[0] == "appforge.json" and sorted(names[1:]) == sorted(files), "the tar: manifest then files", names)
        t.ok(all(m.isreg() and m.mode == 0o644 for m in tf.getmembers()), "regular files of mode 0644")
        man = json.loads(tf.extractfile("appforge.json").read())
        got = {m.name: tf.extractfile(m).read().decode() for m in tf.getmembers() if m.name != "appforge.json"}
    t.ok(got == files, "the files are the app's, byte for byte")
    t.ok(man.get("format") == "appforge-export" and man.get("name") == "Shop \u00e9" and "created_at" in man
         and "prompt" in man, "manifest: format, name, prompt, created_at", man)
    t.ok(sorted(f["path"] for f in man["files"]) == sorted(files) and
         all(f["sha256"] == hashlib.sha256(files[f["path"]].encode()).hexdigest() and
             f["size"] == len(files[f["path"]].encode()) for f in man["files"]), "manifest: path, size, sha256 each")
    t.ok(b"zz-top-secret-zz" not in gzip.decompress(archive) and b"SECRET_X" not in gzip.decompress(archive),
         "no environment variable in the archive")

    r = d.req("GET", "/api/apps/%s/export" % app, token=bob)
    t.ok(is_error(r, 404, "not_found"), "bob exports alice's app: 404")
    r = d.req("GET", "/api/apps/aaaaaaaaaaaaaaaa/export", token=alice)
    t.ok(is_error(r, 404), "unknown app: 404")
    r = d.req("GET", "/api/apps/%s/export" % app)
    t.ok(is_error(r, 401), "no token: 401")

    # import: the round trip
    r = d.req("POST", "/api/apps", archive, token=bob, headers=GZ)
    t.ok(r.status == 201 and r.json().get("name") == "Shop \u00e9" and r.json()["id"] != app,
         "bob imports it: 201, a new app with the manifest's name", r)
    new = r.json().get("id")
    r = d.req("GET", "/api/apps/%s/files" % new, token=bob)
    t.ok(r.status == 200 and r.json()["files"] == files, "the imported app has the same files")
    r = d.req("GET", "/api/apps/%s/env" % new, token=bob)
    t.ok(r.status == 200 and r.json()["vars"] == [], "and no environment variable")
    r = d.req("POST", "/api/apps", archive, token=bob, headers={"Content-Type": "application/gzip; charset=binary"})
    t.eq(r.status, 201, "Content-Type application/gzip with a parameter: 201")

    # an archive made by hand, without a manifest (./ names, directories)
    fl = [("./server.js", app_files()["server.js"].encode()), ("public/a.txt", b"hi\n")]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tf:
        ti = tarfile.TarInfo("./public")
        ti.type = tarfile.DIRTYPE
        tf.addfile(ti)
        for n, c in fl:
            ti = tarfile.TarInfo(n)
            ti.size = len(c)
            tf.addfile(ti, io.BytesIO(c))
    r = d.req("POST", "/api/apps", gzip.compress(raw.getvalue()), token=alice, headers=GZ)
    t.ok(r.status == 201 and r.json().get("name") == "Imported app", "a GNU tar without a manifest: 201 'Imported app'", r)

    # hostile and malformed archives: 400, nothing stored
    srv = ("server.js", app_files()["server.js"].encode())
    bomb_raw = io.BytesIO()
    with tarfile.open(fileobj=bomb_raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for i in range(40):
            ti = tarfile.TarInfo("f%d.js" % i)
            ti.size = 200 * 1024
            tf.addfile(ti, io.BytesIO(b"a" * ti.size))
    bomb_raw = bomb_raw.getvalue()
    big_zero = gzip.compress(b"\0" * (50 * 1024 * 1024))
    good = make_tgz([srv], manifest_for([srv]))
    bad = [
        (make_tgz([srv, ("link.js", tarfile.SYMTYPE, "/etc/passwd")]), "a symlink"),
        (make_tgz([srv, ("hard.js", tarfile.LNKTYPE, "server.js")]), "a hard link"),
        (make_tgz([srv, ("dev", tarfile.CHRTYPE, None)]), "a character device"),
        (make_tgz([srv, ("fifo", tarfile.FIFOTYPE, None)]), "a fifo"),
        (make_tgz([srv, ("../evil.js", b"x")]), "a '..' path"),
        (make_tgz([srv, ("/etc/evil.js", b"x")]), "an absolute path"),
        (make_tgz([srv, ("a/../../evil.js", b"x")]), "a '..' inside a path"),
        (make_tgz([srv, ("bad name.js", b"x")]), "a space in a name"),
        (make_tgz([("index.js", b"x")]), "no server.js"),
        (make_tgz([srv, ("bin.js", b"\xff\xfe\0")]), "binary content"),
        (make_tgz([srv] + [("f%d.js" % i, b"1") for i in range(64)]), "65 files"),
        (make_tgz([srv, ("big.js", b"a" * (256 * 1024 + 1))]), "a file of 256 KiB + 1"),
        (make_tgz([srv, ("server.js", b"dup")]), "a name twice"),
        (gzip.compress(bomb_raw), "8 MB decompressed (over the cap)"),
        (big_zero, "a gzip bomb of 50 MB of zeros"),
        (good + b"garbage", "bytes after the gzip stream"),
        (good[:len(good) // 2], "a truncated gzip"),
        (b"PK\x03\x04 not gzip at all", "not gzip"),
        (b"", "an empty body"),
        (gzip.compress(b"x" * 1000), "gzip of no tar"),
        (gzip.compress(gzip.decompress(good)[:1024]), "a tar cut short"),
        (make_tgz([srv], {"format": "appforge-export", "name": "x", "files": []}), "a manifest missing a file"),
        (make_tgz([srv], dict(manifest_for([("server.js", b"other")]))), "a manifest with a wrong sha256"),
        (make_tgz([srv], {"format": "zip", "name": "x", "files": []}), "a manifest of another format"),
        (make_tgz([srv], dict(manifest_for([srv]), name="a\u0007b")), "a manifest name with a control character"),
        (make_tgz([srv], dict(manifest_for([srv]), name="n" * 101)), "a manifest name of 101 characters"),
        (make_tgz([srv, ("x" * 90 + "\u00e9.js", b"1")], fmt=tarfile.PAX_FORMAT), "a pax header"),
    ]
    before = count_apps(d)
    for body, what in bad:
        r = d.req("POST", "/api/apps", body, token=alice, headers=GZ)
        t.ok(is_error(r, 400, "invalid_request"), "import %s: 400 invalid_request (got %d)" % (what, r.status), r.body[:300])
    t.eq(count_apps(d), before, "no app stored by any of them")
    r = d.req("POST", "/api/apps", good, token=alice, headers={"Content-Type": "application/x-tar"})
    t.ok(is_error(r, 415), "another Content-Type: 415")
    r = d.req("POST", "/api/apps", good, token=alice, headers=GZ)
    t.eq(r.status, 201, "the good archive of that list imports")
    r = d.req("POST", "/api/apps", good)
    t.ok(is_error(r, 401), "import without a token: 401")


if __name__ == "__main__":
    sys.exit(main())

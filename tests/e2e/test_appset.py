#!/usr/bin/env python3
"""test_appset.py: an app's settings through nginx (ports 19100-19199): environment
variables (PUT/GET .../env, bad names 400, values never answered), export (a gzip
attachment) and import (POST /api/apps with application/gzip: nginx passes the binary
body and its Content-Type; a malformed archive is 400, an oversized body 413)."""
import gzip
import io
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n"
MAX_BODY = 256 * 1024


def main(t, inst):
    api = inst.client(inst.login("alice"))
    r = api.post("/api/apps", {"files": {"server.js": SERVER}, "name": "settings"})
    t.ok(r.status == 201, "create", r)
    app = (r.json() or {}).get("id")

    r = api.put("/api/apps/%s/env" % app, {"vars": {"TOKEN": "value-not-shown-1234"}})
    t.ok(r.status == 200 and b"value-not-shown" not in r.body and
         [v["name"] for v in r.json()["vars"]] == ["TOKEN"], "PUT env: 200, names only", r)
    r = api.get("/api/apps/%s/env" % app)
    t.ok(r.status == 200 and b"value-not-shown" not in r.body, "GET env: no value", r)
    for name in ("A=B", "NODE_OPTIONS", "X" * 65):
        r = api.put("/api/apps/%s/env" % app, {"vars": {name: "1"}})
        t.ok(r.status == 400 and r.error_code() == "invalid_request", "env name %r: 400" % name[:20], r)
    r = api.request("PUT", "/api/apps/%s/env" % app, body=b'{"vars":{"A\\u0000":"1"}}')
    t.ok(r.status == 400, "env name with NUL: 400", r)

    r = api.get("/api/apps/%s/export" % app)
    t.ok(r.status == 200 and r.header("content-type") == "application/gzip" and
         "attachment" in (r.header("content-disposition") or ""), "export: 200 gzip attachment", r)
    archive = r.body
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tf:
        t.eq(sorted(tf.getnames()), ["appforge.json", "server.js"], "the archive: manifest and server.js")

    r = api.request("POST", "/api/apps", body=archive, headers={"Content-Type": "application/gzip"})
    t.ok(r.status == 201 and (r.json() or {}).get("name") == "settings", "import through nginx: 201", r)
    r = api.request("POST", "/api/apps", body=b"\x1f\x8bnot really", headers={"Content-Type": "application/gzip"})
    t.ok(r.status == 400 and r.error_code() == "invalid_request", "a malformed archive: 400", r)
    big = os.urandom(MAX_BODY + 1024)
    r = api.request("POST", "/api/apps", body=gzip.compress(big), headers={"Content-Type": "application/gzip"})
    t.ok(r.status == 413, "a body over max_body_bytes: 413", r)


if __name__ == "__main__":
    sys.exit(harness.run(main, "appset", 19100, conf={"max_body_bytes": MAX_BODY}))

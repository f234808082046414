#!/usr/bin/env python3
"""test_edge.py: what nginx does in front of the API: TLS and HTTP/2, the HTTP redirect,
security headers, CORS, body size limit, JSON errors, request ids, unknown hosts
(ports 18300-18399)."""
import http.client
import os
import socket
import ssl
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MAX_BODY = 65536
ALLOWED = "https://allowed.example"


def main(t, inst):
    c = inst.client()
    seen = []          # every response, for the X-Request-Id check at the end

    def req(*a, **kw):
        r = c.request(*a, **kw)
        seen.append(("%s %s" % (a[0], a[1]), r))
        return r

    # TLS: HTTP/2 offered by ALPN, only TLS 1.2 and newer.
    ctx = ssl.create_default_context(cafile=inst.cert_path())
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((inst.listen_address, inst.https_port), 10) as raw:
        with ctx.wrap_socket(raw, server_hostname=inst.public_host) as s:
            t.eq(s.selected_alpn_protocol(), "h2", "HTTP/2 is negotiated")
            t.ok(s.version() in ("TLSv1.2", "TLSv1.3"), "TLS 1.2 or newer: %s" % s.version())
            t.ok(s.getpeercert() is not None, "the certificate verifies for %s" % inst.public_host)

    # Plain HTTP redirects.
    h = http.client.HTTPConnection(inst.listen_address, inst.http_port, timeout=10)
    h.request("GET", "/api/health?x=1", headers={"Host": "localhost:%d" % inst.http_port})
    r = h.getresponse()
    r.read()
    t.ok(r.status == 301 and r.getheader("Location") ==
         "https://localhost:%d/api/health?x=1" % inst.https_port,
         "HTTP on %d redirects to HTTPS" % inst.http_port, "%s %s" % (r.status, r.getheader("Location")))
    t.ok(r.getheader("X-Request-Id"), "the redirect has an X-Request-Id")
    h.close()

    # Security headers on the frontend and the API.
    for path in ("/", "/api/health"):
        r = req("GET", path)
        csp = r.header("content-security-policy") or ""
        t.ok("max-age=" in (r.header("strict-transport-security") or ""), "%s: HSTS" % path, repr(r.headers))
        t.eq(r.header("x-content-type-options"), "nosniff", "%s: nosniff" % path)
        t.eq(r.header("referrer-policy"), "no-referrer", "%s: Referrer-Policy" % path)
        t.eq(r.header("x-frame-options"), "DENY", "%s: X-Frame-Options" % path)
        t.ok("frame-ancestors 'none'" in csp and "default-src 'self'" in csp and
             "unsafe-inline" not in csp and
             "frame-src https://*.%s:%d" % (inst.apps_domain, inst.https_port) in csp,
             "%s: strict CSP framing only app origins" % path, csp)
        t.eq(r.header("server"), "nginx", "%s: no version in Server" % path)
        names = [k.lower() for k, _ in r.headers]
        twice = sorted(set(n for n in names if names.count(n) > 1 and n != "vary"))
        t.ok(not twice, "%s: each header once (nginx owns the security headers)" % path, twice)
    r = req("GET", "/api/health")
    t.ok(r.header("content-length") == str(len(r.body)) and not r.header("transfer-encoding"),
         "an API answer carries its Content-Length through nginx, not chunks",
         repr(r.headers))
    has_index = os.path.exists(os.path.join(harness.SRCDIR, "web", "index.html"))
    r = req("GET", "/")
    if has_index:
        t.ok(r.status == 200 and (r.header("content-type") or "").startswith("text/html"),
             "the frontend's index.html is served", repr(r))
        r2 = req("GET", "/some/client/route")
        t.eq(r2.body, r.body, "unknown frontend paths get index.html")
    else:
        t.eq(r.status, 404, "no frontend built: / is 404")
    r = req("GET", "/.git/config")
    t.eq(r.status, 404, "hidden files are never served")
    r = req("GET", "/internal/resolve?app=aaaaaaaaaaaaaaaa")
    t.eq(r.status, 404, "the backend's internal routes are not reachable")

    # CORS.
    r = req("GET", "/api/health", headers={"Origin": ALLOWED})
    t.eq(r.header("access-control-allow-origin"), ALLOWED, "an allowed origin is echoed")
    t.eq(r.header("access-control-allow-credentials"), "true", "with credentials")
    t.ok("Origin" in ",".join(r.header_all("vary")), "Vary: Origin", repr(r.headers))
    r = req("OPTIONS", "/api/apps", headers={"Origin": ALLOWED,
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "authorization,content-type"})
    methods = r.header("access-control-allow-methods") or ""
    allowed_headers = (r.header("access-control-allow-headers") or "").lower()
    t.ok(r.status == 204 and "POST" in methods and "DELETE" in methods and
         "authorization" in allowed_headers and "content-type" in allowed_headers and
         r.header("access-control-allow-origin") == ALLOWED, "preflight from an allowed origin: 204", repr(r.headers))
    for origin in ("https://evil.example", "null", ALLOWED + ".evil.example", "http://allowed.example"):
        r = req("GET", "/api/health", headers={"Origin": origin})
        p = req("OPTIONS", "/api/apps", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        cors = [k for k, _ in r.headers + p.headers if k.startswith("access-control-")]
        t.ok(r.status == 200 and not cors, "origin %s gets no CORS header" % origin, repr(cors))

    # Size limit, from nginx, in JSON.
    tok = inst.login("alice")
    r = req("POST", "/api/apps", body=b"{" + b" " * (MAX_BODY + 10) + b"}", token=tok)
    t.ok(r.status == 413 and r.error_code() == "payload_too_large" and
         (r.header("content-type") or "").startswith("application/json"),
         "a body over max_body_bytes: 413 JSON from nginx", repr(r))
    c.close()
    r = req("POST", "/api/apps", body={"files": {"server.js": "x" * (MAX_BODY - 100)}}, token=tok)
    t.ok(r.status != 413, "a body just under the limit passes nginx", repr(r))

    # JSON errors from the backend.
    r = req("GET", "/api/definitely/not/here")
    t.ok(r.status == 404 and r.error_code() == "not_found" and
         (r.header("content-type") or "").startswith("application/json"), "unknown route: 404 JSON", repr(r))
    r = req("POST", "/api/auth/login", body=b"{not json")
    t.ok(r.status == 400 and r.error_code(), "malformed JSON: 400 JSON", repr(r))
    r = req("POST", "/api/auth/login", body=b'{"username":"a","password":"b"}\x00garbage')
    t.ok(r.status == 400 and r.error_code(), "JSON with trailing bytes after a NUL: 400", repr(r))
    r = req("GET", "/api/me", token="x")
    t.ok(b"sqlite" not in r.body.lower() and b"select" not in r.body.lower(), "errors leak no SQL", repr(r))

    # Hosts nginx does not serve.
    r = req("GET", "/api/health", headers={"Host": "unknown.example"})
    t.ok(r.status == 421 and r.error_code() == "misdirected_request", "an unknown host name: 421", repr(r))
    for bad in ("a-aaaaaaaaaaaaaa", "1aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaa", "aaaa.aaaaaaaaaaaa"):
        r = req("GET", "/", headers={"Host": "%s.%s:%d" % (bad, inst.apps_domain, inst.https_port)})
        t.ok(r.status == 421, "app host %s (not an app id) is not proxied: 421" % bad, repr(r))

    # Every response had a request id, unique per request.
    missing = [what for what, r in seen if not r.header("x-request-id")]
    t.ok(not missing, "every response carries X-Request-Id (%d responses)" % len(seen), repr(missing))
    ids = [r.header("x-request-id") for _, r in seen]
    t.eq(len(set(ids)), len(ids), "request ids are unique")
    t.ok(all(len(r.header_all("x-request-id")) == 1 for _, r in seen), "exactly one X-Request-Id each")
    c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "edge", 18300, conf={"max_body_bytes": MAX_BODY}))

#!/usr/bin/env python3
"""test_cookies.py: no app can plant a cookie for another app or the frontend, in a real
browser (issue 10: app A's `Set-Cookie: x=1; Domain\\t=apps.localhost` and
`document.cookie='x=1; domain=apps.localhost'` reached app B of another user).

Runs the real stack (tests/e2e/harness.py, ports 32600-32699): alice's app A answers its
page with Set-Cookie headers for the whole apps domain, for app B's host and for the
platform's own cookie names, in every spelling (tab before '=', case, leading dot,
quotes), and its script sets the same through document.cookie; bob's app B answers the
Cookie header it gets. cookie_browser.js drives Debian's headless Chromium
(playwright-core, installed from tests/web/package-lock.json into the build dir) through
A, then B, then the frontend. B must get no cookie, and every cookie in the browser must
belong to A's own host. Skips, saying why, without Chromium, node, npm or sandboxes."""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402
import hostcheck  # noqa: E402

CHROMIUM = os.environ.get("AF_CHROMIUM", "/usr/bin/chromium")
NODE = os.environ.get("AF_NODE") or shutil.which("node") or "/usr/bin/node"

# App A: plants cookies every way it can. Its page names B's host in the query (?b=).
HOSTILE = r"""
const http = require('http');
const D = '@DOMAIN@';
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const b = (url.searchParams.get('b') || '').replace(/[^a-z0-9.]/g, '');
  if (url.pathname === '/') {
    res.setHeader('Set-Cookie', [
      'hdr_tab=1; Domain\t=' + D + '; Path=/',
      'hdr_case=1;  dOmAiN = .' + D + ' ; Path=/',
      'hdr_quote=1; Domain="' + D + '"; Path=/',
      'hdr_sibling=1; Domain=' + b + '; Path=/',
      'af_session=planted; Path=/',
      '__Host-af_refresh=planted; Path=/; Secure',
    ]);
    res.setHeader('Content-Type', 'text/html');
    res.end('<!doctype html><title>A</title><script src="/plant.js?b=' + b + '"></script>');
  } else if (url.pathname === '/plant.js') {
    res.setHeader('Content-Type', 'text/javascript');
    res.end([
      "document.cookie = 'js_plain=1; domain=" + D + "; path=/';",
      "document.cookie = 'js_dot=1; domain=." + D + "; path=/';",
      "document.cookie = 'js_sibling=1; domain=" + b + "; path=/';",
      "document.cookie = 'af_js=planted; domain=" + D + "; path=/';",
      "document.cookie = 'js_own=1; path=/';",
      'window.planted = true;',
    ].join('\n'));
  } else {
    res.end('');
  }
}).listen(process.env.PORT);
"""

# App B: tells what cookies it got.
SHOW = r"""
const http = require('http');
http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('COOKIE[' + (req.headers.cookie || '') + ']');
}).listen(process.env.PORT);
"""


def playwright_path():
    """The build dir's own copy of playwright-core (npm ci from package-lock.json), or
    None with the reason."""
    build = os.environ.get("AF_BUILDDIR", ".")
    mods = os.path.join(build, "tests", "web", "cookies")
    lock = os.path.join(HERE, "package-lock.json")
    have = os.path.join(mods, "package-lock.json")
    installed = os.path.exists(os.path.join(mods, "node_modules", "playwright-core", "package.json"))
    same = os.path.exists(have) and open(have, "rb").read() == open(lock, "rb").read()
    if not (installed and same):
        if not shutil.which("npm"):
            return None, "npm not found (scripts/install-deps installs it with AF_WITH_BROWSER=1)"
        os.makedirs(mods, exist_ok=True)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(HERE, f), mods)
        shutil.rmtree(os.path.join(mods, "node_modules"), ignore_errors=True)
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=mods,
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            os.unlink(os.path.join(mods, "package-lock.json"))
            return None, "npm ci of playwright-core failed (no npm registry?): %s" % p.stderr[-300:]
    return os.path.join(mods, "node_modules"), None


def main(t, inst):
    alice = inst.client(inst.login("alice"))
    bob = inst.client(inst.login("bob"))
    apps = {}
    for who, api, src in (("alice", alice, HOSTILE.replace("@DOMAIN@", inst.apps_domain)), ("bob", bob, SHOW)):
        r = api.post("/api/apps", {"files": {"server.js": src}, "name": "cookies " + who})
        aid = (r.json() or {}).get("id")
        t.ok(r.status == 201 and aid, "%s's app created" % who, r)
        # Public, as apps strangers visit are: what one app's cookies can do to another's
        # visitors is the question here (private origins: tests/lifecycle/test_private.py).
        r = api.request("PATCH", "/api/apps/%s" % aid, body={"visibility": "public"})
        t.ok(r.status == 200 and (r.json() or {}).get("visibility") == "public",
             "%s's app made public" % who, r)
        r = api.post("/api/apps/%s/run" % aid)
        t.ok(r.status == 200 and ((r.json() or {}).get("run") or {}).get("state") == "running",
             "%s's app runs" % who, r)
        apps[who] = aid
    a_host, b_host = inst.app_host(apps["alice"]), inst.app_host(apps["bob"])
    port = inst.https_port
    mods, why = playwright_path()
    if mods is None:
        t.skip(why, "the browser check")
        return
    p = subprocess.run([NODE, os.path.join(HERE, "cookie_browser.js"),
                        "https://%s:%d/?b=%s" % (a_host, port, b_host),
                        "https://%s:%d/show" % (b_host, port),
                        "https://%s:%d/" % (inst.public_host, port)],
                       env=dict(os.environ, NODE_PATH=mods, AF_CHROMIUM=CHROMIUM),
                       capture_output=True, text=True, timeout=300)
    try:
        res = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res = {"error": "no JSON from cookie_browser.js: %s %s" % (p.stdout[-500:], p.stderr[-500:])}
    if "skip" in res:
        t.skip(res["skip"], "the browser check")
        return
    if not t.ok("error" not in res, "Chromium visited app A, app B and the frontend", res.get("error")):
        return
    own = res.get("a_document_cookie", "")
    t.ok("js_own=1" in own and "hdr_tab=1" in own,
         "app A's own cookies work (host-only, the Domain attribute removed)", own)
    t.eq(res.get("b_cookie"), "COOKIE[]", "bob's app B receives none of the cookies app A planted")
    jar = res.get("jar", [])
    t.ok(jar and all(c["domain"] == a_host for c in jar),
         "every cookie in the browser belongs to app A's own host (%d)" % len(jar), json.dumps(jar))
    t.ok(not [c for c in jar if c["name"].lower().lstrip("_").replace("host-", "").startswith("af_")],
         "no platform cookie name (af_*, __Host-af_*) set by an app", json.dumps(jar))


if __name__ == "__main__":
    if not os.path.exists(CHROMIUM):
        print("1..0 # SKIP no Chromium at %s (scripts/install-deps installs it with AF_WITH_BROWSER=1)" % CHROMIUM)
        sys.exit(0)
    why = hostcheck.sandbox_unavailable()
    if why:
        print("1..0 # SKIP %s" % why)
        sys.exit(0)
    sys.exit(harness.run(main, "cookies", 32600))

#!/usr/bin/env python3
"""test_ratelimit.py: nginx's limit_req zones answer 429 JSON with Retry-After
(ports 18400-18499)."""
import os
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILES = {"server.js": "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"}
RATE_IP, RATE_TOKEN, RATE_GEN = 20, 2, 2
MAX_BURST = 3000     # requests sent at most while waiting for the first 429


def burst_until_429(inst, threads=1, **kw):
    """GET /api/me as fast as `threads` keep-alive clients can until one gets a 429 (no
    fixed count: a slow machine sends more before the bucket runs dry)."""
    got, stop, lock = [], threading.Event(), threading.Lock()

    def run():
        c = inst.client()
        try:
            while not stop.is_set():
                r = c.get("/api/me", **kw)
                with lock:
                    got.append(r)
                    if r.status == 429 or len(got) >= MAX_BURST:
                        stop.set()
        finally:
            c.close()

    ths = [threading.Thread(target=run) for _ in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    return got


def check_429(t, r, desc, min_retry=1):
    retry = r.header("retry-after") or ""
    t.ok(r.status == 429 and r.error_code() == "rate_limited" and
         (r.header("content-type") or "").startswith("application/json") and
         retry.isdigit() and int(retry) >= min_retry and r.header("x-request-id"),
         desc + ": 429 rate_limited JSON with Retry-After >= %d" % min_retry, repr((r, r.headers)))


def main(t, inst):
    alice_tok = inst.login("alice")
    bob_tok = inst.login("bob")
    c = inst.client()

    # Per token: alice's token runs out long before the address does.
    rs = burst_until_429(inst, token=alice_tok)
    limited = [r for r in rs if r.status == 429]
    t.ok(rs[0].status == 200 and limited, "a burst with one token gets a 429 after %d requests" %
         len(rs), repr([r.status for r in rs][:40]))
    if limited:
        check_429(t, limited[0], "per-token limit")
    t.ok(all(r.status in (200, 429) for r in rs), "nothing but 200 and 429 in the burst",
         repr([r.status for r in rs][:40]))
    r = c.get("/api/me", token=bob_tok)
    t.eq(r.status, 200, "another token from the same address is not limited")

    # Generation: POST /api/apps has its own, stricter zone; other methods are not in it.
    rs = [c.post("/api/apps", {"files": FILES}, token=bob_tok) for _ in range(4)]
    t.ok(rs[0].status == 201, "the first POST /api/apps is accepted", repr(rs[0]))
    limited = [r for r in rs if r.status == 429]
    t.ok(limited, "several POST /api/apps at once: 429 (%s)" % [r.status for r in rs])
    if limited:
        check_429(t, limited[0], "generation limit", min_retry=60 // RATE_GEN)
    r = c.get("/api/apps", token=inst.login("admin"))
    t.eq(r.status, 200, "GET /api/apps is not in the generation zone")

    # Per address: a burst without a token, from several connections.
    rs = burst_until_429(inst, threads=4)
    limited = [r for r in rs if r.status == 429]
    t.ok(limited and rs[0].status == 401, "an anonymous burst from one address gets a 429 after %d requests" %
         len(rs), repr([r.status for r in rs][:20]))
    if limited:
        check_429(t, limited[0], "per-address limit")
    r = c.request("OPTIONS", "/api/apps", headers={"Origin": "https://allowed.example",
                                                   "Access-Control-Request-Method": "POST"})
    t.eq(r.status, 204, "preflight requests are not rate limited")
    c.close()


if __name__ == "__main__":
    sys.exit(harness.run(main, "ratelimit", 18400,
                         conf={"rate_ip_per_sec": RATE_IP, "rate_token_per_sec": RATE_TOKEN,
                               "rate_generate_per_min": RATE_GEN}))

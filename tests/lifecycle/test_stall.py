#!/usr/bin/env python3
"""test_stall.py: a crowd of anonymous wrong-password clients does not stall anyone
(ports 31700-31799).

While 24 anonymous clients send wrong passwords without pause (each one an argon2id
hash if it got a login slot, else a 429 at once), a running app's origin answers 200
with a p95 under 150 ms (its resolve has a pool of its own) and GET /api/me answers
with a p95 under 300 ms (logins take at most half the API workers). Generous bounds:
a correctness test, not a benchmark (bench/isolation prints the figures)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402
import stall  # noqa: E402

APP = "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"
SAMPLES = 60


def main(t, inst):
    if not stall.have_wrk():
        t.skip("wrk is not installed (scripts/install-deps installs it)", "stall under wrong passwords")
        return
    alice = inst.client(inst.login("alice"))
    aid = lc.create(t, alice, {"files": {"server.js": APP}, "name": "stall"}).get("id")
    t.ok(stall.run_and_wait(alice, aid), "the app runs")
    origin = inst.client(host=inst.app_host(aid))
    t.eq(origin.get("/").status, 200, "its origin answers before the load")
    with stall.WrongPasswords(inst, clients=24) as load:
        o_times, o_status = stall.latencies(origin, "/", SAMPLES)
        m_times, m_status = stall.latencies(alice, "/api/me", SAMPLES)
    total, refused = load.summary()
    with open(inst.logs["appforged"], errors="replace") as f:
        log = f.read()
    hashed = log.count("login failed for a unknown user")
    t.ok(total >= 24 and refused == total and hashed >= 10,
         "the load reached the backend: %d wrong-password requests, all refused, %d hashed"
         % (total, hashed), load.out)
    t.ok(o_status == [200] * SAMPLES, "origin: %d/%d answers 200 under load"
         % (o_status.count(200), SAMPLES), o_status)
    t.ok(stall.p95(o_times) < 0.150, "origin p95 under load %.1f ms < 150 ms" % (1000 * stall.p95(o_times)))
    t.ok(m_status == [200] * SAMPLES, "GET /api/me: %d/%d answers 200 under load"
         % (m_status.count(200), SAMPLES), m_status)
    t.ok(stall.p95(m_times) < 0.300, "GET /api/me p95 under load %.1f ms < 300 ms" % (1000 * stall.p95(m_times)))
    origin.close()
    alice.close()


sys.exit(lc.run_file(main, "lc-stall", 31700, conf={"workers": 4}))

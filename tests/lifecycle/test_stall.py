#!/usr/bin/env python3
"""test_stall.py: no tenant stalls the others (ports 31700-31799).

While 24 anonymous clients send wrong passwords without pause (each one an argon2id
hash if it got a login slot, else a 429 at once), a running app's origin answers 200
with a p95 under 150 ms (its resolve has a pool of its own) and GET /api/me answers
with a p95 under 300 ms (logins take at most half the API workers). Generous bounds:
a correctness test, not a benchmark (bench/isolation prints the figures).

The same bounds hold while another user starts 6 apps that never listen, again and
again: a start is the supervisor's, and a request waits for one only in a bounded share
of the workers, whose idle kept connections go to the others first."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402
import stall  # noqa: E402

APP = "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n"
SAMPLES = 60
VICTIM = "127.0.0.2"
LOAD_S = 4.0


def main(t, inst):
    if not stall.have_wrk():
        t.skip("wrk is not installed (scripts/install-deps installs it)", "stall under wrong passwords")
        return
    # The measured clients come from another address than the crowd, as they would:
    # nginx's per-address limits are for the crowd alone.
    alice = inst.client(inst.login("alice"), source=VICTIM)
    aid = lc.create(t, alice, {"files": {"server.js": APP}, "name": "stall"}).get("id")
    t.ok(stall.run_and_wait(alice, aid), "the app runs")
    origin = inst.app_client(alice, aid, source=VICTIM)
    t.eq(origin.get("/").status, 200, "its origin answers before the load")
    hang6(t, inst, origin, alice)  # first: bob logs in before the crowd's failures
    o_times, o_status, m_times, m_status = [], [], [], []
    with stall.WrongPasswords(inst, clients=24) as load:
        # At least SAMPLES of each, over at least LOAD_S seconds of load, so that many
        # hashes ran meanwhile however fast the answers come.
        end = time.monotonic() + LOAD_S
        while len(o_times) < SAMPLES or time.monotonic() < end:
            ot, os_ = stall.latencies(origin, "/", 10)
            mt, ms = stall.latencies(alice, "/api/me", 10)
            o_times += ot
            o_status += os_
            m_times += mt
            m_status += ms
    total, refused = load.summary()
    with open(inst.logs["appforged"], errors="replace") as f:
        log = f.read()
    hashed = log.count("login failed for a unknown user")
    t.ok(total >= 24 and refused == total and hashed >= 5,
         "the load reached the backend: %d wrong-password requests, all refused, %d hashed"
         % (total, hashed), load.out)
    t.ok(o_status == [200] * len(o_status), "origin: %d/%d answers 200 under load"
         % (o_status.count(200), len(o_status)), o_status)
    t.ok(stall.p95(o_times) < 0.150, "origin p95 under load %.1f ms < 150 ms" % (1000 * stall.p95(o_times)))
    t.ok(m_status == [200] * len(m_status), "GET /api/me: %d/%d answers 200 under load"
         % (m_status.count(200), len(m_status)), m_status)
    t.ok(stall.p95(m_times) < 0.300, "GET /api/me p95 under load %.1f ms < 300 ms" % (1000 * stall.p95(m_times)))
    origin.close()
    alice.close()


def hang6(t, inst, origin, alice):
    o_times, o_status, m_times, m_status = [], [], [], []
    with stall.HangingStarts(inst, 6) as load:
        end = time.monotonic() + LOAD_S
        while len(o_times) < SAMPLES or time.monotonic() < end:
            ot, os_ = stall.latencies(origin, "/", 10)
            mt, ms = stall.latencies(alice, "/api/me", 10)
            o_times += ot
            o_status += os_
            m_times += mt
            m_status += ms
    t.ok(load.runs >= 6, "6 never-answering apps were being started (%d run requests)" % load.runs)
    t.ok(o_status == [200] * len(o_status), "6 hanging starts: origin %d/%d answers 200"
         % (o_status.count(200), len(o_status)), o_status)
    t.ok(stall.p95(o_times) < 0.150, "6 hanging starts: origin p95 %.1f ms < 150 ms"
         % (1000 * stall.p95(o_times)))
    t.ok(m_status == [200] * len(m_status), "6 hanging starts: GET /api/me %d/%d answers 200"
         % (m_status.count(200), len(m_status)), m_status)
    t.ok(stall.p95(m_times) < 0.300, "6 hanging starts: GET /api/me p95 %.1f ms < 300 ms"
         % (1000 * stall.p95(m_times)))


sys.exit(lc.run_file(main, "lc-stall", 31700,
                     conf={"workers": 4, "quota_running": 10, "quota_apps": 20}))

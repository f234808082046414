"""stall.py: load that must not stall the others, and latency measured under it
(shared by tests/lifecycle/test_stall.py and bench/isolation).

wrong_passwords(): `clients` anonymous clients that send wrong passwords for random
user names without pause, through nginx (wrk with a Lua script: the load costs the
machine little besides what it makes appforge do). latencies(): sequential requests
on one kept-alive connection, each timed. Standard library only (plus wrk)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
import harness  # noqa: E402

LUA = r"""
local host = "%(host)s"
local n = 0
function setup(thread)
  thread:set("seed", math.random(1, 1000000000))
end
function init(args)
  math.randomseed(seed + os.time())
end
function request()
  n = n + 1
  local body = '{"username":"nobody' .. math.random(1, 1000000000) .. '_' .. n ..
               '","password":"wrong-password-123"}'
  return wrk.format("POST", "/api/auth/login",
                    {["Host"] = host, ["Content-Type"] = "application/json"}, body)
end
"""


def have_wrk():
    return shutil.which("wrk") is not None


class WrongPasswords:
    """A context manager: wrk runs while the block runs; .summary() afterwards gives
    (requests, non-2xx answers) as wrk counted them."""

    def __init__(self, inst, clients=24, threads=1, max_seconds=300):
        self.inst, self.clients, self.threads, self.max_seconds = inst, clients, threads, max_seconds
        self.out = ""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="af-stall-")
        script = os.path.join(self.dir, "login.lua")
        with open(script, "w") as f:
            f.write(LUA % {"host": "%s:%d" % (self.inst.public_host, self.inst.https_port)})
        url = "https://%s:%d/" % (self.inst.listen_address, self.inst.https_port)
        self.proc = subprocess.Popen(
            ["wrk", "-t%d" % self.threads, "-c%d" % self.clients, "-d%ds" % self.max_seconds,
             "-s", script, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(1.0)  # every client connected and sending
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # wrk stops and prints its summary
        try:
            self.out = self.proc.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.out = self.proc.communicate()[0].decode(errors="replace")
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def summary(self):
        total = re.search(r"([0-9]+) requests in", self.out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", self.out)
        return (int(total.group(1)) if total else 0, int(non2xx.group(1)) if non2xx else 0)


def latencies(client, path, n):
    """n sequential GETs of path on one connection: ([seconds], [statuses])."""
    times, statuses = [], []
    for _ in range(n):
        t0 = time.monotonic()
        r = client.get(path)
        times.append(time.monotonic() - t0)
        statuses.append(r.status)
    return times, statuses


def p95(times):
    s = sorted(times)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))] if s else float("nan")


def run_and_wait(api, aid, timeout=60):
    """Starts an app and waits until the API says it runs (whether POST /run answers
    once it runs or at once with a start in progress). True when it runs."""
    r = api.post("/api/apps/%s/run" % aid)
    if r.status not in (200, 202):
        return False
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run = (api.get("/api/apps/%s" % aid).json() or {}).get("run") or {}
        if run.get("state") == "running":
            return True
        time.sleep(0.1)
    return False


HANG_APP = "setInterval(() => {}, 1000);\n"  # never listens: starting until the timeout


class HangingStarts:
    """A context manager: while the block runs, bob starts `n` apps that never listen
    again and again (POST /run; after a 202, GET /api/apps/{id} every second until
    the start is over, as the web UI does)."""

    def __init__(self, inst, n=6):
        self.inst, self.n = inst, n
        self.stop = threading.Event()
        self.runs = 0

    def __enter__(self):
        bob = self.inst.client(self.inst.login("bob"))
        self.apps = []
        for i in range(self.n):
            r = bob.post("/api/apps", {"files": {"server.js": HANG_APP}, "name": "hang%d" % i})
            if r.status != 201:
                raise RuntimeError("hang app not created: %r" % r)
            self.apps.append(r.json()["id"])
        bob.close()
        self.threads = [threading.Thread(target=self.starter, args=(a,), daemon=True)
                        for a in self.apps]
        for th in self.threads:
            th.start()
        self.stop.wait(1.0)  # every start under way
        return self

    def starter(self, aid):
        c = harness.Client(self.inst, token=self.inst.login("bob"), timeout=120)
        while not self.stop.is_set():
            r = c.post("/api/apps/%s/run" % aid)
            self.runs += 1
            while r.status == 202 and not self.stop.is_set():
                run = (c.get("/api/apps/%s" % aid).json() or {}).get("run") or {}
                if run.get("state") != "starting":
                    break
                self.stop.wait(1.0)
            if r.status not in (200, 202, 502, 504):
                self.stop.wait(1.0)
        c.close()

    def __exit__(self, *exc):
        self.stop.set()
        for th in self.threads:
            th.join(120)
        bob = self.inst.client(self.inst.login("bob"))
        for a in self.apps:
            bob.delete("/api/apps/%s" % a)
        bob.close()
        return False

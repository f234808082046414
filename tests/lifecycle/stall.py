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
import tempfile
import time

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

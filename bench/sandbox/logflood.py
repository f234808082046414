#!/usr/bin/env python3
"""bench/sandbox/logflood.py: what one app logging 200 MiB costs the process that reads
its log (run by hand as root; not part of `make check`).

  python3 bench/sandbox/logflood.py [--builddir DIR] [--runs 3]

Starts bench/sandbox/flood (200 MiB of 80-byte lines to stdout, 1 s after its start)
with `appforge-sandbox run` -- the CLI reads the log pipe with the same code as the
supervisor -- and prints, per run, the CPU time (user+system, of that process alone,
from /proc/PID/stat) it spent while the app flooded, the flood's wall time and the log
files' size. Port 41990 and up.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "flood")
TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])     # utime + stime, this process only


def answer(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2) as r:
            return r.read().decode()
    except Exception:
        return None


def one(tool, work, port, i):
    d = os.path.join(work, "run%d" % i)
    os.makedirs(os.path.join(d, "data"))
    code = os.path.join(d, "code")
    shutil.copytree(APP, code)
    os.chmod(d, 0o755)
    log = os.path.join(d, "log")
    p = subprocess.Popen([tool, "run", "--app-id", "flood-%d" % i, "--code", code, "--data",
                          os.path.join(d, "data"), "--port", str(port), "--log", log,
                          "--uid", str(210000 + i), "--data-mb", "8", "--tmp-mb", "8"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    ev = json.loads(p.stdout.readline())
    assert ev.get("event") == "started", ev
    def wait_for(cond):
        end = time.monotonic() + 120
        while not cond():
            if p.poll() is not None or time.monotonic() > end:
                raise SystemExit("logflood: the app ended early: %s" % p.stdout.read().decode())
            time.sleep(0.05)
    wait_for(lambda: answer(port) is not None)
    c0, t0 = cpu_ticks(p.pid), time.monotonic()
    wait_for(lambda: answer(port) == "done")
    time.sleep(0.5)                              # what was still in the pipe
    c1, t1 = cpu_ticks(p.pid), time.monotonic()
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    sizes = [os.path.getsize(x) for x in (log, log + ".1") if os.path.exists(x)]
    return (c1 - c0) / TCK, t1 - t0 - 0.5, sizes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get("AF_BUILDDIR", os.getcwd()))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    tool = os.path.join(a.builddir, "sandbox", "appforge-sandbox")
    if os.geteuid() != 0 or not os.access(tool, os.X_OK):
        sys.exit("logflood: run as root with a built %s" % tool)
    work = tempfile.mkdtemp(prefix="af-logflood-")
    os.chmod(work, 0o755)
    try:
        for i in range(a.runs):
            cpu, wall, sizes = one(tool, work, 41990 + i, i)
            print("run %d: log reader CPU %.2f s over a %.2f s flood (%.0f%% of a core), "
                  "log files %s bytes" % (i, cpu, wall, 100 * cpu / max(wall, 0.01), sizes))
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

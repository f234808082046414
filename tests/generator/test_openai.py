#!/usr/bin/env python3
"""test_openai.py: the openai provider against fake_openai.py (a free port of 30400-30449).

Runs appforge-generate --generator openai with a configuration pointing at the fake
server and checks: a good answer gives files; a '../etc' file name, non-JSON, a cut-off
answer, an oversized response and a slow endpoint are clear errors; the API key is
sent as a Bearer header and appears in no output, error or state file; servers that
refuse response_format are asked again without it; no key file means no header; and at
most openai_concurrency calls reach the server at once across processes. Prints TAP."""
import json
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap  # noqa: E402  (tests/tap.py)

SRC = os.environ.get("AF_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AF_BUILDDIR", ".")
GEN = os.path.join(BUILD, "generator", "appforge-generate")
FAKE = os.path.join(SRC, "tests", "generator", "fake_openai.py")
PORT = 0        # the fake server's, found at start (copies of the suite may run at once)
KEY = "sk-test-5ecret-KEY-0123456789abcdef"

T = Tap()
ok = T.ok


def write_conf(tmp, name, port=None, timeout=3, concurrency=2, key_file=None):
    port = port or PORT
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("state_dir = %s\n" % os.path.join(tmp, "state"))
        f.write("generator = openai\n")
        f.write("openai_base_url = http://127.0.0.1:%d/v1/\n" % port)
        f.write("openai_model = test-model\n")
        f.write("openai_key_file = %s\n" % (key_file or os.path.join(tmp, "openai.key")))
        f.write("openai_timeout_seconds = %d\n" % timeout)
        f.write("openai_concurrency = %d\n" % concurrency)
    return path


def run(conf, prompt, timeout=60):
    r = subprocess.run([GEN, "--config", conf, "--prompt", prompt], capture_output=True, timeout=timeout,
                       env={"PATH": "/usr/bin:/bin"})
    out = r.stdout.decode(errors="replace")
    err = r.stderr.decode(errors="replace")
    try:
        res = json.loads(out)
    except ValueError:
        res = {}
    return r.returncode, res, out + err


def stats():
    with urllib.request.urlopen("http://127.0.0.1:%d/stats" % PORT, timeout=5) as r:
        return json.loads(r.read())


def main():
    if not os.access(GEN, os.X_OK):
        print("1..0 # SKIP appforge-generate not built")
        return 0
    tmp = tempfile.mkdtemp(prefix="af-gen-openai-")
    global PORT
    fake = subprocess.Popen([sys.executable, FAKE, "30400", "30449"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # a port that is bound but never listens: connecting to it is refused, always
    dead, dead_port = socket.socket(), 0
    for p in range(30450, 30500):
        try:
            dead.bind(("127.0.0.1", p))
            dead_port = p
            break
        except OSError:
            continue
    try:
        line = fake.stdout.readline().decode().split()
        if not ok(len(line) == 2 and line[0] == "ready", "fake OpenAI server started (%s)" % " ".join(line)):
            return 1
        PORT = int(line[1])
        with open(os.path.join(tmp, "openai.key"), "w") as f:
            f.write(KEY + "\n")
        conf = write_conf(tmp, "a.conf")
        outputs = []

        rc, res, text = run(conf, "make a greeting app MODE:good")
        outputs.append(text)
        ok(rc == 0 and "server.js" in res.get("files", {}) and res.get("name") == "Hello app",
           "good answer: files and name")
        ok(res.get("assumption") == "kept it tiny", "good answer: the model's assumption is passed on")
        last = stats()["requests"][-1]
        ok(last["authorization"] == "Bearer " + KEY, "the key is sent as a Bearer header")
        ok(last["model"] == "test-model" and last["system"] and last["response_format"] == {"type": "json_object"},
           "model, system prompt and response_format json_object are sent")
        ok(all(w in last["system_text"] for w in ("application/json", "Origin", "403")),
           "the system prompt requires JSON-only, same-origin writes")
        files = res.get("files", {})
        ok("appforge_guard.js" in files and
           files.get("server.js", "").endswith("\n;require('./appforge_guard.js');\n"),
           "the model's app gets the cross-site write guard, loaded by server.js")
        ok(KEY not in json.dumps(res.get("files", {})), "the key is in none of the files")

        rc, res, text = run(conf, "MODE:fenced")
        outputs.append(text)
        ok(rc == 0 and "server.js" in res.get("files", {}), "answer inside a ```json fence accepted")

        rc, res, text = run(conf, "MODE:dotdot")
        outputs.append(text)
        ok(rc == 1 and "'../etc/passwd'" in res.get("error", "") and "files" not in res,
           "'../etc/passwd' file name rejected: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:nonjson")
        outputs.append(text)
        ok(rc == 1 and res.get("error") == "model output was not valid JSON", "non-JSON output rejected: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:garbage")
        outputs.append(text)
        ok(rc == 1 and "not valid JSON" in res.get("error", ""), "non-JSON HTTP body rejected: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:cutoff")
        outputs.append(text)
        ok(rc == 1 and "cut off" in res.get("error", ""), "truncated answer rejected: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:huge")
        outputs.append(text)
        ok(rc == 1 and "larger than 4 MiB" in res.get("error", ""), "oversized response rejected: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:slow")
        outputs.append(text)
        ok(rc == 1 and res.get("error") == "model endpoint timed out after 3 s", "slow endpoint: %s" % res.get("error"))

        rc, res, text = run(conf, "MODE:unauthorized")
        outputs.append(text)
        ok(rc == 1 and "refused the API key (HTTP 401)" in res.get("error", ""), "401: %s" % res.get("error"))

        before = len(stats()["requests"])
        rc, res, text = run(conf, "MODE:noformat")
        outputs.append(text)
        reqs = stats()["requests"][before:]
        ok(rc == 0 and len(reqs) == 2 and reqs[0]["response_format"] and reqs[1]["response_format"] is None,
           "an endpoint refusing response_format is asked again without it")

        if dead_port:
            rc, res, text = run(write_conf(tmp, "dead.conf", port=dead_port), "MODE:good")
            outputs.append(text)
            ok(rc == 1 and res.get("error") == "could not connect to the model endpoint",
               "nothing listening: %s" % res.get("error"))
        else:
            T.skip("no free port in 30450-30499 for the refused-connection case")

        rc, res, text = run(conf, "   ")
        ok(rc == 1 and res.get("error") == "prompt is empty", "empty prompt refused before any call")

        nokey = write_conf(tmp, "nokey.conf", key_file=os.path.join(tmp, "missing.key"))
        rc, res, text = run(nokey, "MODE:good")
        outputs.append(text)
        ok(rc == 0 and stats()["requests"][-1]["authorization"] is None, "no key file: no Authorization header")

        with open(os.path.join(tmp, "bad.key"), "w") as f:
            f.write("sk-with space\r\nX-Injected: 1\n")
        rc, res, text = run(write_conf(tmp, "badkey.conf", key_file=os.path.join(tmp, "bad.key")), "MODE:good")
        ok(rc == 1 and "not allowed in a key" in res.get("error", "") and "Injected" not in text,
           "a key file with spaces or line breaks is refused: %s" % res.get("error"))

        ok(all(KEY not in t for t in outputs), "the key appears in no output or error (%d runs)" % len(outputs))
        leaked = []
        for root, _, names in os.walk(os.path.join(tmp, "state")):
            for nm in names:
                with open(os.path.join(root, nm), "rb") as f:
                    if KEY.encode() in f.read():
                        leaked.append(nm)
        ok(leaked == [], "the key is in no state file")

        # concurrency: 6 processes, 2 slots: the server never sees more than 2 at once
        conc = write_conf(tmp, "conc.conf", timeout=20, concurrency=2)
        # requests our clients gave up on (the slow one) may still be sleeping in the
        # fake server: wait for them before counting
        end = time.time() + 60
        while stats()["current"] != 0 and time.time() < end:
            time.sleep(0.05)
        with urllib.request.urlopen("http://127.0.0.1:%d/reset-max" % PORT) as r:
            json.loads(r.read())
        # The fake holds "block" answers until /release: the first two calls stay at the
        # server while the other four wait for a slot, however slow this machine is.
        with urllib.request.urlopen("http://127.0.0.1:%d/hold" % PORT) as r:
            r.read()
        procs = [subprocess.Popen([GEN, "--config", conc, "--prompt", "MODE:block %d" % i], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"}) for i in range(6)]
        end = time.time() + 60
        while stats()["current"] < 2 and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.5)   # room for a third call to arrive, were the slots not honoured
        ok(stats()["current"] == 2, "and the 2 slots are really used in parallel")
        with urllib.request.urlopen("http://127.0.0.1:%d/release" % PORT) as r:
            r.read()
        results = [p.communicate(timeout=60) for p in procs]
        codes = [p.returncode for p in procs]
        st = stats()
        held = [r for r in st["requests"] if r["mode"] == "block"]
        ok(codes == [0] * 6 and len(held) == 6, "6 parallel generations all succeed (%s)" % codes)
        ok(st["max_concurrent"] <= 2, "at most openai_concurrency=2 at the server at once (saw %d)" % st["max_concurrent"])
        ok(all(KEY.encode() not in o + e for o, e in results), "no key in the parallel runs' output")

        one = write_conf(tmp, "one.conf", timeout=1, concurrency=1)
        slow = subprocess.Popen([GEN, "--config", write_conf(tmp, "one-slow.conf", timeout=10, concurrency=1),
                                 "--prompt", "MODE:slow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={"PATH": "/usr/bin:/bin"})
        # wait until the slow call holds the only slot (it is at the server)
        end = time.time() + 60
        while not any(r["mode"] == "slow" for r in stats()["requests"][-1:]) and time.time() < end:
            time.sleep(0.05)
        rc, res, text = run(one, "MODE:good")
        ok(rc == 1 and "too many generations" in res.get("error", ""),
           "no free slot within the timeout: %s" % res.get("error"))
        slow.kill()
        slow.communicate()
    finally:
        dead.close()
        fake.kill()
        fake.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""test_prompts.py: the template provider honours what realistic prompts ask for.

Each prompt of prompts.json names the fields its app must have (in any of its lists);
appforge-generate renders the app and the fields are read from the CONFIG in server.js.
Reports how many prompts yield every asked-for field; each prompt is one TAP line.
Prints TAP."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap  # noqa: E402  (tests/tap.py)

SRC = os.environ.get("AF_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AF_BUILDDIR", ".")
GEN = os.path.join(BUILD, "generator", "appforge-generate")


def fields_of(prompt):
    r = subprocess.run([GEN, "--generator", "template", "--prompt", prompt], capture_output=True, timeout=60)
    out = json.loads(r.stdout)
    m = re.search(r"const CONFIG = (\{.*?\n\});", out["files"]["server.js"], re.S)
    cfg = json.loads(m.group(1))
    names = set()
    for col in cfg["collections"].values():
        names.update(f["name"] for f in col["fields"])
    return names, out.get("assumption", "")


def main():
    t = Tap()
    cases = json.load(open(os.path.join(SRC, "tests", "generator", "prompts.json")))
    t.ok(len(cases) >= 40, "at least 40 prompts (%d)" % len(cases))
    full = 0
    for c in cases:
        names, why = fields_of(c["prompt"])
        missing = [f for f in c["fields"] if f not in names]
        full += not missing
        t.ok(not missing, "%r yields %s" % (c["prompt"], ", ".join(c["fields"])),
             "missing %s; got %s; %s" % (missing, sorted(names), why))
    print("# %d of %d prompts yield every asked-for field" % (full, len(cases)))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())

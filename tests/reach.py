"""tests/reach.py: the checkout within reach of the unprivileged users the tests run.

appforged drops root to run_as_user (appforge) and nginx's workers run as www-data;
both must reach this checkout's programs, scan.js and frontend, which a clone in a
private home directory (/root is 0700) denies them. Once per test process, after the
first `appforgectl init` has created the user, scripts/grant-reach lets those two users
search the directories above the source and build trees (an ACL entry each, nothing
else). Its notes become TAP comments."""
import os
import subprocess

_done = False


def grant(users=("appforge", "www-data")):
    global _done
    if _done or os.geteuid() != 0:
        return
    src = os.environ.get("AF_SRCDIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = [src]
    if os.environ.get("AF_BUILDDIR"):
        trees.append(os.environ["AF_BUILDDIR"])
    p = subprocess.run([os.path.join(src, "scripts", "grant-reach"), *trees, "--", *users],
                       capture_output=True, text=True, timeout=60)
    for line in (p.stdout + p.stderr).splitlines():
        print("# " + line, flush=True)
    if p.returncode != 0:
        raise RuntimeError("grant-reach failed: %s" % p.stderr.strip())
    _done = True

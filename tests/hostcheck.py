"""tests/hostcheck.py: may this host run sandboxes at all?

Tests that start sandboxes call require_sandbox() first. When the kernel refuses the
namespaces the sandbox is built from (a chroot cannot create user namespaces, for one;
some container runtimes forbid them), the test prints a TAP plan with the reason and
exits 0: the host lacks the feature, so the test is skipped, loudly. A sandbox tool that
is missing or broken is NOT a reason to skip: that is a failure of this build, and
the test goes on to fail.
"""
import os
import subprocess
import sys


def sandbox_unavailable():
    """The reason this host cannot run sandboxes, or None when it can (or when the
    tool is missing, which the caller's own checks then report as a failure)."""
    tool = os.path.join(os.environ.get("AF_BUILDDIR", "."), "sandbox", "appforge-sandbox")
    if not os.access(tool, os.X_OK):
        return None
    try:
        out = subprocess.run([tool, "doctor"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        words = line.split(None, 2)
        if len(words) >= 2 and words[0] == "namespaces" and words[1] != "ok":
            detail = words[2] if len(words) > 2 else "refused"
            return ("this host refuses the namespaces a sandbox needs (%s); "
                    "a chroot, for one, cannot create user namespaces" % detail.strip())
    return None


def require_sandbox():
    reason = sandbox_unavailable()
    if reason:
        print("1..0 # SKIP " + reason, flush=True)
        sys.exit(0)

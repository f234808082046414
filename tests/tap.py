"""tests/tap.py: TAP output for the Python tests (what tests/tap.h is for the C ones).

    t = Tap()
    t.ok(cond, "what", diag)     # "ok N - what" / "not ok N - what" + "# " diagnostics
    t.eq(got, want, "what")
    t.skip("reason", "what")     # "ok N - what # SKIP reason"
    return t.done()              # prints the plan "1..N"; 1 when something failed

The plan comes last, so a test may decide its checks as it goes.

scaled(x): x times $AF_TEST_TIME_SCALE (default 1), for the waits and start timeouts
of the tests that run apps: an emulated VM (../shared/tools/fresh-vm) runs them
several times slower than real hardware, and gets generous timeouts instead of
shorter sleeps."""
import os
import sys


def time_scale():
    try:
        return max(1.0, float(os.environ.get("AF_TEST_TIME_SCALE", "1")))
    except ValueError:
        return 1.0


def scaled(x):
    """x (seconds or milliseconds) stretched by AF_TEST_TIME_SCALE."""
    return type(x)(x * time_scale())


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        what = str(what).replace("#", "\\#").replace("\n", " ")
        print("%sok %d - %s" % ("" if cond else "not ", self.n, what))
        if not cond:
            self.failed += 1
            if diag is not None:
                self.diag(diag)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, what):
        return self.ok(got == want, what, "got %r, want %r" % (got, want))

    def skip(self, reason, what=""):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, reason))
        sys.stdout.flush()

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.stdout.flush()
        return 1 if self.failed else 0

# tests/lifecycle/local.mk: the product's main path end to end (included by tests/local.mk).
# Each file runs its own appforge (appforged + supervisor + nginx) on ports of its own
# inside 31000-31999 (test_run.py: 32700-32799); the kinds are split over several files
# so make -j2 runs them side by side.
LIFECYCLE_TESTS = tests/lifecycle/test_kinds_1.py tests/lifecycle/test_kinds_2.py \
	tests/lifecycle/test_kinds_3.py tests/lifecycle/test_kinds_4.py \
	tests/lifecycle/test_guard.py tests/lifecycle/test_isolation.py \
	tests/lifecycle/test_openai.py tests/lifecycle/test_run.py tests/lifecycle/test_stall.py \
	tests/lifecycle/test_logs.py tests/lifecycle/test_env.py tests/lifecycle/test_private.py \
	tests/lifecycle/test_preview.py
TESTS += $(LIFECYCLE_TESTS)
EXTRA_DIST += $(LIFECYCLE_TESTS) tests/lifecycle/lc.py tests/lifecycle/stall.py bench/lifecycle \
	bench/isolation
# data snapshots of revisions and restore with data (issue 11): ports 32500-32599
TESTS += tests/lifecycle/test_snapshots.py
EXTRA_DIST += tests/lifecycle/test_snapshots.py
# a worker waiting for a start serves its other kept connections: ports 30900-30999
TESTS += tests/lifecycle/test_runwait.py
EXTRA_DIST += tests/lifecycle/test_runwait.py
EXTRA_DIST += bench/snapshots
# the code tree a run starts from, written only when its stamp is stale: ports 30600-30699
TESTS += tests/lifecycle/test_codetree.py
EXTRA_DIST += tests/lifecycle/test_codetree.py

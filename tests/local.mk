# tests/local.mk: the build of tests/ (included by the top Makefile.am).
# The end-to-end tests start a real appforged and nginx each (own ports, own state dir)
# and run in parallel with the rest of the suite.
E2E_TESTS = tests/e2e/test_auth.py tests/e2e/test_apps.py tests/e2e/test_admin.py \
	tests/e2e/test_edge.py tests/e2e/test_ratelimit.py tests/e2e/test_crash.py \
	tests/e2e/test_proxy.py tests/e2e/test_privsep.py tests/e2e/test_appset.py \
	tests/e2e/test_revisions.py
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/hostcheck.py tests/tap.py tests/reach.py tests/e2e/harness.py tests/e2e/fakeresolve.py \
	tests/summary tests/tap.h

# Cookie isolation between apps in a real browser (starts sandboxes and Chromium).
WEB_EDGE_TESTS = tests/web/test_cookies.py
TESTS += tests/web/test_logsummary.py
EXTRA_DIST += tests/web/test_logsummary.py
TESTS += $(WEB_EDGE_TESTS)
EXTRA_DIST += $(WEB_EDGE_TESTS) tests/web/cookie_browser.js

# Folders without a local.mk of their own: developer scripts, benchmark, API reference.
EXTRA_DIST += scripts/install-deps scripts/test-all scripts/dev-start scripts/dev-stop scripts/smoke scripts/grant-reach \
	bench/api bench/peer/express/package.json bench/peer/express/server.js bench/login \
	bench/scale bench/revisions bench/private docs/API.md
# FastCGI connections kept open between requests (fcgi/worker.c).
TESTS += tests/daemon/test_keepalive.py tests/daemon/test_cpuslots.py
EXTRA_DIST += tests/daemon/test_keepalive.py tests/daemon/test_cpuslots.py
# An app's environment variables and secrets (fcgi/h_appset.c).
TESTS += tests/daemon/test_env.py tests/daemon/test_export.py tests/daemon/test_appcopy.py
TESTS += tests/daemon/test_private.py
EXTRA_DIST += tests/daemon/test_private.py
EXTRA_DIST += tests/daemon/test_env.py tests/daemon/test_export.py tests/daemon/test_appcopy.py
# The app object of every answer (fcgi/app_json.c) and a dead generation job settled.
TESTS += tests/daemon/test_appview.py
EXTRA_DIST += tests/daemon/test_appview.py
TESTS += tests/daemon/test_readcache.py
EXTRA_DIST += tests/daemon/test_readcache.py

include tests/hostile/local.mk
include tests/lifecycle/local.mk

# the house style (.clang-format)
TESTS += tests/test_format.sh
EXTRA_DIST += tests/test_format.sh scripts/check-format .clang-format

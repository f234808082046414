# scanner/local.mk: the build of scanner/ (included by the top Makefile.am).
# libafscanner.a: scanner_scan() runs scan.js (installed as $(pkgdatadir)/scanner/scan.js,
# with the scan_*.js modules it requires from its own directory)
# under Node with limits, in a seccomp + Landlock jail (confine.c). Programs linking it
# add common/libafcommon.a (after it) $(JSONC_LIBS) $(SECCOMP_LIBS).
noinst_LIBRARIES += scanner/libafscanner.a
scanner_libafscanner_a_SOURCES = scanner/scanner.c scanner/scanner.h scanner/confine.c \
	scanner/confine.h
scanner_libafscanner_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(SECCOMP_CFLAGS)
nobase_dist_pkgdata_DATA += scanner/scan.js scanner/scan_report.js scanner/scan_values.js \
	scanner/scan_scope.js scanner/scan_eval.js scanner/scan_rules.js scanner/scan_walk.js \
	scanner/scan_html.js scanner/scan_pkg.js
EXTRA_DIST += scanner/README.md

# tests: the rules on case files (Python, TAP) and the C interface (policy, timeout,
# malformed output).
TESTS += tests/scanner/test_scan.py tests/scanner/test_scanner
dist_check_SCRIPTS += tests/scanner/test_scan.py
EXTRA_DIST += tests/scanner/cases tests/scanner/jail_probe.js
check_PROGRAMS += tests/scanner/test_scanner
tests_scanner_test_scanner_SOURCES = tests/scanner/test_scanner.c
tests_scanner_test_scanner_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/scanner $(JSONC_CFLAGS)
tests_scanner_test_scanner_LDADD = scanner/libafscanner.a common/libafcommon.a $(JSONC_LIBS) $(SECCOMP_LIBS)

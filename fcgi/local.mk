# fcgi/local.mk: the build of fcgi/ (included by the top Makefile.am).
# appforged: master + preforked FastCGI workers. The pure parts (routing, request
# parsing, responses) live in the library too, so unit tests link them without FastCGI.
AF_DAEMON_CFLAGS = $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(JWT_CFLAGS) $(SODIUM_CFLAGS) $(OPENSSL_CFLAGS)
AF_DAEMON_LIBS = scanner/libafscanner.a generator/libafgen.a sandbox/libafsupclient.a \
	sandbox/libafapplog.a \
	$(AFDB_LIBS) $(AFCOMMON_LIBS) $(FCGI_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS)


noinst_LIBRARIES += fcgi/libafd.a
fcgi_libafd_a_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS) $(CURL_CFLAGS)
fcgi_libafd_a_SOURCES = \
	fcgi/route.c fcgi/route.h fcgi/route_table.c \
	fcgi/request.c fcgi/request.h \
	fcgi/response.c fcgi/response.h \
	fcgi/listener.c fcgi/listener.h \
	fcgi/daemon.h fcgi/master.c fcgi/worker.c \
	fcgi/handler.h fcgi/dispatch.c fcgi/handler_util.c fcgi/auth.c \
	fcgi/h_account.c fcgi/h_password.c fcgi/session.h fcgi/session.c fcgi/login_throttle.c \
	fcgi/h_apps.c fcgi/readcache.c fcgi/readcache.h fcgi/h_scan.c fcgi/app_json.c fcgi/h_admin.c fcgi/h_internal.c fcgi/names.c fcgi/names.h \
	fcgi/sup_calls.h fcgi/sup_calls.c fcgi/appdisk.h fcgi/appdisk.c \
	fcgi/jobs.h fcgi/jobs.c fcgi/h_generate.c fcgi/h_run.c fcgi/h_appset.c fcgi/h_export.c \
	fcgi/h_revisions.c fcgi/h_iterate.c fcgi/h_private.c \
	fcgi/logstream.h fcgi/logstream.c fcgi/logstream_events.h fcgi/logstream_events.c \
	fcgi/h_logstream.c
# data snapshots of revisions (issue 11)
fcgi_libafd_a_SOURCES += fcgi/h_snapshots.c

sbin_PROGRAMS += fcgi/appforged
fcgi_appforged_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS) \
	-DAF_SRCDIR_SCANNER_JS='"$(abs_top_srcdir)/scanner/scan.js"'
fcgi_appforged_SOURCES = fcgi/main.c
fcgi_appforged_LDADD = fcgi/libafd.a $(AF_DAEMON_LIBS)

check_PROGRAMS += tests/unit/test_route
TESTS += tests/unit/test_route
tests_unit_test_route_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS)
tests_unit_test_route_SOURCES = tests/unit/test_route.c fcgi/route.c fcgi/route_table.c \
	fcgi/request.c
tests_unit_test_route_LDADD = $(AFCOMMON_LIBS)

# FastCGI-level tests: appforged started directly, spoken to over its unix socket.
TESTS += tests/daemon/test_api.py tests/daemon/test_instance.py tests/daemon/test_workers.py \
	tests/daemon/test_crash_writes.py tests/daemon/test_activation.py tests/daemon/test_ctl.py \
	tests/daemon/test_revisions.py tests/daemon/test_iterate.py tests/daemon/test_iterate_openai.py
TESTS += tests/daemon/test_logstream.py
EXTRA_DIST += tests/daemon/test_logstream.py bench/logstream
EXTRA_DIST += tests/daemon/fcgi_client.py tests/daemon/dharness.py \
	tests/daemon/test_api.py tests/daemon/test_instance.py tests/daemon/test_workers.py \
	tests/daemon/test_crash_writes.py tests/daemon/test_activation.py tests/daemon/test_ctl.py \
	tests/daemon/test_revisions.py tests/daemon/test_iterate.py tests/daemon/test_iterate_openai.py

check_PROGRAMS += tests/unit/test_readcache
TESTS += tests/unit/test_readcache
tests_unit_test_readcache_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS)
tests_unit_test_readcache_SOURCES = tests/unit/test_readcache.c fcgi/readcache.c

check_PROGRAMS += tests/unit/test_response
TESTS += tests/unit/test_response
tests_unit_test_response_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS)
tests_unit_test_response_SOURCES = tests/unit/test_response.c fcgi/response.c common/strbuf.c \
	common/util.c
tests_unit_test_response_LDADD = $(JSONC_LIBS)

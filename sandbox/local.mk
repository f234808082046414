# sandbox/local.mk: the build of sandbox/ (included by the top Makefile.am).
# libafsandbox.a: cgroups, seccomp, the sandbox itself; appforge-sandbox: its CLI;
# appforge-init: pid 1 inside each sandbox (no sanitizers: it runs under seccomp).

noinst_LIBRARIES += sandbox/libafsandbox.a
sandbox_libafsandbox_a_SOURCES = sandbox/sandbox.c sandbox/sandbox.h \
	sandbox/sandbox_internal.h sandbox/sandbox_child.c sandbox/sandbox_image.c \
	sandbox/sandbox_log.c sandbox/sandbox_doctor.c sandbox/sandbox_netns.c \
	sandbox/cgroup.c sandbox/cgroup.h sandbox/cgroup_base.c sandbox/cgroup_internal.h \
	sandbox/cgroup_file.c \
	sandbox/systemd_scope.c sandbox/systemd_scope.h sandbox/seccomp.c sandbox/seccomp.h \
	sandbox/datamount.c sandbox/datamount.h sandbox/startmarks.h
nodist_sandbox_libafsandbox_a_SOURCES = sandbox/preload_js.c
sandbox_libafsandbox_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS) $(SYSTEMD_CFLAGS)
CLEANFILES += sandbox/preload_js.c
EXTRA_DIST += sandbox/preload.js sandbox/embed.awk

sandbox/preload_js.c: $(srcdir)/sandbox/preload.js $(srcdir)/sandbox/embed.awk
	$(AM_V_GEN)$(MKDIR_P) sandbox && \
	$(AWK) -v name=sandbox_preload_js -f $(srcdir)/sandbox/embed.awk \
		$(srcdir)/sandbox/preload.js > $@.tmp && mv $@.tmp $@

# libafapplog.a: the format of an app's log (written here, read by the daemon).
noinst_LIBRARIES += sandbox/libafapplog.a
sandbox_libafapplog_a_SOURCES = sandbox/applog.c sandbox/applog.h

SANDBOX_LIBS = sandbox/libafsandbox.a sandbox/libafapplog.a $(AFCOMMON_LIBS) $(SECCOMP_LIBS) \
	$(SYSTEMD_LIBS)

sbin_PROGRAMS += sandbox/appforge-sandbox
sandbox_appforge_sandbox_SOURCES = sandbox/cli.c
sandbox_appforge_sandbox_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
sandbox_appforge_sandbox_LDADD = $(SANDBOX_LIBS) $(SUPCLIENT_LIBS)

pkglibexec_PROGRAMS += sandbox/appforge-init
sandbox_appforge_init_SOURCES = sandbox/init.c
sandbox_appforge_init_CFLAGS = -std=gnu11 -O2 $(WARN_CFLAGS)
sandbox_appforge_init_LDFLAGS =

# Tests (ports 29000-29499 are the sandbox's; each file has its own sub-range).
check_PROGRAMS += tests/sandbox/test_cgroup
tests_sandbox_test_cgroup_SOURCES = tests/sandbox/test_cgroup.c
tests_sandbox_test_cgroup_LDADD = $(SANDBOX_LIBS)
TESTS += tests/sandbox/test_cgroup tests/sandbox/test_cli.py
check_PROGRAMS += tests/sandbox/test_applog
tests_sandbox_test_applog_SOURCES = tests/sandbox/test_applog.c
tests_sandbox_test_applog_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_sandbox_test_applog_LDADD = sandbox/libafapplog.a
TESTS += tests/sandbox/test_applog
EXTRA_DIST += tests/sandbox/sbtest.py tests/sandbox/test_cli.py

# The supervisor: the only parent of sandboxes in a deployment, and its client.
noinst_LIBRARIES += sandbox/libafsupclient.a
sandbox_libafsupclient_a_SOURCES = sandbox/supervisor_client.c sandbox/supervisor_client.h \
	sandbox/supproto.c sandbox/supproto.h sandbox/startmarks.h
sandbox_libafsupclient_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
SUPCLIENT_LIBS = sandbox/libafsupclient.a common/libafcommon.a $(JSONC_LIBS)

sbin_PROGRAMS += sandbox/appforge-supervisor
sandbox_appforge_supervisor_SOURCES = sandbox/supervisor.c sandbox/sup_internal.h \
	sandbox/sup_clients.c sandbox/sup_apps.c sandbox/ports.c sandbox/ports.h
# data snapshots of revisions (issue 11)
sandbox_appforge_supervisor_SOURCES += sandbox/snapshot.c sandbox/snapshot.h \
	sandbox/sup_snapshot.c sandbox/sup_snapshot.h
# a new app's data image prepared off the loop
sandbox_appforge_supervisor_SOURCES += sandbox/sup_prepare.c sandbox/sup_prepare.h
check_PROGRAMS += tests/unit/test_syncsock
TESTS += tests/unit/test_syncsock
tests_unit_test_syncsock_SOURCES = tests/unit/test_syncsock.c
tests_unit_test_syncsock_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_syncsock_LDADD = $(SANDBOX_LIBS)
check_PROGRAMS += tests/unit/test_embed
TESTS += tests/unit/test_embed
tests_unit_test_embed_SOURCES = tests/unit/test_embed.c
nodist_tests_unit_test_embed_SOURCES = tests/unit/embed_fixture.c
tests_unit_test_embed_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_embed_LDADD = $(SANDBOX_LIBS)
CLEANFILES += tests/unit/embed_fixture.c
EXTRA_DIST += tests/unit/embed_fixture.js
tests/unit/embed_fixture.c: $(srcdir)/tests/unit/embed_fixture.js $(srcdir)/sandbox/embed.awk
	$(AM_V_GEN)$(MKDIR_P) tests/unit && \
	$(AWK) -v name=test_embed_fixture -f $(srcdir)/sandbox/embed.awk \
		$(srcdir)/tests/unit/embed_fixture.js > $@.tmp && mv $@.tmp $@
check_PROGRAMS += tests/unit/test_snapshot
TESTS += tests/unit/test_snapshot
tests_unit_test_snapshot_SOURCES = tests/unit/test_snapshot.c sandbox/snapshot.c sandbox/snapshot.h
tests_unit_test_snapshot_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_snapshot_LDADD = $(SANDBOX_LIBS) $(AFCOMMON_LIBS)
sandbox_appforge_supervisor_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)
sandbox_appforge_supervisor_LDADD = $(SANDBOX_LIBS) sandbox/libafsupclient.a $(AFDB_LIBS) \
	$(AFCOMMON_LIBS) $(SQLITE_LIBS)

check_PROGRAMS += tests/sandbox/test_ports
tests_sandbox_test_ports_SOURCES = tests/sandbox/test_ports.c sandbox/ports.c
TESTS += tests/sandbox/test_ports
TESTS += tests/sandbox/test_supervisor.py
EXTRA_DIST += tests/sandbox/test_supervisor.py
TESTS += tests/sandbox/test_datamount.py
EXTRA_DIST += tests/sandbox/test_datamount.py
EXTRA_DIST += sandbox/README.md

# unit test of the supervisor protocol (source under tests/unit/)
check_PROGRAMS += tests/unit/test_supproto
TESTS += tests/unit/test_supproto
tests_unit_test_supproto_SOURCES = tests/unit/test_supproto.c
tests_unit_test_supproto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(JSONC_CFLAGS)
tests_unit_test_supproto_LDADD = $(SUPCLIENT_LIBS)

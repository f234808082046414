# tools/local.mk: the build of tools/ (included by the top Makefile.am).
# appforgectl: init, users, tokens, apps, config, doctor. db/db_extra.c holds the few
# DAO functions the tools needed beyond db.h (kept apart from core's db.c).
# docs/DAEMON.md is the operator's page for appforged and appforgectl.
EXTRA_DIST += docs/DAEMON.md
sbin_PROGRAMS += tools/appforgectl
tools_appforgectl_CPPFLAGS = $(AM_CPPFLAGS) $(AF_DAEMON_CFLAGS) $(SECCOMP_CFLAGS) $(PSL_CFLAGS) \
	-DAF_NGINX_PATH='"$(NGINX)"'
tools_appforgectl_SOURCES = tools/appforgectl.c tools/doctor.c tools/doctor.h \
	fcgi/names.c fcgi/names.h db/db_extra.c db/db_extra.h
tools_appforgectl_LDADD = sandbox/libafsupclient.a scanner/libafscanner.a $(SANDBOX_LIBS) \
	$(AFDB_LIBS) $(AFCOMMON_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS) $(PSL_LIBS)

# db/local.mk: the build of db/ (included by the top Makefile.am).
# libafdb.a: the SQLite database and its data-access functions. Programs linking it
# add $(AFDB_LIBS) before $(AFCOMMON_LIBS).
noinst_LIBRARIES += db/libafdb.a
noinst_HEADERS += db/db.h db/db_internal.h db/db_env.h db/db_grants.h db/db_snapshots.h
db_libafdb_a_SOURCES = db/db.c db/schema.c db/db_users.c db/db_apps.c db/db_runs.c \
	db/db_sessions.c db/db_env.c db/db_revisions.c db/db_grants.c db/db_snapshots.c
db_libafdb_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS)
AFDB_LIBS = db/libafdb.a $(SQLITE_LIBS)

# unit test (source under tests/unit/)
check_PROGRAMS += tests/unit/test_db
TESTS += tests/unit/test_db
tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_db_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/db -I$(top_srcdir)/tests \
	$(SQLITE_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_db_LDADD = $(AFDB_LIBS) $(AFCOMMON_LIBS)

# common/local.mk: the build of common/ (included by the top Makefile.am).
# libafcommon.a: configuration, logging, JSON, ids, app files, JWT, passwords, API
# tokens. Programs linking it add $(AFCOMMON_LIBS).
noinst_LIBRARIES += common/libafcommon.a
noinst_HEADERS = common/conf.h common/log.h common/util.h common/json.h \
	common/appfiles.h common/afjwt.h common/password.h common/apitoken.h \
	common/throttle.h common/privsep.h common/states.h common/jwtcache.h common/cpuslots.h \
	common/appenv.h common/secretbox.h common/tarball.h common/linediff.h common/strbuf.h \
	common/jsonw.h \
	common/clock.h common/errfmt.h common/mkdirp.h common/spawn.h common/applayout.h \
	common/secretfile.h common/sblimits.h
common_libafcommon_a_SOURCES = common/conf.c common/log.c common/util.c common/json.c \
	common/appfiles.c common/afjwt.c common/password.c common/apitoken.c \
	common/throttle.c common/privsep.c common/states.c common/jwtcache.c common/cpuslots.c \
	common/appenv.c common/secretbox.c common/tarball.c common/linediff.c common/strbuf.c \
	common/jsonw.c \
	common/clock.c common/errfmt.c common/mkdirp.c common/spawn.c common/applayout.c \
	common/secretfile.c
common_libafcommon_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(JWT_CFLAGS) \
	$(SODIUM_CFLAGS) $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS)
AFCOMMON_LIBS = common/libafcommon.a $(JWT_LIBS) $(JSONC_LIBS) $(SODIUM_LIBS) \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) -lm

# unit tests (sources under tests/unit/)
COMMON_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(JSONC_CFLAGS) \
	$(JWT_CFLAGS) $(SODIUM_CFLAGS) $(OPENSSL_CFLAGS)
check_PROGRAMS += tests/unit/test_jwt
TESTS += tests/unit/test_jwt
tests_unit_test_jwt_SOURCES = tests/unit/test_jwt.c
tests_unit_test_jwt_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_jwt_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_json tests/unit/test_util
TESTS += tests/unit/test_json tests/unit/test_util
tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_json_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_jsonw
TESTS += tests/unit/test_jsonw
tests_unit_test_jsonw_SOURCES = tests/unit/test_jsonw.c
tests_unit_test_jsonw_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_jsonw_LDADD = $(AFCOMMON_LIBS)
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_util_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_appfiles tests/unit/test_password_token
TESTS += tests/unit/test_appfiles tests/unit/test_password_token
tests_unit_test_appfiles_SOURCES = tests/unit/test_appfiles.c
tests_unit_test_appfiles_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_appfiles_LDADD = $(AFCOMMON_LIBS)
tests_unit_test_password_token_SOURCES = tests/unit/test_password_token.c
tests_unit_test_password_token_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_password_token_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_throttle
TESTS += tests/unit/test_throttle
tests_unit_test_throttle_SOURCES = tests/unit/test_throttle.c
tests_unit_test_throttle_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_throttle_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_conf
TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_conf_LDADD = $(AFCOMMON_LIBS)
EXTRA_DIST += etc/appforge.conf.example etc/appforge-supervisor.service etc/appforged.service

check_PROGRAMS += tests/unit/test_cpuslots
TESTS += tests/unit/test_cpuslots
tests_unit_test_cpuslots_SOURCES = tests/unit/test_cpuslots.c
tests_unit_test_cpuslots_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_cpuslots_LDADD = $(AFCOMMON_LIBS)

check_PROGRAMS += tests/unit/test_appenv
TESTS += tests/unit/test_appenv
tests_unit_test_appenv_SOURCES = tests/unit/test_appenv.c
tests_unit_test_appenv_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_appenv_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_tarball
TESTS += tests/unit/test_tarball
tests_unit_test_tarball_SOURCES = tests/unit/test_tarball.c
tests_unit_test_tarball_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_tarball_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_linediff
TESTS += tests/unit/test_linediff
tests_unit_test_linediff_SOURCES = tests/unit/test_linediff.c
tests_unit_test_linediff_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_linediff_LDADD = $(AFCOMMON_LIBS)

check_PROGRAMS += tests/unit/test_base
TESTS += tests/unit/test_base
tests_unit_test_base_SOURCES = tests/unit/test_base.c
tests_unit_test_base_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_base_LDADD = $(AFCOMMON_LIBS)
check_PROGRAMS += tests/unit/test_applayout
TESTS += tests/unit/test_applayout
tests_unit_test_applayout_SOURCES = tests/unit/test_applayout.c
tests_unit_test_applayout_CPPFLAGS = $(COMMON_TEST_CPPFLAGS)
tests_unit_test_applayout_LDADD = $(AFCOMMON_LIBS)

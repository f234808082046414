# common/local.mk: the build of common/ (included by the top Makefile.am).
noinst_HEADERS = common/conf.h common/log.h common/util.h common/json.h \
	common/appfiles.h common/afjwt.h common/password.h common/apitoken.h

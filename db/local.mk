# db/local.mk: the build of db/ (included by the top Makefile.am).
noinst_HEADERS += db/db.h

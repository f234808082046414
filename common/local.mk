# common/local.mk: the build of common/ (included by the top Makefile.am).

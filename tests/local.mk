# tests/local.mk: the build of tests/ (included by the top Makefile.am).

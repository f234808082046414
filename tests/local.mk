# tests/local.mk: the build of tests/ (included by the top Makefile.am).
include tests/hostile/local.mk

# tools/local.mk: the build of tools/ (included by the top Makefile.am).

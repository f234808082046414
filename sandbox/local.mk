# sandbox/local.mk: the build of sandbox/ (included by the top Makefile.am).

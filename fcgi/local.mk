# fcgi/local.mk: the build of fcgi/ (included by the top Makefile.am).

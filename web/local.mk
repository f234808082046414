# web/local.mk: the build of web/ (included by the top Makefile.am).

# scanner/local.mk: the build of scanner/ (included by the top Makefile.am).

# generator/local.mk: the build of generator/ (included by the top Makefile.am).

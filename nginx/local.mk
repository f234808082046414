# nginx/local.mk: the build of nginx/ (included by the top Makefile.am).

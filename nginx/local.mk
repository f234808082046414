# nginx/local.mk: the build of nginx/ (included by the top Makefile.am).
# The template and its renderer are installed side by side: render finds the template
# next to itself.
nginxdir = $(pkgdatadir)/nginx
dist_nginx_DATA = nginx/appforge.conf.in nginx/app_cookies.js
dist_nginx_SCRIPTS = nginx/render

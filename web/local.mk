# web/local.mk: the build of web/ (included by the top Makefile.am).
# The browser frontend: plain ES modules and CSS, no build step. Installed under
# $(pkgdatadir)/web/, which nginx serves as the root of the main origin. CodeMirror
# comes from Debian's libjs-codemirror (/usr/share/javascript/codemirror/), which
# nginx serves under /vendor/codemirror/.
EXTRA_DIST += web/README.md
nobase_dist_pkgdata_DATA += \
	web/index.html \
	web/style.css \
	web/app/main.js \
	web/app/api.js \
	web/app/dom.js \
	web/app/ui.js \
	web/app/editor.js \
	web/app/drafts.js \
	web/app/view-login.js \
	web/app/view-apps.js \
	web/app/view-app.js \
	web/app/history.js \
	web/app/snapshots.js \
	web/app/private.js \
	web/app/view-tokens.js \
	web/app/view-admin.js \
	web/app/view-settings.js \
	web/app/logs.js \
	web/app/logsummary.js \
	web/app/split.js

# Browser tests: real headless Chromium (Debian's chromium) driven by playwright-core
# from npm, pinned by tests/web/package-lock.json and installed into the build dir.
TESTS += tests/web/test_browser.sh
EXTRA_DIST += \
	tests/web/test_browser.sh \
	tests/web/test_browser.js \
	tests/web/stack.py \
	tests/web/package.json \
	tests/web/package-lock.json

clean-local: clean-local-web
clean-local-web:
	rm -rf tests/web/node_modules tests/web/package.json tests/web/package-lock.json \
		tests/web/npm.log tests/out/web
.PHONY: clean-local-web

#!/bin/sh
# tests/web/test_browser.sh: runs the browser tests (test_browser.js) in Debian's
# headless Chromium, driven by playwright-core from npm (pinned in package-lock.json,
# installed with `npm ci` into the build dir, never `playwright install`).
# Prints TAP. Skips, with the reason, when chromium, node or npm is missing.
set -eu
src=${AF_SRCDIR:?AF_SRCDIR is not set (run through make check)}
build=${AF_BUILDDIR:?AF_BUILDDIR is not set (run through make check)}
node=${AF_NODE:-node}
chromium=${AF_CHROMIUM:-/usr/bin/chromium}
here=$src/tests/web
mods=$build/tests/web

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ -x "$chromium" ] || skip "no Chromium at $chromium (scripts/install-deps installs it with AF_WITH_BROWSER=1)"
command -v "$node" >/dev/null 2>&1 || skip "node not found ($node)"
# The test runs apps: a host that refuses the sandbox's namespaces (a chroot) skips.
why=$(cd "$src/tests" && python3 -c 'import hostcheck; print(hostcheck.sandbox_unavailable() or "")')
[ -z "$why" ] || skip "$why"

# playwright-core, exactly the locked version; reinstalled only when the lock changes.
mkdir -p "$mods"
if ! cmp -s "$here/package-lock.json" "$mods/package-lock.json" || [ ! -f "$mods/node_modules/playwright-core/package.json" ]; then
	command -v npm >/dev/null 2>&1 || skip "npm not found (scripts/install-deps installs it with AF_WITH_BROWSER=1)"
	cp "$here/package.json" "$here/package-lock.json" "$mods/"
	rm -rf "$mods/node_modules"
	if ! (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error >"$mods/npm.log" 2>&1); then
		sed 's/^/# npm: /' "$mods/npm.log" | tail -20
		rm -f "$mods/package-lock.json"
		skip "npm ci of playwright-core failed (no npm registry?): see the lines above"
	fi
fi
exec env NODE_PATH="$mods/node_modules" AF_CHROMIUM="$chromium" "$node" "$here/test_browser.js"

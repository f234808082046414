#!/bin/sh
# tests/test_format.sh: the C sources follow .clang-format (scripts/check-format), as a
# TAP test; a skip with the reason when clang-format is not installed.
top=$(cd "$(dirname "$0")/.." && pwd)
echo "1..1"
if ! command -v clang-format >/dev/null 2>&1; then
	echo "ok 1 # SKIP clang-format is not installed (scripts/install-deps installs it)"
	exit 0
fi
if out=$("$top/scripts/check-format" 2>&1); then
	echo "ok 1 - every C file follows .clang-format"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - C files differ from .clang-format (apply: clang-format -i --style=file FILE)"
fi

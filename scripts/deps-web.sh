#!/bin/sh
# What the web configurator's end-to-end test needs (tests/web): Debian's chromium, node and
# npm (installed only when missing), then playwright-core from the npm registry at the version
# pinned in tests/web/package-lock.json (`npm ci`, only when node_modules is missing or was
# installed from another lock file). Used by .ci/run and `make check-asan`.
set -eu
cd "$(dirname "$0")/.."
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium chromium-driver"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "deps-web: installing:$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
stamp=tests/web/node_modules/.cwats-package-lock.json
if [ ! -d tests/web/node_modules/playwright-core ] || ! cmp -s tests/web/package-lock.json "$stamp"; then
	echo "deps-web: npm ci in tests/web"
	(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
	cp tests/web/package-lock.json "$stamp"
fi

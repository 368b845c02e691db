#!/bin/sh
# Install the Debian packages cwats needs, only those missing. Used by `make`, `make check`,
# `make demo` and .ci/run, so that a fresh Debian machine builds with one command.
set -eu
PKGS="build-essential cmake ninja-build pkgconf valgrind
libyajl-dev libjson-c-dev libexpat1-dev libcurl4-openssl-dev libsqlite3-dev libmicrohttpd-dev
libcmocka-dev zlib1g-dev"
[ $# -gt 0 ] && PKGS="$PKGS $*"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing

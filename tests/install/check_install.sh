#!/bin/sh
# make install works and the installed library is usable the way the README says:
# install the build into a temporary prefix, build examples/build_report.c against it through
# pkg-config, run it, and validate its output with the installed wats.
# usage: check_install.sh BUILD_DIR SOURCE_DIR "EXTRA_CFLAGS"
set -eu
build=$1 src=$2 cflags=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
pkg-config --exists libwats
test "$(pkg-config --modversion libwats)" = "$(sed -n 's/#define WATS_VERSION "\(.*\)"/\1/p' "$src/include/wats/version.h")"
# shellcheck disable=SC2086
cc $cflags -o "$tmp/build_report" "$src/examples/build_report.c" $(pkg-config --cflags --libs libwats) \
	-Wl,-rpath,"$tmp/prefix/lib"
"$tmp/build_report" "$tmp/report.json" 2>/dev/null
"$tmp/prefix/bin/wats" validate "$tmp/report.json"
test -f "$tmp/prefix/share/man/man1/wats.1"
echo "install: ok"

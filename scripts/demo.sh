#!/bin/sh
# make demo: run the wats CLI on every WSJF file in ../shared/fixtures/ (beside the repository):
# validate, fmt + diff against the original (zero differences expected), summary.
# Usage: scripts/demo.sh BUILD_DIR     (make demo passes build/release)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
case $build in /*) ;; *) build=$here/$build ;; esac
wats=$build/src/cli/wats
fixtures=$here/../shared/fixtures
if [ ! -x "$wats" ]; then
	echo "demo: $wats not found; build first (make build)" >&2
	exit 2
fi
if [ ! -d "$fixtures" ]; then
	echo "demo: no fixtures folder at $fixtures; nothing to show (skipped)"
	exit 0
fi
fixtures=$(cd "$fixtures" && pwd)
files=$(find "$fixtures" -name '*.json' -type f | sort)
if [ -z "$files" ]; then
	echo "demo: no JSON files in $fixtures; nothing to show (skipped)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wats-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
for f in $files; do
	name=${f#"$fixtures"/}
	echo "=== $name"
	echo "\$ wats validate $name"
	"$wats" validate "$f" || { echo "demo: validate said $? for $name"; failed=1; }

	echo "\$ wats fmt $name > out.json && wats diff $name out.json"
	if "$wats" fmt -o "$tmp/out.json" "$f"; then
		if "$wats" diff "$f" "$tmp/out.json"; then
			if cmp -s "$f" "$tmp/out.json"; then
				echo "no differences (and byte for byte identical)"
			else
				echo "no differences (same JSON, different bytes)"
			fi
		else
			echo "demo: differences after fmt for $name"
			failed=1
		fi
	else
		failed=1
	fi

	echo "\$ wats fmt --pretty $name | wats diff $name -"
	if "$wats" fmt --pretty "$f" | "$wats" diff "$f" -; then
		echo "no differences"
	else
		failed=1
	fi

	echo "\$ wats summary $name"
	"$wats" summary "$f" || failed=1
	echo
done
if [ $failed -ne 0 ]; then
	echo "demo: FAILED (see above)"
	exit 1
fi
echo "demo: all fixtures validated, reformatted without differences and summarised"

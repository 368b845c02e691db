#!/bin/sh
# make bench: run the benchmarks of a Release build and print their tables.
# Usage: scripts/bench.sh BUILD_DIR   (make bench passes build/bench)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/bench}
case $build in /*) ;; *) build=$here/$build ;; esac

# ---- report model ----
fixture=$here/../shared/fixtures/new_report_example.json
if [ ! -x "$build/bench/report_bench" ]; then
	echo "bench: $build/bench/report_bench not built (make bench builds it)" >&2
	exit 2
fi
if [ -f "$fixture" ]; then
	"$build/bench/report_bench" "$fixture" "${WATS_BENCH_ROUNDS:-15}"
else
	echo "bench: report model skipped: no fixture at $fixture"
fi

# ---- HTTP client (against a real wats-devserver, beside a bare libcurl loop) ----
if [ -x "$build/bench/http_bench" ] && [ -x "$build/src/devserver/wats-devserver" ] && [ -f "$fixture" ]; then
	"$build/bench/http_bench" "$build/src/devserver/wats-devserver" "$fixture" 1000
else
	echo "bench: HTTP client skipped (needs http_bench, wats-devserver and the fixture)"
fi

# ---- wats-devserver (wrk over keep-alive) ----
if command -v wrk >/dev/null && [ -x "$build/src/devserver/wats-devserver" ]; then
	"$here/bench/devserver_bench.sh" "$build" "${WATS_BENCH_SECONDS:-10}"
else
	echo "bench: wats-devserver skipped (needs wrk and the wats-devserver build)"
fi

# ---- converters (WSXF, WSTF, CSV on generated inputs) ----
if [ -x "$build/bench/convert_bench" ] && [ -f "$fixture" ]; then
	"$build/bench/convert_bench" "${WATS_BENCH_CONVERT_MB:-64}"
else
	echo "bench: converters skipped (needs convert_bench and the fixture)"
fi

# ---- queue (SQLite, fsync per enqueue) ----
if [ -x "$build/bench/queue_bench" ]; then
	qdir=$(mktemp -d)
	"$build/bench/queue_bench" "$qdir" "${WATS_BENCH_QUEUE_N:-5000}"
	rm -rf "$qdir"
fi

# ---- the resident memory of the libraries watsd links, before any work (issue 8) ----
if [ -x "$build/bench/rss_floor_curl" ]; then
	echo "| process | RSS | anonymous | file-backed |"
	echo "|---|---|---|---|"
	for b in plain curl curl_gnutls store; do
		[ -x "$build/bench/rss_floor_$b" ] || continue
		"$build/bench/rss_floor_$b"
		[ "$b" = plain ] || "$build/bench/rss_floor_$b" init
	done
fi

# ---- watsd end to end (files dropped -> uploaded to wats-devserver) ----
if [ -x "$build/src/watsd/watsd" ] && [ -x "$build/src/devserver/wats-devserver" ]; then
	"$here/bench/watsd_bench.sh" "$build" "${WATS_BENCH_WATSD_N:-2000}"
fi

# ---- watsd web configurator backend (page, API, config save, convert a file) ----
if [ -x "$build/src/watsd/watsd" ] && [ -x "$build/src/devserver/wats-devserver" ] && command -v curl >/dev/null; then
	"$here/bench/web_bench.sh" "$build" "${WATS_BENCH_WEB_N:-50}"
else
	echo "bench: watsd web skipped (needs watsd, wats-devserver and curl)"
fi

# ---- vendor converters ----
if [ -x "$build/bench/vendor_bench" ] && [ -d "$here/../shared/fixtures/vendor" ]; then
	"$build/bench/vendor_bench" "$here/../shared/fixtures" "${WATS_BENCH_SECONDS:-2}"
else
	echo "bench: vendor converters skipped (needs vendor_bench and ../shared/fixtures/vendor)"
fi

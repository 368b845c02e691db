#!/bin/sh
# Throughput of wats-devserver over keep-alive, measured with wrk (Debian package `wrk`):
#   1. small GETs:   GET /api/App/Version
#   2. submissions:  POST /api/Report/WSJF with the 97 KB fixture (bench/devserver_submit.lua),
#                    for each database (:memory:, a WAL file) and validation mode (full, light),
#                    and a WAL file with --sync normal (flushed at checkpoints)
# usage: bench/devserver_bench.sh [BUILD_DIR] [SECONDS]
#   BUILD_DIR defaults to build/bench (what `make bench` builds), SECONDS to 10.
# Environment: WRK_THREADS (1), WRK_CONNECTIONS (8), SERVER_THREADS (0 = per connection).
# Prints one line per run: requests/s, and the server's CPU time per request (which does not
# depend on what else the machine is doing). Needs a Release build for meaningful numbers.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build/bench}
secs=${2:-10}
bin=$build/src/devserver/wats-devserver
fixture=${WATS_FIXTURE:-$root/../shared/fixtures/new_report_example.json}
wt=${WRK_THREADS:-1}
wc=${WRK_CONNECTIONS:-8}
st=${SERVER_THREADS:-0}
token=YmVuY2g6YmVuY2g=

command -v wrk >/dev/null || { echo "devserver_bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "devserver_bench: no $bin (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start DB VALIDATE [SYNC]: runs the server on a free port, sets $url
start() {
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	"$bin" --listen 127.0.0.1:0 --db "$1" --token "$token" --validate "$2" \
		--sync "${3:-off}" --threads "$st" --ready-fd 3 3>"$tmp/ready" >/dev/null &
	pid=$!
	read -r _ url <"$tmp/ready"
}

stop() {
	kill "$pid"
	wait "$pid" || true
	pid=""
}

# Server CPU seconds so far (user + system), from /proc: the cost per request does not depend
# on how busy the rest of the machine is, the requests/s do.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$pid/stat"; }

# run NAME WRK-ARGS...: one wrk run, printed as requests/s and server CPU microseconds/request
run() {
	name=$1
	shift
	c0=$(cpu)
	out=$(wrk -t"$wt" -c"$wc" -d"${secs}s" "$@")
	c1=$(cpu)
	echo "$out" | awk -v name="$name" -v c0="$c0" -v c1="$c1" -v s="$secs" '
		/requests in/ { n = $1 }
		/Requests\/sec/ { r = $2 }
		END { printf "%-44s %9.0f req/s  %6.1f us CPU/req  (server used %.2f cores)\n",
			name, r, n ? (c1 - c0) * 1e6 / n : 0, (c1 - c0) / s }'
}

echo "# wats-devserver bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), wrk -t$wt -c$wc -d${secs}s"
# What a submission costs before the database, without HTTP (CPU time, best of 7 batches).
[ -x "$build/bench/devserver_check_bench" ] && "$build/bench/devserver_check_bench" "$fixture" 200
start :memory: full
run "GET /api/App/Version" -H "Authorization: Basic $token" "$url/api/App/Version"
stop

for db in :memory: "$tmp/bench.db"; do
	for v in full light; do
		rm -f "$tmp"/bench.db*
		start "$db" "$v"
		name=$([ "$db" = ":memory:" ] && echo memory || echo file)
		WATS_FIXTURE=$fixture WATS_TOKEN=$token run \
			"POST /api/Report/WSJF 97 KB db=$name $v" -s "$here/devserver_submit.lua" "$url"
		stop
	done
done

rm -f "$tmp"/bench.db*
start "$tmp/bench.db" full normal
WATS_FIXTURE=$fixture WATS_TOKEN=$token run \
	"POST /api/Report/WSJF 97 KB db=file full sync=normal" -s "$here/devserver_submit.lua" "$url"
stop

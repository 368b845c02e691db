#!/bin/sh
# web_bench: watsd's web configurator backend on loopback (docs/web.md): the embedded page and
# its assets (bytes, first load, 304 revalidation), GET /api/dashboard (one second's poll),
# PUT /api/config (validate + atomic write + reload), POST /api/test/convert of the WSJF
# fixture, and the dashboard poll under wrk. Each figure is the minimum and the median of N
# runs of curl's own time_total (process start-up not included).
# Usage: bench/web_bench.sh BUILD_DIR [N]
set -eu
build=${1:-build/bench}
n=${2:-50}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
fixture=$here/../shared/fixtures/new_report_example.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/web-bench.XXXXXX")
ds=; wd=
trap '[ -n "$wd" ] && kill $wd 2>/dev/null; [ -n "$ds" ] && kill $ds 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/bench/devserver_start.sh"
mkdir -p "$tmp/inbox"
key=web-bench-key-0123456789abcdef
printf '%s' "$key" > "$tmp/apikey"; chmod 600 "$tmp/apikey"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/b.json" <<EOF
{"schema_version":1,"server":{"url":"$url","token_file":"token"},
 "watch":[{"path":"inbox","stable_ms":100}],"log":{"file":"watsd.log","level":"warning"},
 "http":{"port":$port,"api_key_file":"apikey"}}
EOF
chmod 600 "$tmp/b.json"
"$build/src/watsd/watsd" --config "$tmp/b.json" --ready-fd 3 3>"$tmp/w.ready" &
wd=$!
while ! grep -q READY "$tmp/w.ready" 2>/dev/null; do sleep 0.05; done
base=http://127.0.0.1:$port
c() { curl -s --noproxy '*' "$@"; }
# Log in: the cookie jar and the CSRF token.
csrf=$(c -c "$tmp/jar" -H 'Content-Type: application/json' -d "{\"key\":\"$key\"}" "$base/api/login" |
	sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p')
[ -n "$csrf" ] || { echo "web_bench: login failed" >&2; exit 1; }

# stats LABEL CURL-ARGS...: min and median of time_total over n runs, in ms.
stats() {
	label=$1; shift
	i=0; : > "$tmp/t"
	while [ $i -lt "$n" ]; do
		c -o /dev/null -w '%{time_total}\n' -b "$tmp/jar" "$@" >> "$tmp/t"
		i=$((i + 1))
	done
	sort -n "$tmp/t" | awk -v l="$label" '{a[NR]=$1*1000} END {printf "%-44s min %7.2f ms  median %7.2f ms\n", l, a[1], a[int((NR+1)/2)]}'
}

echo "load: $(uptime | sed 's/.*load average/load average/')"
assets=$(c "$base/" | grep -o '\(src\|href\)="[^"]*"' | sed 's/.*="\(.*\)"/\1/' | grep -v '^http' | tr '\n' ' ')
total=$(c -o /dev/null -w '%{size_download}' "$base/")
for a in $assets; do
	total=$((total + $(c -o /dev/null -w '%{size_download}' "$base/${a#/}")))
done
echo "page: index.html + the assets it names ($assets): $total bytes"
etag=$(c -D - -o /dev/null "$base/" | sed -n 's/^[Ee][Tt]ag: *\([^\r]*\).*/\1/p')
stats "GET / (index.html, 200)" "$base/"
stats "GET / with If-None-Match (304)" -H "If-None-Match: $etag" "$base/"
stats "GET /api/session" "$base/api/session"
stats "GET /api/dashboard" "$base/api/dashboard"
stats "GET /api/config" "$base/api/config"
stats "PUT /api/config (station.location)" -X PUT -H "X-CSRF-Token: $csrf" \
	-H 'Content-Type: application/json' -d '{"changes":{"station.location":"Bench"}}' "$base/api/config"
if [ -f "$fixture" ]; then
	stats "POST /api/test/convert ($(wc -c < "$fixture") B WSJF)" -H "X-CSRF-Token: $csrf" \
		--data-binary @"$fixture" "$base/api/test/convert?name=r.json"
fi
if command -v wrk >/dev/null; then
	sid=$(sed -n 's/.*watsd_session[[:space:]]*\([0-9a-f]*\).*/\1/p' "$tmp/jar")
	wrk -t1 -c4 -d"${WATS_BENCH_SECONDS:-5}"s -H "Cookie: watsd_session=$sid" \
		"$base/api/dashboard" | sed -n 's/^Requests\/sec:/GET \/api\/dashboard under wrk (4 connections): req\/s/p'
fi
echo "watsd RSS after: $(awk '/VmRSS/ {print $2 " kB"}' /proc/$wd/status)"

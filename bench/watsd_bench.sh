#!/bin/sh
# watsd_bench: N small WSJF files dropped at once into a watched folder; time until all are
# uploaded to wats-devserver, the drop-to-uploaded latency of single files, and watsd's RSS.
# Usage: bench/watsd_bench.sh BUILD_DIR [N] [CONVERT_WORKERS] [UPLOAD_WORKERS]
set -eu
build=${1:-build/bench}
n=${2:-2000}
cw=${3:-4}
uw=${4:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
wats=$build/src/cli/wats
tmp=$(mktemp -d "${TMPDIR:-/tmp}/watsd-bench.XXXXXX")
ds=; wd=
trap '[ -n "$wd" ] && kill $wd 2>/dev/null; [ -n "$ds" ] && kill $ds 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
token=$(printf dev:dev | base64)
"$build/src/devserver/wats-devserver" --listen 127.0.0.1:0 --token "$token" --validate light \
	--ready-fd 3 3>"$tmp/ds.ready" 2>/dev/null &
ds=$!
while ! grep -q READY "$tmp/ds.ready" 2>/dev/null; do sleep 0.05; done
url=$(sed -n 's/^READY //p' "$tmp/ds.ready")
mkdir -p "$tmp/inbox" "$tmp/stage"
printf '%s' "$token" > "$tmp/token"; chmod 600 "$tmp/token"
cat > "$tmp/b.json" <<EOF
{"schema_version":1,"server":{"url":"$url","token_file":"token"},
 "watch":[{"path":"inbox","post_action":"delete","stable_ms":100}],
 "workers":{"convert":$cw,"upload":$uw},"log":{"file":"watsd.log","level":"warning"}}
EOF
"$build/src/watsd/watsd" --config "$tmp/b.json" --ready-fd 3 3>"$tmp/w.ready" &
wd=$!
while ! grep -q READY "$tmp/w.ready" 2>/dev/null; do sleep 0.05; done
rss() { awk '/VmRSS/ {print $2 " kB"}' /proc/$wd/status; }
echo "watsd idle RSS: $(rss)"

# Single files, one at a time: drop-to-uploaded latency (queue creation to server answer is in
# the queue; the drop time is taken here).
python3 - "$here/examples/inbox/functional_test.json" "$tmp/stage" "$n" <<'EOF'
import json, sys, uuid
src, stage, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(src))
for i in range(n + 20):
    doc["id"] = str(uuid.uuid4()); doc["sn"] = "B%07d" % i
    with open("%s/r%06d.json" % (stage, i), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
EOF
sent() { "$wats" queue status --state-dir "$tmp/b.state" --json | sed -n 's/.*"sent":\([0-9]*\).*/\1/p'; }
lat=""
for i in $(seq 0 19); do
	f=$(printf 'r%06d.json' $((n + i)))
	before=$(sent)
	t0=$(date +%s%N)
	mv "$tmp/stage/$f" "$tmp/inbox/$f"
	while [ "$(sent)" -le "$before" ]; do :; done
	t1=$(date +%s%N)
	lat="$lat $(( (t1 - t0) / 1000000 ))"
done
echo "single-file drop-to-uploaded (ms, includes ~2 ms of polling with wats queue):$lat"
echo "$lat" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " ms"}'

base=$(sent)
t0=$(date +%s%N)
mv "$tmp/stage"/r*.json "$tmp/inbox/"
while [ "$(sent)" -lt $((base + n)) ]; do sleep 0.05; done
t1=$(date +%s%N)
echo "$n files dropped at once: all uploaded in $(( (t1 - t0) / 1000000 )) ms (convert $cw, upload $uw workers)"
echo "watsd RSS after: $(rss)"
echo "server: $(curl -s -H "Authorization: Basic $token" "$url/_dev/stats" | sed -n 's/.*"reportsInDatabase":\([0-9]*\).*/\1/p') reports"
kill -TERM $wd; wait $wd; wd=

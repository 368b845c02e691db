#!/bin/sh
# watsd_bench: N small WSJF files dropped at once into a watched folder; time until all are
# uploaded to wats-devserver, the drop-to-uploaded latency of single files, and watsd's RSS.
# Usage: bench/watsd_bench.sh BUILD_DIR [N] [CONVERT_WORKERS] [UPLOAD_WORKERS] [WAITING]
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
. "$here/bench/devserver_start.sh"
mkdir -p "$tmp/inbox" "$tmp/stage"
cat > "$tmp/b.json" <<EOF
{"schema_version":1,"server":{"url":"$url","token_file":"token"},
 "watch":[{"path":"inbox","post_action":"delete","stable_ms":100}],
 "workers":{"convert":$cw,"upload":$uw},"log":{"file":"watsd.log","level":"warning"}}
EOF
"$build/src/watsd/watsd" --config "$tmp/b.json" --ready-fd 3 3>"$tmp/w.ready" &
wd=$!
while ! grep -q READY "$tmp/w.ready" 2>/dev/null; do sleep 0.05; done
# RSS, PSS (shared pages divided among the processes that map them) and the peak RSS so far.
rss() {
	r=$(awk '/^VmRSS/ {print $2}' /proc/$wd/status); h=$(awk '/^VmHWM/ {print $2}' /proc/$wd/status)
	p=$(awk '/^Pss:/ {print $2}' /proc/$wd/smaps_rollup 2>/dev/null || echo '?')
	echo "RSS $r kB, PSS $p kB, peak RSS $h kB"
}
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
# Poll the queue file directly (--direct), not through watsd's control socket: the measurement
# must not add work to the process it measures. (An older wats without --direct reads the file.)
direct=; "$wats" queue 2>&1 | grep -q -- --direct && direct=--direct
sent() { "$wats" queue status $direct --state-dir "$tmp/b.state" --json | sed -n 's/.*"sent":\([0-9]*\).*/\1/p'; }
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

# Optional: WAITING (5th argument, e.g. 100000) files converted while the server is away (a
# closed port): RSS with that many reports waiting in the queue (the goal: flat).
waiting=${5:-0}
[ "$waiting" -gt 0 ] || exit 0
rm -rf "$tmp/inbox"/* "$tmp/stage"/* "$tmp/w.state" "$tmp/w.ready"
cat > "$tmp/w.json" <<EOF2
{"schema_version":1,"server":{"url":"http://127.0.0.1:9","token_file":"token"},
 "watch":[{"path":"inbox","post_action":"delete","stable_ms":100}],
 "queue":{"max_items":$((waiting * 2))},
 "workers":{"convert":$cw,"upload":$uw},"log":{"file":"w.log","level":"error"}}
EOF2
"$build/src/watsd/watsd" --config "$tmp/w.json" --ready-fd 3 3>"$tmp/w.ready" &
wd=$!
while ! grep -q READY "$tmp/w.ready" 2>/dev/null; do sleep 0.05; done
sleep 1
echo "waiting run: idle $(rss)"
python3 - "$here/examples/inbox/functional_test.json" "$tmp/stage" "$waiting" <<'EOF2'
import json, sys, uuid
src, stage, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(src))
for i in range(n):
    doc["id"] = str(uuid.uuid4()); doc["sn"] = "W%07d" % i
    with open("%s/w%07d.json" % (stage, i), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
EOF2
queued() { "$wats" queue status $direct --state-dir "$tmp/w.state" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(sum(int(v) for k, v in j.items() if k in ("queued", "transferring", "error")))' 2>/dev/null || echo 0; }
t0=$(date +%s%N)
find "$tmp/stage" -name 'w*.json' -exec mv -t "$tmp/inbox/" {} +
while [ "$(queued)" -lt "$waiting" ]; do sleep 1; done
t1=$(date +%s%N)
echo "waiting run: $waiting reports queued in $(( (t1 - t0) / 1000000 )) ms; RSS $(rss)"
sleep 20
echo "waiting run: 20 s later (uploads failing, backoff) RSS $(rss)"
kill -TERM $wd; wait $wd; wd=

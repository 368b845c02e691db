#!/bin/sh
# make demo: the station client end to end.
#  1. a short look at the CLI on one fixture (validate, lossless fmt, summary);
#  2. the main job: wats-devserver on a free port, watsd on a temporary instance watching a
#     temporary inbox, the sample files of examples/inbox dropped in, wait until every report
#     is uploaded, a table (file, converter, report id, state, latency) from the queue, a query
#     back from the server, then both stopped cleanly.
# Usage: scripts/demo.sh BUILD_DIR     (make demo passes build/release)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
case $build in /*) ;; *) build=$here/$build ;; esac
wats=$build/src/cli/wats
devserver=$build/src/devserver/wats-devserver
watsd=$build/src/watsd/watsd
fixtures=$here/../shared/fixtures
samples=$here/examples/inbox
for b in "$wats" "$devserver" "$watsd"; do
	if [ ! -x "$b" ]; then
		echo "demo: $b not found; build first (make build)" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wats-demo.XXXXXX")
ds_pid= ; wd_pid=
cleanup() {
	[ -n "$wd_pid" ] && kill "$wd_pid" 2>/dev/null
	[ -n "$ds_pid" ] && kill "$ds_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
failed=0

# ---- 1. the CLI, briefly --------------------------------------------------------------------
if [ -f "$fixtures/new_report_example.json" ]; then
	f=$fixtures/new_report_example.json
	echo "=== wats on ../shared/fixtures/new_report_example.json"
	"$wats" validate "$f" || failed=1
	if "$wats" fmt -o "$tmp/out.json" "$f" && cmp -s "$f" "$tmp/out.json"; then
		echo "wats fmt: byte for byte identical (lossless)"
	else
		echo "demo: wats fmt changed the report"; failed=1
	fi
	"$wats" summary "$f" || failed=1
	echo
else
	echo "=== (no ../shared/fixtures beside the repository: CLI part skipped)"
fi

# ---- 2. watsd end to end ----------------------------------------------------------------------
echo "=== watsd end to end: wats-devserver + watsd + the files of examples/inbox"
token=$(printf dev:dev | base64)
"$devserver" --listen 127.0.0.1:0 --token "$token" --ready-fd 3 3>"$tmp/ds.ready" 2>"$tmp/devserver.log" &
ds_pid=$!
i=0
while ! grep -q READY "$tmp/ds.ready" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "demo: wats-devserver did not start:"; cat "$tmp/devserver.log"; exit 1; }
	sleep 0.1
done
url=$(sed -n 's/^READY //p' "$tmp/ds.ready")
echo "wats-devserver: $url"

mkdir -p "$tmp/inbox"
printf '%s' "$token" > "$tmp/token"
chmod 600 "$tmp/token"
cat > "$tmp/demo.json" <<EOF
{
  "schema_version": 1,
  "instance": "demo",
  "server": { "url": "$url", "token_file": "token" },
  "station": { "name": "DEMO-STATION", "location": "Demo lab", "purpose": "Demo" },
  "watch": [ { "path": "inbox", "converter": "auto", "patterns": "*", "priority": 5,
               "post_action": "move", "stable_ms": 200 } ],
  "workers": { "convert": 2, "upload": 4 },
  "log": { "format": "text", "level": "info", "file": "watsd.log" }
}
EOF
"$watsd" --config "$tmp/demo.json" --ready-fd 3 3>"$tmp/watsd.ready" 2>"$tmp/watsd.err" &
wd_pid=$!
i=0
while ! grep -q READY "$tmp/watsd.ready" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "demo: watsd did not start:"; cat "$tmp/watsd.err" "$tmp/watsd.log" 2>/dev/null; exit 1; }
	sleep 0.1
done
echo "watsd: instance demo, state in $tmp/demo.state, watching $tmp/inbox"

n=0
for f in "$samples"/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	cp "$f" "$tmp/inbox/.$name.tmp" && mv "$tmp/inbox/.$name.tmp" "$tmp/inbox/$name"
	n=$((n + 1))
done
# Real files from the testers stations have, when ../shared/fixtures is beside the repository:
# watsd picks the converter of each by detection (the watch folder says "auto").
for rel in teststand-xml/ts-with-wats.xml spea-3030/testdata_SN9871234012.csv \
	   teradyne-gr228x/43420_BIO2.LOG teradyne-spectrum/sample_ict_data.txt \
	   takaya/PB2939800_E_BOT.ATD xjtag/demonstration-hardware.xjlog saki-aoi/SAKI-testdata.xml \
	   sigmaquest/testdata_SN651658.xml stepwize/20250316_133653_CONFIG_AND_RESULTS.XSPC \
	   listen-soundcheck/us-complete-test.txt; do
	f=$fixtures/vendor/$rel
	[ -f "$f" ] || continue
	name=$(basename "$f")
	cp "$f" "$tmp/inbox/.$name.tmp" && mv "$tmp/inbox/.$name.tmp" "$tmp/inbox/$name"
	n=$((n + 1))
done
echo "dropped $n files into the inbox"

# Wait until every file has left the inbox (Done or Error) and nothing waits in the queue.
state=$tmp/demo.state
i=0
while :; do
	left=$(find "$tmp/inbox" -maxdepth 1 -type f | wc -l)
	waiting=$("$wats" queue status --state-dir "$state" --json 2>/dev/null |
		sed -n 's/.*"queued":\([0-9]*\),"transferring":\([0-9]*\),"error":\([0-9]*\).*/\1 \2 \3/p' |
		awk '{print $1 + $2 + $3}')
	[ "$left" -eq 0 ] && [ "${waiting:-1}" -eq 0 ] && break
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		echo "demo: not everything was uploaded within 30 s"; failed=1; break
	fi
	sleep 0.1
done
echo
echo "--- the queue (wats queue list --state-dir ...): file, converter, report id, state, latency"
"$wats" queue list --state-dir "$state" || failed=1
if [ -d "$tmp/inbox/Error" ] && [ -n "$(ls -A "$tmp/inbox/Error")" ]; then
	echo "--- files that failed conversion:"
	for r in "$tmp/inbox/Error"/*.reason; do [ -f "$r" ] && sed -n 's/^error: /  /p' "$r"; done
	failed=1
fi
echo
echo "--- back from the server (wats report query):"
WATS_BASE_URL=$url WATS_AUTH_TOKEN=$token WATS_STATION_FILE=/nonexistent "$wats" report query || failed=1
sent=$("$wats" queue status --state-dir "$state" --json | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')

echo
kill -TERM "$wd_pid"; wait "$wd_pid"; rc=$?; wd_pid=
[ $rc -eq 0 ] || { echo "demo: watsd exited with $rc"; failed=1; }
kill -TERM "$ds_pid"; wait "$ds_pid"; rc=$?; ds_pid=
[ $rc -eq 0 ] || { echo "demo: wats-devserver exited with $rc"; failed=1; }
echo "--- watsd log (last lines):"
tail -n 4 "$tmp/watsd.log"
echo
if [ "${sent:-0}" -lt 1 ]; then
	echo "demo: nothing was uploaded"; failed=1
fi
if [ $failed -ne 0 ]; then
	echo "demo: FAILED (see above)"
	exit 1
fi
echo "demo: $n files dropped, $sent reports uploaded by watsd and read back; both stopped cleanly"

# Sourced by the watsd benchmarks: starts wats-devserver (light validation, a free port) from
# $build with the token dev:dev, sets ds (its pid), url and token, and writes the token to
# $tmp/token (0600). The caller's EXIT trap stops it (kill $ds).
token=$(printf dev:dev | base64)
"$build/src/devserver/wats-devserver" --listen 127.0.0.1:0 --token "$token" --validate light \
	--ready-fd 3 3>"$tmp/ds.ready" 2>/dev/null &
ds=$!
while ! grep -q READY "$tmp/ds.ready" 2>/dev/null; do sleep 0.05; done
url=$(sed -n 's/^READY //p' "$tmp/ds.ready")
printf '%s' "$token" > "$tmp/token"; chmod 600 "$tmp/token"

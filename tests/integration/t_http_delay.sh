# handler = "http": the class's delay_ms still holds each answer; the
# connections wait together, not in turn.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; delay_ms = 600; } );
EOF2
start -c "$CFG"

t0=$(date +%s%3N)
for i in 1 2 3 4; do
	curl -sS --max-time 5 --interface 127.0.0.1$i -o "$TMP/body.$i" \
	    -w '%{http_code}\n' "http://127.0.0.1:$PORT/" \
	    >"$TMP/code.$i" 2>>"$TMP/clients.err" &
	CLIENTS+=($!)
done
wait_clients
t1=$(date +%s%3N)
for i in 1 2 3 4; do
	[ "$(cat "$TMP/code.$i")" = 200 ] || fail "client $i: status $(cat "$TMP/code.$i")"
	reply_matches "$TMP/body.$i" 'Request handled with normal priority by worker ([0-9]+)' ||
	    fail "client $i: body $(cat "$TMP/body.$i")"
done
[ $((t1 - t0)) -ge 600 ] || fail "answered after $((t1 - t0)) ms, before the delay"
[ $((t1 - t0)) -lt 2000 ] || fail "4 answers took $((t1 - t0)) ms: one after the other?"
stop

# A worker holds each connection delay_ms without blocking the others:
# one worker serves 5 clients of 500 ms each together, not one by one.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; workers = 1; delay_ms = 500; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -c "$CFG"
t0=$(date +%s%N)
for i in 1 2 3 4 5; do
	ask_bg 127.0.0.100 "$TMP/reply.$i"
done
wait_clients
ms=$((($(date +%s%N) - t0) / 1000000))
for i in 1 2 3 4 5; do
	reply_matches "$TMP/reply.$i" 'Request handled with slow priority by worker [0-9]+' ||
	    fail "client $i: got $(printf %q "$(cat "$TMP/reply.$i")")"
done
[ "$ms" -ge 450 ] || fail "5 replies in $ms ms: delay_ms = 500 not applied"
[ "$ms" -lt 2400 ] || fail "5 replies took $ms ms: served one after the other"
stop

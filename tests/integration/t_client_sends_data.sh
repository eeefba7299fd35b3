# A client that sends a request first (as HTTP clients do) still gets the
# whole reply: the unread bytes do not turn the close into a reset.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; delay_ms = 200; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -c "$CFG"
for src in 127.0.0.1 127.0.0.100; do
	head -c 20000 /dev/zero | tr '\0' x |
	    timeout 10 socat -t 10 -T 5 - "$(client_addr $src)" >"$TMP/reply.$src" 2>>"$TMP/clients.err" || true
done
reply_matches "$TMP/reply.127.0.0.1" 'Request handled with normal priority by worker [0-9]+' ||
    fail "normal client got $(printf %q "$(cat "$TMP/reply.127.0.0.1")")"
reply_matches "$TMP/reply.127.0.0.100" 'Request handled with slow priority by worker [0-9]+' ||
    fail "slow client got $(printf %q "$(cat "$TMP/reply.127.0.0.100")")"
stop

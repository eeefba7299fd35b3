# A client that sends a request first (as HTTP clients do) still gets the
# whole reply: the unread bytes do not turn the close into a reset.  Each
# client's worker is stopped until the request is in the server's socket,
# so that it is sent first however the machine schedules the client.  (A
# client that sends only after the worker has replied and read nothing
# races the close: the worker cannot know that more is coming.)
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; delay_ms = 200; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

# queued_bytes: what waits unread in the server's end of client SRC's
# connection.
queued_bytes() {
	ss -Htn "( sport = :$PORT )" |
	    awk -v src="$1:" 'index($5, src) == 1 { print $2 }'
}

start -c "$CFG"
for src in 127.0.0.1 127.0.0.100; do
	case $src in 127.0.0.100) class=slow ;; *) class=normal ;; esac
	worker=$(logged_workers "$class")
	kill -STOP "$worker"
	{ head -c 20000 /dev/zero | tr '\0' x |
	    timeout 10 socat -t 10 -T 5 - "$(client_addr $src)" >"$TMP/reply.$src" 2>>"$TMP/clients.err" || true; } &
	client=$!
	poll 5 eval '[ "$(queued_bytes "$src")" -gt 0 ] 2>/dev/null' ||
	    fail "client $src: no request in the server's socket"
	kill -CONT "$worker"
	wait "$client"
done
reply_matches "$TMP/reply.127.0.0.1" 'Request handled with normal priority by worker [0-9]+' ||
    fail "normal client got $(printf %q "$(cat "$TMP/reply.127.0.0.1")")"
reply_matches "$TMP/reply.127.0.0.100" 'Request handled with slow priority by worker [0-9]+' ||
    fail "slow client got $(printf %q "$(cat "$TMP/reply.127.0.0.100")")"
stop

# A worker killed while it holds connections: its death is logged with
# the number of connections it had in hand, which are lost (the clients
# see the close, without a reply); the class goes on being served.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; delay_ms = 10000; } );
EOF

start -v -c "$CFG"
victim=$(logged_workers normal)
ask_held 127.0.0.1 "$TMP/a"
ask_held 127.0.0.2 "$TMP/b"
wait_log_count "^dispatcher: debug: connection [0-9]+ from .* -> default class normal\$" 2
# Both are in its hands once it holds two client sockets.
held() {
	[ "$(ss -Htnp state established "( sport = :$PORT )" |
	    grep -c "pid=$victim,")" -eq 2 ]
}
poll 5 held || fail "worker $victim does not hold both clients"
kill -KILL "$victim"
wait_log "^dispatcher: warning: worker $victim \\(class normal\\) killed by signal 9; 2 connections in hand lost\$" 5
wait_clients
[ ! -s "$TMP/a" ] && [ ! -s "$TMP/b" ] || fail "a client of the killed worker got a reply"
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 2 5
stop

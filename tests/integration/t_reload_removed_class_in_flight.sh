# A reload that removes a class does not cut the connection its worker
# holds: the client gets its reply, then the worker exits.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; delay_ms = 1000; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -v -c "$CFG"
slow=$(logged_workers slow)
ask_bg 127.0.0.100 "$TMP/inflight"
wait_log '^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:.* -> class slow$'

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
expect_class 127.0.0.100 normal
wait_clients
reply_matches "$TMP/inflight" "Request handled with slow priority by worker $slow" ||
    fail "in-flight client got $(printf %q "$(cat "$TMP/inflight")")"
poll 5 eval '! is_worker "$slow"' || fail "worker $slow of the removed class still runs"
stop

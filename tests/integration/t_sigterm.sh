# SIGTERM: a connection in hand still gets its reply, then the dispatcher
# says so, exits 0 and leaves no worker behind.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; delay_ms = 1000; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -v -c "$CFG"
ask_bg 127.0.0.100 "$TMP/inflight"
wait_log '^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:.* -> class slow$'
stop TERM
wait_clients
reply_matches "$TMP/inflight" 'Request handled with slow priority by worker [0-9]+' ||
    fail "in-flight client got $(printf %q "$(cat "$TMP/inflight")")"
expect_line "dispatcher: info: shutting down"
expect_line "dispatcher: info: exiting"
[ "$(grep '^dispatcher: ' "$LOG" | tail -n 1)" = "dispatcher: info: exiting" ] ||
    fail "\"exiting\" is not the dispatcher's last line"
[ "$(grep -n 'info: shutting down$' "$LOG" | cut -d: -f1)" -lt \
  "$(grep -n 'info: exiting$' "$LOG" | cut -d: -f1)" ] || fail "exiting before shutting down"

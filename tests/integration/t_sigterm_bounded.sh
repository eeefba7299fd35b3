# SIGTERM does not wait without bound for a connection in hand: with a
# delay of 10 minutes the dispatcher still exits 0, its workers gone.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; delay_ms = 600000; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -v -c "$CFG"
ask_bg 127.0.0.100 "$TMP/inflight"
wait_log '^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:.* -> class slow$'
stop TERM 30
wait_clients
expect_line "dispatcher: info: exiting"

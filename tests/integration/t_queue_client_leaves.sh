# A client that disconnects while waiting in the queue is dropped from it
# and never handed to a worker.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; max_connections = 1; queue = 5; delay_ms = 800; } );
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
# This one closes its side at once (empty input), while queued.
ask_bg 127.0.0.2 "$TMP/b"
wait_log "connection 2 from 127.0.0.2:[0-9]+ left the queue of class normal\$"
ask_held 127.0.0.3 "$TMP/c"
wait_clients
reply_matches "$TMP/c" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "client after the one that left: $(cat "$TMP/c")"
expect_no_log '^dispatch-worker\[[0-9]+\]: debug: connection 2 '
stop

# A client that resets its connection while waiting in the queue, at once
# or after closing its side, is dropped from it and never handed to a
# worker.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; max_connections = 1; queue = 5; delay_ms = 1500; } );
EOF2

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
# Reset at once: killed, socat never shuts its side down.
socat -u "$(client_addr 127.0.0.2),linger=0" - >/dev/null \
    2>>"$TMP/clients.err" &
reset=$!
wait_log 'connection 2 from .* -> default class normal$'
kill -KILL "$reset"
wait_log "connection 2 from 127\.0\.0\.2:[0-9]+ left the queue of class normal: Connection reset by peer\$"
# A FIN at once, which keeps its place, then the reset.
timeout 10 socat -t 0.3 - "$(client_addr 127.0.0.3),linger=0" </dev/null \
    >/dev/null 2>>"$TMP/clients.err" &
CLIENTS+=($!)
wait_log "connection 3 from 127\.0\.0\.3:[0-9]+ closed its side; it keeps its place in the queue of class normal\$"
wait_log "connection 3 from 127\.0\.0\.3:[0-9]+ left the queue of class normal: reset after closing its side\$"
ask_held 127.0.0.4 "$TMP/d"
wait_clients
reply_matches "$TMP/d" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "client after the ones that left: $(printf %q "$(cat "$TMP/d")")"
expect_no_log '^dispatch-worker\[[0-9]+\]: debug: connection [23] '
stop

# With abort_on_close, a queued client that half-closes is taken as gone:
# it leaves the queue without a reply and never reaches a worker.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; max_connections = 1; queue = 5; delay_ms = 800;
              abort_on_close = true; } );
EOF2

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
# Empty input: this client shuts down its side at once, while queued.
ask_bg 127.0.0.2 "$TMP/b"
wait_log "connection 2 from 127\.0\.0\.2:[0-9]+ left the queue of class normal: closed its side \(abort_on_close\)\$"
ask_held 127.0.0.3 "$TMP/c"
wait_clients
[ ! -s "$TMP/b" ] || fail "half-closed client got $(printf %q "$(cat "$TMP/b")")"
reply_matches "$TMP/c" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "client after the one that left: $(printf %q "$(cat "$TMP/c")")"
expect_no_log '^dispatch-worker\[[0-9]+\]: debug: connection 2 '
stop

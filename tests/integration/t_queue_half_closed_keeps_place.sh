# A queued client that half-closes (sends FIN once its input ends, as
# "socat - TCP:... </dev/null" does) still waits for its reply: it keeps
# its place in the queue and is served when a slot frees.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; max_connections = 1; queue = 5; delay_ms = 800; } );
EOF2

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
# Empty input: this client shuts down its side at once, while queued.
ask_bg 127.0.0.2 "$TMP/b"
wait_log "connection 2 from 127\.0\.0\.2:[0-9]+ closed its side; it keeps its place in the queue of class normal\$"
wait_clients
reply_matches "$TMP/a" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "first client: $(printf %q "$(cat "$TMP/a")")"
reply_matches "$TMP/b" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "half-closed queued client: $(printf %q "$(cat "$TMP/b")")"
expect_no_log 'left the queue'
stop

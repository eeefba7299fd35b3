# max_connections = 1 and queue = 1: the second client waits and is
# served after the first, the third finds the class and its queue full
# and is rejected at once with the busy reply.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 1; delay_ms = 1000;
    busy_reply = "busy, try later\n"; }
);
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/b"
wait_log 'connection 2 from .* -> default class normal$'
t0=$(date +%s%3N)
ask_held 127.0.0.3 "$TMP/c"
wait_clients
reply_matches "$TMP/a" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "first client: $(cat "$TMP/a")"
reply_matches "$TMP/b" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "second (queued) client: $(cat "$TMP/b")"
[ "$(cat "$TMP/c")" = "busy, try later" ] || fail "third client: '$(cat "$TMP/c")'"
[ "$(cat "$TMP/b.time")" -gt "$(cat "$TMP/a.time")" ] ||
    fail "the queued client was served before the first"
[ $(($(cat "$TMP/c.time") - t0)) -lt 500 ] ||
    fail "the rejection took $(($(cat "$TMP/c.time") - t0)) ms"
wait_log "connection 3 from 127.0.0.3:[0-9]+: class normal and its queue are full; rejected\$"
stop

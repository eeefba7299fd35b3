# A connection that waits in the queue longer than queue_timeout_ms is
# rejected, with the busy reply.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 5; delay_ms = 2000;
    queue_timeout_ms = 300; busy_reply = "timed out\n"; }
);
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
t0=$(date +%s%3N)
ask_held 127.0.0.2 "$TMP/b"
wait_clients
[ "$(cat "$TMP/b")" = "timed out" ] || fail "queued client: '$(cat "$TMP/b")'"
waited=$(($(cat "$TMP/b.time") - t0))
[ "$waited" -ge 250 ] && [ "$waited" -lt 1500 ] ||
    fail "rejected after about $waited ms, expected about 300"
reply_matches "$TMP/a" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "first client: $(cat "$TMP/a")"
wait_log "connection 2 from 127.0.0.2:[0-9]+: class normal queue timeout; rejected\$"
stop

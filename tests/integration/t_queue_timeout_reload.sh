# Every queued connection leaves at its own deadline, the one it was
# queued with: after a reload sets queue_timeout_ms, a newer connection
# times out although an older one without a deadline waits ahead of it,
# and the older one keeps waiting.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 5; delay_ms = 2500;
    queue_timeout_ms = 0; busy_reply = "timed out\n"; }
);
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/b"
wait_log 'connection 2 from .* -> default class normal$'

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 5; delay_ms = 2500;
    queue_timeout_ms = 300; busy_reply = "timed out\n"; }
);
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
t0=$(date +%s%3N)
ask_held 127.0.0.3 "$TMP/c"
wait_log "connection 3 from 127.0.0.3:[0-9]+: class normal queue timeout; rejected\$" 3
waited=$(($(date +%s%3N) - t0))
[ "$waited" -lt 1500 ] || fail "the newer connection timed out after $waited ms, expected about 300"
expect_no_log 'connection 2 from .*queue timeout'
wait_clients
[ "$(cat "$TMP/c")" = "timed out" ] || fail "newer client: '$(cat "$TMP/c")'"
for f in a b; do
	reply_matches "$TMP/$f" "Request handled with normal priority by worker ([0-9]+)" ||
	    fail "$f: $(cat "$TMP/$f")"
done
stop

# A new binary that never says it is ready is killed after
# upgrade_timeout_ms, and the dispatcher serves on.  Meanwhile a second
# SIGUSR2 is ignored and a reload refused: the new one was handed the
# listeners as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

own_binary
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; } );
upgrade_timeout_ms = 1500;
EOF2

start_reaped -c "$CFG"
expect_class 127.0.0.5 normal
printf '#!/bin/sh\nexec sleep 30\n' >"$TMP/hung"
install_binary "$TMP/hung"
kill -USR2 "$DPID"
wait_log '^dispatcher: info: upgrade: started .* as dispatcher [0-9]+; '
new=$(sed -nE 's/^dispatcher: info: upgrade: started .* as dispatcher ([0-9]+); .*/\1/p' "$LOG")
kill -USR2 "$DPID"
expect_line "dispatcher: warning: upgrade: dispatcher $new is being started already; SIGUSR2 ignored"
kill -HUP "$DPID"
expect_line "dispatcher: warning: reload refused: an upgrade is in progress"
expect_class 127.0.0.5 normal
alive "$new" || fail "the new binary is gone before its time"

expect_line "dispatcher: warning: upgrade: dispatcher $new was not ready within 1500 ms; killing it"
expect_line "dispatcher: warning: upgrade failed: dispatcher $new was killed by signal 9 before it was ready; serving on as before"
alive "$new" && fail "the new binary still runs"
expect_class 127.0.0.5 normal

# It is over: the next upgrade goes ahead.
install_binary "$GOOD"
upgrade
expect_class 127.0.0.5 normal
stop

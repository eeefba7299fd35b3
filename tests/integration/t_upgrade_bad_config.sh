# The new dispatcher reads the configuration file as it is now: one with
# an error makes it exit 78 without touching a socket, and the running
# one serves on; a good one, changed, is what the new one runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; } );
EOF2
start_reaped -c "$CFG"
expect_class 127.0.0.100 normal

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "vip"; } );
EOF2
kill -USR2 "$DPID"
wait_log "^dispatcher: warning: $CFG:3: unknown class \"vip\""
wait_log '^dispatcher: warning: upgrade failed: dispatcher [0-9]+ exited with status 78 before it was ready; serving on as before$'
expect_class 127.0.0.100 normal
[ "$(ss -Hltn "( sport = :$PORT )" | wc -l)" -eq 1 ] || fail "not one socket on the port"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
upgrade
expect_class 127.0.0.100 special
expect_class 127.0.0.5 normal
stop

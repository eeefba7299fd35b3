# A reload keeps the socket systemd passed: the same inode serves after a
# SIGHUP.  A reload that drops its listener fails, as a start would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF2
activate -l "127.0.0.1:$PORT" -- -c "$CFG"
ino=$(inode "$PORT")
ask 127.0.0.1 >/dev/null
wait_log '^dispatcher: info: ready$'

# A second class: the listener stays.
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
kill -HUP "$DPID"
wait_log "^dispatcher: info: reloaded $CFG\$"
[ "$(inode "$PORT")" = "$ino" ] || fail "the reload replaced the inherited socket"
expect_class 127.0.0.100 special

# Without it: refused, as at start, since systemd would go on queueing
# clients in a socket nobody accepts from; the socket goes on serving.
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT2@" ];
classes = ( { name = "normal"; } );
EOF2
kill -HUP "$DPID"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_line "dispatcher: warning: inherited socket 3 \"unknown\" (127.0.0.1:$PORT): no listener of $CFG has its address"
expect_no_log "^dispatcher: info: (no longer )?listening on 127\.0\.0\.1:$PORT2"
[ "$(inode "$PORT")" = "$ino" ] || fail "the failed reload replaced the inherited socket"
expect_class 127.0.0.100 special
stop

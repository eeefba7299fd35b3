# A listener on a socket systemd passed, with a lane beside it, is handed
# over like any other: the new dispatcher serves the same two sockets,
# systemd's among them, and steers the special client to its lane.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

activate -l "127.0.0.1:$PORT" -- -v -c "$CFG"
expect_class 127.0.0.5 normal
wait_log '^dispatcher: info: ready$'
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
sockets=$(inodes)
[ "$(echo "$sockets" | wc -l)" -eq 2 ] || fail "not two sockets on the port"

old=$DPID
kill -USR2 "$old"
wait_log '^dispatcher: info: upgrade: dispatcher [0-9]+ is ready and serves; this one drains$'
new=$(sed -nE 's/^dispatcher: info: upgrade: dispatcher ([0-9]+) is ready and serves.*/\1/p' "$LOG")
exited 15
[ "$RC" -eq 0 ] || fail "the old dispatcher exited with status $RC"
# The new one is init's child now: it is stopped by hand.
DPID=$new
expect_line "dispatcher: info: upgrade: listening sockets taken over: 2"
[ "$(count_log "^dispatcher: info: lanes on 127\\.0\\.0\\.1:$PORT: 2 \\(priorities 0, 10\\)\$")" -eq 2 ] ||
    fail "the new dispatcher does not say it runs the lanes"
[ "$(inodes)" = "$sockets" ] || fail "the sockets are not those of the start: $(inodes)"
expect_class 127.0.0.100 special
wait_log "^dispatcher: debug: connection [0-9]+ from 127\\.0\\.0\\.100:[0-9]+ on 127\\.0\\.0\\.1:$PORT \\(lane 1, priority 10\\)"
expect_class 127.0.0.5 normal
if grep '^dispatcher: warning: ' "$LOG" | grep -v ': running as root: '; then
	fail "unexpected warnings"
fi
kill -TERM "$new"
poll 10 eval '! alive "$new"' || fail "the new dispatcher did not stop"
DPID=
[ "$(count_log '^dispatcher: info: exiting$')" -eq 2 ] || fail "the new dispatcher did not exit cleanly"
expect_no_log '^==[0-9]+==|runtime error: '

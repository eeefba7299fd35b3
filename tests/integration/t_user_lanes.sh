# Lanes with a drop to user nobody: every lane's socket joins the group
# as root, before the drop, so that the lanes run, on a port below 1024
# as on any other, and a special client keeps its lane.
. "$(dirname "$0")/lib.sh"

public_copies
free_low_port
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@LOWPORT@"; lanes = true; },
           { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2

start -v -c "$CFG"
[ "$(stat -c %u "/proc/$DPID")" -eq "$(id -u nobody)" ] ||
    fail "the dispatcher is not nobody's"
for p in "$LOWPORT" "$PORT"; do
	expect_line "dispatcher: info: lanes on 127.0.0.1:$p: 2 (priorities 0, 10)"
	[ "$(ss -Hltn "( sport = :$p )" | wc -l)" -eq 2 ] ||
	    fail "not two sockets on port $p"
	PORT=$p expect_class 127.0.0.100 special
	PORT=$p expect_class 127.0.0.1 normal
done
if grep -E '^dispatcher: warning: .*lane' "$LOG"; then
	fail "lanes warned about"
fi
grep -qE "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, " "$LOG" ||
    fail "127.0.0.100 did not come by lane 1: $(grep 'from 127.0.0.100' "$LOG")"
stop

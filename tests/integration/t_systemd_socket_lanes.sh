# A listener with lanes on a socket systemd passed: that socket is lane 0,
# the dispatcher opens the special lane beside it in the same
# SO_REUSEPORT group, and the kernel program steers a special client to
# it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
activate -l "127.0.0.1:$PORT" -- -v -c "$CFG"
ino=$(ss -Hltne "( sport = :$PORT )" | sed -nE 's/.* ino:([0-9]+) .*/\1/p')
ask 127.0.0.5 >/dev/null
wait_log '^dispatcher: info: ready$'
expect_line "dispatcher: info: listening on 127.0.0.1:$PORT (socket from systemd)"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
[ "$(readlink "/proc/$DPID/fd/3")" = "socket:[$ino]" ] ||
    fail "lane 0 is not the inherited socket"
[ "$(ss -Hltn "( sport = :$PORT )" | wc -l)" -eq 2 ] || fail "not two sockets on the port"

expect_class 127.0.0.100 special
expect_class 127.0.0.5   normal
on="on 127\.0\.0\.1:$PORT"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ $on \(lane 1, priority 10\): rule #1 at $CFG:3 -> class special\$"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.5:[0-9]+ $on \(lane 0, priority 0\): no rule -> default class normal\$"
# No warning (the lanes work), but the one for running as root.
if grep '^dispatcher: warning: ' "$LOG" | grep -v ': running as root: '; then
	fail "unexpected warnings"
fi
stop

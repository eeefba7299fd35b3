# A reload recompiles the program and moves the steering, without closing
# a listening socket: a new priority level opens one more lane socket, and
# a lane no longer needed is kept and still drained.
. "$(dirname "$0")/lib.sh"

# write_config RULES...: one listener with lanes, three classes.
write_config() {
	config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; },
            { name = "gold"; priority = 20; } );
rules = ( $* );
EOF2
}

lane_of() {	# SRC: the lane of the last connection from SRC
	sed -nE "s/^dispatcher: debug: connection [0-9]+ from ${1//./\\.}:[0-9]+ on [^ ]+ \(lane ([0-9]+), .*/\\1/p" \
	    "$LOG" | tail -1
}

# expect_lane SRC CLASS LANE
expect_lane() {
	local n
	n=$(count_log "from ${1//./\\.}:")
	expect_class "$1" "$2"
	wait_log_count "from ${1//./\\.}:" $((n + 1))
	[ "$(lane_of "$1")" = "$3" ] ||
	    fail "$1: accepted from lane $(lane_of "$1"), expected lane $3"
}

reload() {
	local n
	n=$(count_log '^dispatcher: info: reloaded ')
	kill -HUP "$DPID"
	wait_log_count '^dispatcher: info: reloaded ' $((n + 1))
}

write_config '{ address = "127.0.0.100"; class = "special"; }'
start -v -c "$CFG"
sockets=$(ss -Htln "( sport = :$PORT )" | wc -l)
[ "$sockets" -eq 2 ] || fail "$sockets listening sockets, expected 2"
expect_lane 127.0.0.100 special 1
expect_lane 127.0.0.101 normal  0

# The special address changes: the steering follows.
write_config '{ address = "127.0.0.101"; class = "special"; }'
reload
expect_lane 127.0.0.101 special 1
expect_lane 127.0.0.100 normal  0

# A third level: one more socket joins the group, the others stay.
write_config '{ address = "127.0.0.101"; class = "special"; },' \
    '{ address = "127.0.0.102"; class = "gold"; }'
reload
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 3 (priorities 0, 10, 20)"
sockets=$(ss -Htln "( sport = :$PORT )" | wc -l)
[ "$sockets" -eq 3 ] || fail "$sockets listening sockets, expected 3"
expect_lane 127.0.0.102 gold    2
expect_lane 127.0.0.101 special 1
expect_lane 127.0.0.100 normal  0

# Back to one level: every socket stays open, all clients go to lane 0.
write_config
reload
sockets=$(ss -Htln "( sport = :$PORT )" | wc -l)
[ "$sockets" -eq 3 ] || fail "$sockets listening sockets, expected 3"
expect_lane 127.0.0.102 normal 0
expect_lane 127.0.0.101 normal 0
expect_no_log 'no longer listening'
[ "$(count_log '^dispatcher: info: listening on ')" -eq 1 ] ||
    fail "a listening socket was opened again"
stop

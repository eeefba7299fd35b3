# When the kernel refuses the lanes program, the dispatcher says so and
# runs the listener on one socket, still routing every client by its
# rules; a reload tries again.  The kernel is made to refuse by the
# administrator's limit on a socket's option memory (net.core.optmem_max,
# which bounds a reuseport program's size), lowered in a network namespace
# of the test's own so that nothing else on the machine sees it.
if [ -z "${DISPATCHER_TEST_NETNS:-}" ]; then
	# Needs root, as the other tests do; unshare says why if it fails.
	DISPATCHER_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"

optmem() {
	echo "$1" >/proc/sys/net/core/optmem_max ||
	    fail "cannot set net.core.optmem_max to $1"
}
DEFAULT_OPTMEM=$(cat /proc/sys/net/core/optmem_max)

reload() {
	local n
	n=$(count_log '^dispatcher: info: reloaded ')
	kill -HUP "$DPID"
	wait_log_count '^dispatcher: info: reloaded ' $((n + 1))
}

sockets() {
	ss -Htln "( sport = :$PORT )" | wc -l
}

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = (
  { address = "127.0.0.100"; class = "special"; }
);
EOF2
refused="dispatcher: warning: the kernel refuses the lanes program of 127.0.0.1:$PORT; running without lanes: Cannot allocate memory"

# Refused at start: one socket, no lanes, and the rules still decide.
optmem 64
start -v -c "$CFG"
expect_line "$refused"
expect_no_log '^dispatcher: info: lanes on '
[ "$(sockets)" -eq 1 ] || fail "$(sockets) listening sockets, expected 1"
expect_class 127.0.0.100 special
expect_class 127.0.0.5   normal
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT: rule #1 at $CFG:4 -> class special\$"

# The limit raised, a reload attaches the program and opens the lane.
optmem "$DEFAULT_OPTMEM"
reload
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
[ "$(sockets)" -eq 2 ] || fail "$(sockets) listening sockets, expected 2"
expect_class 127.0.0.100 special
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, priority 10\): rule #1 at $CFG:4 -> class special\$"

# Refused again by a later reload: back to one socket, never closing the
# listener itself, and every client still served by its class.
optmem 64
reload
[ "$(count_log "^${refused//./\\.}\$")" -eq 2 ] ||
    fail "the second refusal was not reported"
[ "$(sockets)" -eq 1 ] || fail "$(sockets) listening sockets, expected 1"
expect_no_log 'no longer listening'
expect_class 127.0.0.100 special
expect_class 127.0.0.5   normal
stop

# When the kernel refuses the lanes program, the dispatcher says so and
# runs the listener without one: its sockets stay open, the kernel spreads
# connections over them, and all are drained alike, so that nothing
# waiting in a lane is lost; the rules still route every client, and a
# reload tries again.  The kernel is made to refuse by the administrator's
# limit on a socket's option memory (net.core.optmem_max, which bounds a
# reuseport program's size), lowered in a network namespace of the test's
# own so that nothing else on the machine sees it, below the size of any
# program: the dispatcher sizes its program to the limit (t_lanes_optmem),
# down to one that steers nothing, which a listener that a reload left
# with two sockets still attaches.
. "$(dirname "$0")/netns.sh"
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
too_small="dispatcher: warning: lanes on 127.0.0.1:$PORT: net.core.optmem_max leaves rules out of the program, to user space only (dispatcher -t names them)"

# Connections waiting in the accept queues of the port's sockets.
queued() {
	ss -Htln "( sport = :$PORT )" | awk '{ n += $2 } END { print n + 0 }'
}

# Every client is served by its class, whichever socket it reached.
expect_all_served() {
	local i
	for i in $(seq 1 12); do
		ask_bg "127.0.0.$((100 + i % 2))" "$TMP/reply$i"
	done
	wait_clients
	for i in $(seq 1 12); do
		if [ $((i % 2)) -eq 0 ]; then
			reply_matches "$TMP/reply$i" 'Request handled with special priority by worker [0-9]+'
		else
			reply_matches "$TMP/reply$i" 'Request handled with normal priority by worker [0-9]+'
		fi || fail "client $i: $(cat "$TMP/reply$i")"
	done
}

# No program fits at start: one lane, nothing to attach, nothing refused,
# and the rules still decide.
optmem 64
start -v -c "$CFG"
expect_line "$too_small"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 1 (priorities 0)"
expect_no_log 'refuses'
[ "$(sockets)" -eq 1 ] || fail "$(sockets) listening sockets, expected 1"
expect_all_served
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 0, priority 0\): rule #1 at $CFG:4 -> class special\$"

# The limit raised, a reload attaches the program: special clients are
# steered to their lane.
optmem "$DEFAULT_OPTMEM"
reload
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
[ "$(sockets)" -eq 2 ] || fail "$(sockets) listening sockets, expected 2"
expect_class 127.0.0.100 special
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, priority 10\): rule #1 at $CFG:4 -> class special\$"

# Refused again by a reload that comes while special clients wait in
# their lane's queue (the dispatcher stopped, the reload signalled before
# they connect, so that it is handled first): they are accepted from the
# lane, not reset with it.
optmem 64
kill -STOP "$DPID"
kill -HUP "$DPID"
for i in 1 2 3; do
	ask_bg 127.0.0.100 "$TMP/held$i"
done
poll 5 eval '[ "$(queued)" -eq 3 ]' ||
    { kill -CONT "$DPID"; fail "$(queued) connections queued, expected 3"; }
kill -CONT "$DPID"
wait_clients
for i in 1 2 3; do
	reply_matches "$TMP/held$i" 'Request handled with special priority by worker [0-9]+' ||
	    fail "held client $i: $(printf %q "$(cat "$TMP/held$i")")"
done
wait_log_count '^dispatcher: info: reloaded ' 2
[ "$(count_log "^${refused//./\\.}\$")" -eq 1 ] ||
    fail "the refusal was not reported once"
[ "$(sockets)" -eq 2 ] || fail "$(sockets) listening sockets, expected 2"
expect_no_log 'no longer listening'
expect_all_served
stop

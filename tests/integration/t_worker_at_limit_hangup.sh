# A worker at its descriptor limit stops reading its channel.  When the
# dispatcher then goes (here it is killed), the channel's hang-up, which
# epoll reports whatever it is asked for, must not wake the worker again
# and again: it waits for its connections without using the CPU, then
# serves the connections still in flight in the channel, and exits.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; delay_ms = 5000; queue = 16; } );
EOF

# The worker inherits the limit, and keeps 16 descriptors for itself:
# room for 48 connections.  The other 7 wait in the channel, which holds
# more than that (net.unix.max_dgram_qlen, 10 by default).
AS_USER=(prlimit --nofile=64:64)
start -v -c "$CFG"
worker=$(logged_workers normal)
dispatcher_fds=$(find "/proc/$DPID/fd" -mindepth 1 | wc -l)

sockets() {
	find "/proc/$1/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l
}

# bash's /dev/tcp holds the connections without a process each.
n=55
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
wait_log_count "^dispatcher: debug: connection [0-9]+ from 127\\.0\\.0\\.1:" $n
# 48 client sockets and the channel: the worker is at its limit.
poll 5 eval '[ "$(sockets "$worker")" -eq 49 ]' ||
    fail "the worker holds $(sockets "$worker") sockets, expected 49"
# The dispatcher holds none: every client is in the worker's hands or in
# the channel, so that none is lost with the dispatcher.
poll 5 eval '[ "$(find "/proc/$DPID/fd" -mindepth 1 | wc -l)" -eq "$dispatcher_fds" ]' ||
    fail "the dispatcher still holds client sockets"

kill -KILL "$DPID"
wait "$DPID" || true
DPID=

before=$(cpu_ticks "$worker")
sleep 2
used=$(($(cpu_ticks "$worker") - before))
[ "$used" -lt 20 ] ||
    fail "the worker used $used ticks of CPU in 2 s after its channel closed"

served=0
for fd in "${fds[@]}"; do
	if read -r -t 15 line <&"$fd" &&
	    [[ $line == "Request handled with normal priority by worker $worker" ]]; then
		served=$((served + 1))
	fi
	exec {fd}<&-
done
[ "$served" -eq "$n" ] || fail "$served of $n clients served"
poll 5 eval '! is_worker "$worker"' ||
    fail "the worker still runs once its connections are done"
expect_no_log '^dispatch-worker\[[0-9]+\]: (warning|fatal): '

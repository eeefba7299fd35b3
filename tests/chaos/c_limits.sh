# Out of descriptors (EMFILE) and unable to pass any (ETOOMANYREFS), under
# load: the dispatcher neither spins (its CPU time is measured while it
# is stuck) nor loses a connection once the limit clears.
#   emfile       its soft limit cut to 64 while it runs, its workers
#                stopped so that connections pile up in it
#   toomanyrefs  unprivileged (root is exempt), while another process of
#                the same user fills the user's descriptors in flight
. "$(dirname "$0")/chaos.sh"

: "${INFLIGHT:?INFLIGHT must name tests/support/inflight}"
hz=$(getconf CLK_TCK)

# stuck_cpu NAME: the dispatcher's CPU over 2 s, checked and kept in USED.
stuck_cpu() {
	local before
	before=$(cpu_ticks "$DPID")
	sleep 2
	USED=$(($(cpu_ticks "$DPID") - before))
	[ "$USED" -lt $((hz / 5)) ] ||
	    fail "$1: the stuck dispatcher used $USED ticks of CPU in 2 s"
}

# finish NAME CLIENTS: the load drains; every client served.
finish() {
	load_stop "$1"
	load_wait "$1"
	account
	figures "$1" "clients=$2 stuck_cpu_ms_per_s=$((USED * 1000 / hz / 2))"
	[ "$LOST" -eq 0 ] || fail "$1: $LOST connections lost"
	[ "$SERVED" -ge "$2" ] || fail "$1: only $SERVED served"
	stop
}

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 100; queue = 500;
              queue_timeout_ms = 60000; busy_reply = "busy\n"; } );
EOF
start -c "$CFG"
hard=$(prlimit --pid "$DPID" --nofile --raw --noheadings -o HARD)
prlimit --pid "$DPID" --nofile=64:
workers=$(live_workers)
kill -STOP $workers
load emfile -c 1500 -d 600 -t 60000 --src 127.0.1.0/24
wait_log 'pausing for 100 ms: Too many open files' 10
stuck_cpu emfile
prlimit --pid "$DPID" --nofile="$hard":
kill -CONT $workers
sleep 1
finish emfile 1500

unprivileged 128 "$INFLIGHT"
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 100; queue = 60;
              queue_timeout_ms = 60000; busy_reply = "busy\n"; } );
EOF
start -c "$CFG"
# The filler's limit is the dispatcher's: the kernel holds the user's
# descriptors in flight to the sender's RLIMIT_NOFILE.
"${AS_USER[@]}" "$BIN/inflight" >"$TMP/inflight.out" &
filler=$!
poll 5 grep -q '^full ' "$TMP/inflight.out" || fail "inflight did not fill up"
load toomanyrefs -c 50 -d 600 -t 60000 --src 127.0.1.0/24
wait_log 'too many descriptors in flight to workers' 10
stuck_cpu toomanyrefs
kill "$filler"
wait "$filler" || true
sleep 1
finish toomanyrefs 50

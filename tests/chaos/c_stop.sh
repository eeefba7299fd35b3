# A graceful stop under load, by SIGTERM to the dispatcher and by SIGINT
# to its process group (Ctrl-C in a shell): every connection it accepted
# is served, those waiting in its queue included.  What it never accepted
# is refused: the connections the kernel held in the listener's backlog
# when the stop closed it are reset, and later ones refused.
. "$(dirname "$0")/chaos.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 100;
              max_connections = 16; queue = 4096; busy_reply = "busy\n"; } );
EOF

# stop_under_load NAME SIGNAL pid|group: 3 s of load, then the signal to
# the dispatcher or to its process group.
stop_under_load() {
	local name=$1 rc=0 target
	start -c "$CFG"
	[ "$(ps -o pgid= -p "$DPID" | tr -d ' ')" = "$DPID" ] ||
	    fail "the dispatcher does not lead a process group of its own"
	load "$name" -c 64 -d 600 -t 15000 --src 127.0.1.0/24
	sleep 3
	target=$DPID
	[ "$3" = pid ] || target=-$DPID
	kill -s "$2" -- "$target"
	wait_log '^dispatcher: info: shutting down$' 5
	load_stop "$name"
	poll 20 eval '! alive "$DPID"' || fail "$name: still running 20 s after the signal"
	wait "$DPID" || rc=$?
	DPID=
	[ "$rc" -eq 0 ] || fail "$name: exit status $rc"
	load_wait "$name"
	account stop
	figures "$name" "reset_in_backlog=${L[resets]} connect_refused=${L[connect_errors]}"
	[ "$LOST" -eq 0 ] || fail "$name: $LOST accepted connections lost"
	[ "$SERVED" -gt 100 ] || fail "$name: only $SERVED served"
	expect_no_log 'killing|closed [0-9]+ queued|still in flight'
}

# setsid: a process group of its own, as a shell's job has.
AS_USER=(setsid)
stop_under_load stop-sigterm TERM pid
stop_under_load stop-group-sigint INT group

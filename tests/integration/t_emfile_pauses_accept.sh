# Out of descriptors, the dispatcher pauses accepting instead of spinning,
# and serves every waiting client once descriptors free up.  Its limit is
# lowered to 64 after start; the one worker is stopped and may hold 16, so
# that accepted connections pile up in the dispatcher's queue (not in the
# channel, which holds hundreds) until accept fails with EMFILE.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; max_connections = 16; } );
EOF

start -c "$CFG"
worker=$(logged_workers normal)
prlimit --pid "$DPID" --nofile=64:64
kill -STOP "$worker"

# bash's /dev/tcp holds the connections without a process each.
n=400
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
wait_log "^dispatcher: warning: accept on 127.0.0.1:$PORT; pausing for 100 ms: Too many open files\$"

before=$(cpu_ticks "$DPID")
sleep 2
used=$(($(cpu_ticks "$DPID") - before))
[ "$used" -lt 50 ] ||
    fail "the dispatcher used $used ticks of CPU in 2 s while out of descriptors"

kill -CONT "$worker"
served=0
for fd in "${fds[@]}"; do
	if read -r -t 10 line <&"$fd" &&
	    [[ $line == "Request handled with normal priority by worker $worker" ]]; then
		served=$((served + 1))
	fi
	exec {fd}<&-
done
[ "$served" -eq "$n" ] || fail "$served of $n clients served after descriptors freed up"
# The shortage (about two seconds of pauses) is said once, and again
# when it is over; serving the clients may run short again after that.
wait_log "^dispatcher: info: accept on 127\.0\.0\.1:$PORT again, after [0-9]+ pauses\$"
sed -n '1,/ again, after /p' "$LOG" >"$TMP/first"
[ "$(grep -c 'pausing for 100 ms' "$TMP/first")" -eq 1 ] ||
    fail "$(grep -c 'pausing for 100 ms' "$TMP/first") warnings for one shortage of descriptors"
pauses=$(sed -nE 's/.* again, after ([0-9]+) pauses$/\1/p' "$TMP/first")
[ "$pauses" -ge 5 ] || fail "the shortage lasted $pauses pauses, expected about 2 s of them"
expect_class 127.0.0.1 normal
stop

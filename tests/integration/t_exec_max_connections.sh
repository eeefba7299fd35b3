# A class's max_connections bounds the programs running at once, across
# its workers: a connection is in hand until its program exits.  Seven
# clients, programs of 1.2 s, at most 2 at a time: all served, never
# more than 2 running, and 2 at some point.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; max_connections = 2;
  handler = "exec"; command = [ "/bin/sleep", "1.234" ]; } );
EOF2

start -c "$CFG" -v
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7; do
	ask_bg "127.0.0.$((100 + i))" "$TMP/reply.$i"
done
# clients_running: whether any client has not finished yet.
clients_running() {
	local pid
	for pid in "${CLIENTS[@]}"; do
		if alive "$pid"; then return 0; fi
	done
	return 1
}
most=0
deadline=$(($(date +%s) + 20))
while clients_running && [ "$(date +%s)" -lt "$deadline" ]; do
	n=$(pgrep -fcx '/bin/sleep 1\.234' || true)
	[ "$n" -le 2 ] || fail "$n programs running at once, max_connections = 2"
	[ "$n" -le "$most" ] || most=$n
	sleep 0.05
done
wait_clients
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$most" -eq 2 ] || fail "at most $most programs at once: expected 2"
# Four rounds of 1.234 s: not fewer (the bound), not many more.
[ "$ms" -ge 4800 ] || fail "7 programs of 1.2 s, 2 at a time, done in $ms ms"
[ "$ms" -lt 12000 ] || fail "7 programs took $ms ms"
wait_log_count 'debug: connection [0-9]+ from 127\.0\.0\.10[1-7]: done, program [0-9]+ exited with status 0$' 7
stop

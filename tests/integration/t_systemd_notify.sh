# Type=notify: on a NOTIFY_SOCKET the test listens on, in order, READY=1
# once listening with the workers started; RELOADING=1 (with
# MONOTONIC_USEC=) then READY=1 around a good reload and around a failed
# one, each saying how it went in STATUS=; STOPPING=1 at SIGTERM.  No
# WATCHDOG_USEC, no watchdog ping.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

monotonic_usec() {
	python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)'
}

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; } );
EOF2
notify_listen
start -c "$CFG"
wait_notes 1
t0=$(monotonic_usec)

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@", "127.0.0.1:@PORT2@" ];
classes = ( { name = "normal"; workers = 2; } );
EOF2
kill -HUP "$DPID"
wait_notes 3
PORT=$PORT2 expect_class 127.0.0.1 normal

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = "many"; } );
EOF2
kill -HUP "$DPID"
wait_notes 5
t1=$(monotonic_usec)
expect_class 127.0.0.1 normal
stop
wait_notes 6
expect_no_log '^dispatcher: info: watchdog'

us='MONOTONIC_USEC=[0-9]+'
expected=(
	'READY=1|STATUS=ready (listeners: 1, workers: 2)'
	"RELOADING=1|STATUS=reloading|$us"
	'READY=1|STATUS=reloaded (listeners: 2, workers: 2)'
	"RELOADING=1|STATUS=reloading|$us"
	'READY=1|STATUS=reload failed, see the log; running the previous configuration (listeners: 2, workers: 2)'
	'STOPPING=1|STATUS=stopping'
)
i=0
while IFS= read -r line; do
	re=${expected[$i]-}
	re=${re//|/\\|}; re=${re//(/\\(}; re=${re//)/\\)}
	[[ $line =~ ^$re$ ]] ||
	    fail "notification $((i + 1)): got '$line', expected '${expected[$i]-nothing}'"
	i=$((i + 1))
done <"$NOTES"
[ "$i" -eq "${#expected[@]}" ] || fail "$i notifications, expected ${#expected[@]}"

# MONOTONIC_USEC is the monotonic clock at each reload.
for u in $(sed -nE 's/.*MONOTONIC_USEC=([0-9]+).*/\1/p' "$NOTES"); do
	[ "$t0" -le "$u" ] && [ "$u" -le "$t1" ] || fail "MONOTONIC_USEC=$u not within $t0-$t1"
	t0=$u
done

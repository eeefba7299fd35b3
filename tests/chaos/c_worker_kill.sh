# A worker killed with SIGKILL every second for 10 s, under load: the
# only connections lost are those in its hands (the dispatcher logs how
# many it had not reported done: an upper bound, as it may have replied
# to one and died before saying so), and each replacement holds a client
# connection within 1 s.
. "$(dirname "$0")/chaos.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 4; delay_ms = 20; busy_reply = "busy\n"; } );
EOF

start -c "$CFG"
load main -c 32 -d 600 -t 5000 --src 127.0.1.0/24
# worker_serving PID: one of its sockets is a client connection on $PORT.
worker_serving() {
	ss -Htnp state established "( sport = :$PORT )" | grep -q "pid=$1,"
}
wait_log_count 'worker [0-9]+ started' 4 5
late=0
for i in $(seq 1 10); do
	sleep 1
	# The oldest live worker, so that no slot dies twice in a row.
	victim=$(live_workers | head -n 1)
	[ -n "$victim" ] || fail "no live worker to kill"
	before=$(logged_workers | wc -l)
	kill -KILL "$victim"
	wait_log "^dispatcher: warning: worker $victim \\(class normal\\) killed by signal 9" 2
	poll 1 eval '[ "$(logged_workers | wc -l)" -gt "$before" ]' ||
	    fail "no worker started within 1 s of killing $victim"
	new=$(logged_workers | tail -n 1)
	poll 1 worker_serving "$new" || late=$((late + 1))
done
load_stop main
load_wait main
account
inhand=$(sed -nE 's/.*killed by signal 9; ([0-9]+) connections? in hand lost$/\1/p' "$LOG" |
    awk '{ n += $1 } END { print n + 0 }')
figures worker-kill "kills=10 in_hand_at_kill=$inhand late_replacements=$late"
[ "$LOST" -le "$inhand" ] ||
    fail "$LOST connections lost, but the killed workers held $inhand"
[ "$late" -eq 0 ] || fail "$late replacements held no client within 1 s"
[ "$REFUSED" -eq 0 ] || fail "$REFUSED connections refused"
stop

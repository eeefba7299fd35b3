# A worker killed while it holds a batch (connections accepted in one run
# and handed to it in one CONN): its death is logged with the number it
# held, those clients see the close without a reply, its sibling's share
# is served, and the class counts the lost ones out at once: new clients
# are handed to the new worker while the sibling still holds its share,
# although max_connections only lets them in if the batch was counted out.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 4000;
              max_connections = 6; queue = 10; } );
EOF2

start -c "$CFG"
read -r w1 w2 <<<"$(logged_workers normal | tr '\n' ' ')"
[ -n "$w1" ] && [ -n "$w2" ] || fail "not two workers: $(logged_workers normal)"

# holding PID N: PID holds N client sockets of the dispatcher's port.
holding() {
	[ "$(ss -Htnp state established "( sport = :$PORT )" |
	    grep -c "pid=$1,")" -eq "$2" ]
}

kill -STOP "$DPID"
for i in 1 2 3 4 5 6; do
	ask_held "127.0.0.$i" "$TMP/a.$i"
	poll 5 eval '[ "$(ss -Hltn "( sport = :$PORT )" | awk "{ print \$2 }")" = "$i" ]' ||
	    { kill -CONT "$DPID"; fail "client $i not queued"; }
done
kill -CONT "$DPID"
poll 5 eval 'holding "$w1" 3 && holding "$w2" 3' ||
    fail "the six not shared three and three: $(ss -Htnp state established "( sport = :$PORT )")"

kill -KILL "$w1"
wait_log "^dispatcher: warning: worker $w1 \\(class normal\\) killed by signal 9; 3 connections in hand lost\$" 5
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 3 5
w3=$(logged_workers normal | grep -vx -e "$w1" -e "$w2")
# Three in hand (w2's): three more fit under max_connections = 6 only if
# the lost three were counted out.
for i in 7 8 9; do
	ask_held "127.0.0.$i" "$TMP/a.$i"
done
poll 3 eval 'holding "$w3" 3' ||
    fail "new clients not handed out while $w2 holds its share: the lost batch still counted"
holding "$w2" 3 || fail "worker $w2 no longer holds its three"

wait_clients
served=0 lost=0
for i in 1 2 3 4 5 6 7 8 9; do
	if [ -s "$TMP/a.$i" ]; then
		reply_matches "$TMP/a.$i" "Request handled with normal priority by worker ([0-9]+)" ||
		    fail "client $i: \"$(cat "$TMP/a.$i")\""
		[ "$WORKER" != "$w1" ] || fail "client $i answered by the killed worker"
		served=$((served + 1))
	else
		lost=$((lost + 1))
	fi
done
[ "$served" -eq 6 ] && [ "$lost" -eq 3 ] ||
    fail "served $served and lost $lost, expected 6 and 3"
stop

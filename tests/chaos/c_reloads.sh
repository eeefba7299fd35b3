# 100 reloads under a closed-loop load, alternating a change of the rules
# and a change of a class (its reply: its workers are replaced, the old
# ones drain).  Nothing is lost.
. "$(dirname "$0")/chaos.sh"

# write_config RULE REPLY: the special client's address, and a word of
# the normal class's reply.
write_config() {
	config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; workers = 2; busy_reply = "busy\n";
    reply = "Request handled with {class} priority by worker {pid} ($2)\n"; },
  { name = "special"; workers = 1; busy_reply = "busy\n"; }
);
rules = ( { address = "$1"; class = "special"; } );
EOF
}

rule=100 reply=a
write_config 127.0.0.$rule $reply
start -c "$CFG"
load main -c 32 -d 600 -t 5000 --src 127.0.1.0/24
wait_log 'worker [0-9]+ started' 5
for i in $(seq 1 100); do
	# Odd reloads change the class, even ones the rules.
	if [ $((i % 2)) -eq 1 ]; then
		if [ $reply = a ]; then reply=b; else reply=a; fi
	else
		rule=$((201 - rule))
	fi
	write_config 127.0.0.$rule $reply
	kill -HUP "$DPID"
	wait_log_count '^dispatcher: info: reloaded ' "$i" 10
done
load_stop main
load_wait main
account
figures reloads "reloads=100 workers_started=$(logged_workers | wc -l)"
[ "$LOST" -eq 0 ] || fail "$LOST connections lost across 100 reloads"
[ "$REFUSED" -eq 0 ] || fail "$REFUSED connections refused across 100 reloads"
[ "$SERVED" -gt 1000 ] || fail "only $SERVED served"
stop

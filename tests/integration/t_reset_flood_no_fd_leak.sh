# A flood of clients that connect and reset at once, some while queued,
# leaves no descriptor behind in the dispatcher.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; max_connections = 2; queue = 50;
              delay_ms = 50; busy_reply = "busy\n"; } );
EOF

fds() { ls "/proc/$DPID/fd" | wc -l; }

start -c "$CFG"
before=$(fds)
for round in $(seq 1 10); do
	for i in $(seq 1 30); do
		timeout 5 socat -u /dev/null "TCP:127.0.0.1:$PORT,bind=127.0.1.$i,linger=0" \
		    2>/dev/null &
		CLIENTS+=($!)
	done
	wait_clients
done
poll 5 eval '[ "$(fds)" -eq "$before" ]' ||
    fail "descriptors: $before before the flood, $(fds) after"
expect_class 127.0.0.1 normal
stop

# Lanes with acceptors = 2: the group holds both shards' sockets of each
# lane, and the kernel program picks the client's lane, then a shard by
# the packet's hash.  Special clients come in on lane 1 and normal ones on
# lane 0, of both shards, each served by its class; a reload keeps it so.
. "$(dirname "$0")/lib.sh"

N=20
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
metrics = "127.0.0.1:@PORT2@";
acceptors = 2;
classes = ( { name = "normal"; workers = 2; },
            { name = "special"; priority = 10; workers = 2; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

# lanes TOTAL: N more clients of each class, and each shard accepted
# some of them on each lane: both workers of each class, one a shard,
# served some.  Each lane's count is TOTAL, each client's lane its class's.
lanes() {
	local lane shard w
	: >"$TMP/pids"
	for i in $(seq "$N"); do
		expect_class 127.0.0.100 special
		echo "special $WORKER" >>"$TMP/pids"
		expect_class 127.0.0.5 normal
		echo "normal $WORKER" >>"$TMP/pids"
	done
	for class in normal special; do
		for w in $(logged_workers "$class"); do
			grep -qx "$class $w" "$TMP/pids" ||
			    fail "$class worker $w (of one shard) served none of $N"
		done
	done
	scrape
	for lane in 0 1; do
		expect_metric "dispatcher_connections_accepted_total{listener=\"127.0.0.1:$PORT\",lane=\"$lane\"}" "$1"
	done
	on="on 127\.0\.0\.1:$PORT"
	[ "$(count_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ $on \(lane 1, priority 10\): rule #1 at $CFG:6 -> class special\$")" -eq "$1" ] ||
	    fail "special clients not all on lane 1"
	[ "$(count_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.5:[0-9]+ $on \(lane 0, priority 0\): no rule -> default class normal\$")" -eq "$1" ] ||
	    fail "normal clients not all on lane 0"
	for shard in 0 1; do
		[ "$(metric "dispatcher_shard_connections_accepted_total{shard=\"$shard\"}")" -gt 0 ] ||
		    fail "shard $shard accepted nothing"
	done
}

start -v -c "$CFG"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
lanes "$N"
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
lanes $((2 * N))
stop

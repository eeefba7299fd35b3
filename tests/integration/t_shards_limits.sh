# Priority and limits with acceptors = 2.  normal's max_connections = 2
# and queue = 2 are split, 1 and 1 a shard, and its workers are stopped:
# of ten normal clients at most two are in hand and two queued, across
# both shards (fewer when the kernel gives a shard fewer than two), the
# others get the busy reply at once.  Meanwhile special
# clients, a class of higher priority, are served.  When
# the workers go on, every client in hand or queued gets its reply.
. "$(dirname "$0")/lib.sh"

NORMAL_N=10
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
metrics = "127.0.0.1:@PORT2@";
acceptors = 2;
classes = (
  { name = "normal"; workers = 2; max_connections = 2; queue = 2;
    busy_reply = "busy\n"; },
  { name = "special"; priority = 10; }
);
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -v -c "$CFG"
normal=$(logged_workers normal)
[ "$(echo "$normal" | wc -w)" -eq 2 ] || fail "normal workers: $normal"
kill -STOP $normal
for i in $(seq "$NORMAL_N"); do
	ask_held "127.0.0.$i" "$TMP/n$i"
done
# Every client is matched, then held or refused: the shards split the
# clients as the kernel's hash says, so each holds at most its share.
wait_log_count '-> default class normal$' "$NORMAL_N"
poll 5 eval '[ "$(cat "$TMP"/n*.time 2>/dev/null | wc -l)" -eq "$(count_log "class normal and its queue are full; rejected$")" ]' ||
    fail "the refused clients did not all get the busy reply"
busy=0
for i in $(seq "$NORMAL_N"); do
	[ ! -e "$TMP/n$i.time" ] && continue
	[ "$(cat "$TMP/n$i")" = busy ] || fail "client $i: '$(cat "$TMP/n$i")'"
	busy=$((busy + 1))
done
scrape
inhand=$(metric 'dispatcher_connections_in_hand{class="normal"}')
queued=$(metric 'dispatcher_connections_queued{class="normal"}')
[ "$inhand" -ge 1 ] && [ "$inhand" -le 2 ] || fail "$inhand normal connections in hand, max_connections is 2"
[ "$queued" -le 2 ] || fail "$queued normal connections queued, queue is 2"
[ $((inhand + queued + busy)) -eq "$NORMAL_N" ] ||
    fail "$inhand in hand, $queued queued and $busy refused of $NORMAL_N"
expect_metric 'dispatcher_connections_refused_total{class="normal",reason="queue_full"}' "$busy"

# The higher class is served while normal is saturated.
for i in 1 2 3 4 5 6; do
	expect_class 127.0.0.100 special
done
scrape
expect_metric 'dispatcher_connections_handed_total{class="special"}' 6
expect_metric 'dispatcher_connections_in_hand{class="normal"}' "$inhand"

kill -CONT $normal
wait_clients
served=0
for i in $(seq "$NORMAL_N"); do
	if reply_matches "$TMP/n$i" "Request handled with normal priority by worker ([0-9]+)"; then
		served=$((served + 1))
	fi
done
[ "$served" -eq $((inhand + queued)) ] ||
    fail "$served normal clients served, expected the $inhand in hand and the $queued queued"
stop

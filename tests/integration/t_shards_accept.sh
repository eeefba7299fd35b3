# acceptors = 2: two shards, each accepting on its own socket of the
# listener's SO_REUSEPORT group with its own workers.  Over a few hundred
# clients from as many source ports, the kernel gives each shard some:
# each shard's count in the metrics, and replies from workers of both
# shards (the control socket's "workers" names each one's shard).  The
# counts add up to the clients, and a reload may not change the number
# of shards.  "auto" passes the check.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
CLIENTS_N=200
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
metrics = "127.0.0.1:@PORT2@";
control = "$SOCK";
acceptors = 2;
classes = ( { name = "normal"; workers = 3; } );
EOF

sed 's/^acceptors = 2;/acceptors = "auto";/' "$CFG" >"$TMP/auto.cfg"
check "$TMP/auto.cfg"
[ "$CHECK_RC" -eq 0 ] || fail "acceptors = \"auto\": $(cat "$TMP/check.err")"

start -v -c "$CFG"
expect_line "dispatcher: info: accepting on 2 shards"

# 3 workers: 2 for shard 0, 1 for shard 1; each line names its shard.
ctl "$SOCK" workers >"$TMP/workers"
[ "$(grep -c ' state=running shard=0$' "$TMP/workers")" -eq 2 ] &&
    [ "$(grep -c ' state=running shard=1$' "$TMP/workers")" -eq 1 ] ||
    fail "workers: $(cat "$TMP/workers")"

# Four loops of clients at once, a quarter each.
for k in 1 2 3 4; do
	for i in $(seq $((CLIENTS_N / 4))); do
		ask 127.0.0.1
	done >"$TMP/replies.$k" &
	CLIENTS+=($!)
done
wait_clients
cat "$TMP"/replies.[1-4] >"$TMP/replies"
[ "$(grep -Ec '^Request handled with normal priority by worker [0-9]+$' "$TMP/replies")" -eq "$CLIENTS_N" ] ||
    fail "$(grep -vc 'Request handled' "$TMP/replies") clients without their reply"

scrape
s0=$(metric 'dispatcher_shard_connections_accepted_total{shard="0"}')
s1=$(metric 'dispatcher_shard_connections_accepted_total{shard="1"}')
[ "$s0" -gt 0 ] && [ "$s1" -gt 0 ] || fail "shard 0 accepted $s0, shard 1 $s1"
[ $((s0 + s1)) -eq "$CLIENTS_N" ] || fail "shards accepted $s0 + $s1 of $CLIENTS_N"
expect_metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="0"}' "$CLIENTS_N"
expect_metric 'dispatcher_connections_handed_total{class="normal"}' "$CLIENTS_N"
expect_metric 'dispatcher_workers{class="normal"}' 3

# Replies came from the workers of both shards.
for shard in 0 1; do
	pids=$(sed -nE "s/^pid=([0-9]+) .* shard=$shard\$/\\1/p" "$TMP/workers")
	served=0
	for pid in $pids; do
		served=$((served + $(grep -c "by worker $pid\$" "$TMP/replies" || true)))
	done
	[ "$served" -gt 0 ] || fail "no reply from a worker of shard $shard ($pids)"
done

# The number of shards is the start's: a reload that changes it fails.
sed -i 's/^acceptors = 2;/acceptors = 3;/' "$CFG"
kill -HUP "$DPID"
expect_line "dispatcher: warning: $CFG: \"acceptors\" changes from 2 to 3: a restart, not a reload, changes it"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_class 127.0.0.1 normal
stop

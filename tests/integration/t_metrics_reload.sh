# Reloads and the metrics: counted by result; the endpoint moves with its
# address, and a new address that cannot be had fails the reload, the old
# endpoint serving on; a class kept keeps its counts, rule counts start
# again (rule numbers may mean other rules now).
. "$(dirname "$0")/lib.sh"

PORT3=$(free_port)
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
start -c "$CFG"
expect_class 127.0.0.100 special
scrape
expect_metric 'dispatcher_reloads_total{result="success"}' 0
expect_metric 'dispatcher_reloads_total{result="failure"}' 0
expect_metric 'dispatcher_rule_matches_total{rule="1"}' 1
started=$(metric dispatcher_start_time_seconds)

# A bad file: a failure, nothing else changes.
cp "$CFG" "$TMP/good.cfg"
echo 'classes = oops' >>"$CFG"
kill -HUP "$DPID"
wait_log 'reload of .* failed; keeping the previous configuration'
scrape
expect_metric 'dispatcher_reloads_total{result="failure"}' 1
expect_metric 'dispatcher_rule_matches_total{rule="1"}' 1

# The endpoint moves; the rules change.
sleep 1.1	# a later whole second for the reload's timestamp
sed "s/:$PORT2\"/:$PORT3\"/; s/127.0.0.100/127.0.0.101/" "$TMP/good.cfg" >"$CFG"
kill -HUP "$DPID"
wait_log "reloaded "
poll 5 eval '! curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$PORT2/metrics"' ||
    fail "the old metrics address still answers"
METRICS_PORT=$PORT3
scrape
expect_metric 'dispatcher_reloads_total{result="success"}' 1
expect_metric 'dispatcher_rule_matches_total{rule="1"}' 0
expect_metric 'dispatcher_connections_handed_total{class="special"}' 1
reloaded=$(metric dispatcher_last_reload_success_timestamp_seconds)
awk -v a="$started" -v b="$reloaded" 'BEGIN { exit !(b >= a + 1) }' ||
    fail "last good reload at $reloaded, not after the start at $started"
expect_class 127.0.0.101 special

# An address another program holds: the reload fails, all stays.
timeout 30 socat "TCP-LISTEN:$PORT2,bind=127.0.0.1,reuseaddr" /dev/null 2>/dev/null &
poll 5 eval '[ -n "$(ss -Htln "( sport = :$PORT2 )")" ]' || fail "socat is not listening"
sed "s/:$PORT3\"/:$PORT2\"/" "$CFG" >"$TMP/next.cfg"
cp "$TMP/next.cfg" "$CFG"
kill -HUP "$DPID"
wait_log "metrics on 127.0.0.1:$PORT2: Address already in use"
wait_log_count 'reload of .* failed; keeping the previous configuration' 2
scrape
expect_metric 'dispatcher_reloads_total{result="failure"}' 2
expect_class 127.0.0.101 special

# No metrics: the endpoint closes.
grep -v '^metrics' "$CFG" >"$TMP/next.cfg"
cp "$TMP/next.cfg" "$CFG"
kill -HUP "$DPID"
wait_log_count "reloaded " 2
poll 5 eval '! curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$PORT3/metrics"' ||
    fail "the metrics endpoint still answers after its removal"
stop

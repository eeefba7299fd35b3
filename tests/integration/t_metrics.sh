# The metrics endpoint: a scrape that promtool accepts, whose counters and
# gauges say what the clients did: handed, denied, refused with a busy
# reply, queued and waiting, in hand, per rule, per listener and lane.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "pub"; lanes = true; } );
metrics = "127.0.0.1:@PORT2@";
classes = (
  { name = "normal"; max_connections = 1; queue = 1;
    busy_reply = "busy, try later\n"; },
  { name = "special"; priority = 10; }
);
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.5"; action = "deny"; }
);
EOF2

start -v -c "$CFG"
expect_class 127.0.0.100 special
expect_class 127.0.0.100 special
expect_denied 127.0.0.5
# The normal worker is stopped: one client in its hands, one queued, the
# third refused with the busy reply.
worker=$(logged_workers normal)
kill -STOP "$worker"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 4 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/b"
wait_log 'connection 5 from .* -> default class normal$'
ask_held 127.0.0.3 "$TMP/c"
poll 5 test -e "$TMP/c.time" || fail "the third client got no busy reply"

scrape
promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool.out")"
expect_metric 'dispatcher_connections_handed_total{class="special"}' 2
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 1
expect_metric 'dispatcher_connections_in_hand{class="normal"}' 1
expect_metric 'dispatcher_connections_queued{class="normal"}' 1
expect_metric 'dispatcher_connections_refused_total{reason="deny"}' 1
expect_metric 'dispatcher_connections_refused_total{class="normal",reason="queue_full"}' 1
expect_metric 'dispatcher_busy_replies_total{class="normal"}' 1
expect_metric 'dispatcher_rule_matches_total{rule="1"}' 2
expect_metric 'dispatcher_rule_matches_total{rule="2"}' 1
expect_metric 'dispatcher_rule_matches_total{rule="default"}' 3
expect_metric 'dispatcher_workers{class="normal"}' 1
expect_metric 'dispatcher_workers{class="special"}' 1
# Lanes: the special clients came through the higher priority's socket.
lane0=$(metric 'dispatcher_connections_accepted_total{listener="pub",lane="0"}')
lane1=$(metric 'dispatcher_connections_accepted_total{listener="pub",lane="1"}')
[ "$lane0" = 4 ] && [ "$lane1" = 2 ] ||
    fail "accepted per lane: $lane0 and $lane1, expected 4 and 2"

# The queued client waits until the worker goes on, a second at least.
sleep 1
kill -CONT "$worker"
wait_clients
reply_matches "$TMP/b" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "queued client: $(cat "$TMP/b")"
scrape
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 2
expect_metric 'dispatcher_connections_queued{class="normal"}' 0
expect_metric 'dispatcher_queue_wait_seconds_count{class="normal"}' 2
expect_metric 'dispatcher_queue_wait_seconds_bucket{class="normal",le="0.5"}' 1
expect_metric 'dispatcher_queue_wait_seconds_bucket{class="normal",le="+Inf"}' 2
sum=$(metric 'dispatcher_queue_wait_seconds_sum{class="normal"}')
awk -v s="$sum" 'BEGIN { exit !(s >= 1) }' || fail "queue wait sum $sum, expected >= 1 s"
poll 5 eval 'scrape; [ "$(metric "dispatcher_connections_in_hand{class=\"normal\"}")" = 0 ]' ||
    fail "the normal worker still holds connections"

# Only /metrics, only GET and HEAD.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/")
[ "$code" = 404 ] || fail "GET /: $code, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT2/metrics")
[ "$code" = 405 ] || fail "POST /metrics: $code, expected 405"
curl -s -I "http://127.0.0.1:$PORT2/metrics" >"$TMP/head"
grep -q '^Content-Type: text/plain; version=0.0.4' "$TMP/head" ||
    fail "HEAD /metrics: $(cat "$TMP/head")"
# Scrapes are not connections of the listeners.
scrape
expect_metric 'dispatcher_connections_accepted_total{listener="pub",lane="0"}' 4
stop

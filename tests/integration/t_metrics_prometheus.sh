# A real Prometheus server scrapes the endpoint every second; after
# traffic, its query API returns the counters the dispatcher kept.
. "$(dirname "$0")/lib.sh"

command -v prometheus >/dev/null || fail "no prometheus (scripts/install-deps installs it)"
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
start -c "$CFG"

PROM_PORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: dispatcher
    static_configs:
      - targets: ['127.0.0.1:$PORT2']
EOF2
promtool check config "$TMP/prometheus.yml" >"$TMP/promtool.out" 2>&1 ||
    fail "promtool check config: $(cat "$TMP/promtool.out")"
timeout 120 prometheus --config.file="$TMP/prometheus.yml" \
    --storage.tsdb.path="$TMP/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &

# query EXPR: the value of the query's first result, or nothing.
query() {
	curl -s --max-time 2 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
	    --data-urlencode "query=$1" |
	    sed -nE 's/.*"value":\[[0-9.]+,"([^"]*)"\].*/\1/p'
}

poll 30 eval '[ "$(query "up{job=\"dispatcher\"}")" = 1 ]' ||
    fail "Prometheus did not scrape the dispatcher: $(tail -5 "$TMP/prometheus.log")"
for i in 1 2 3; do
	expect_class 127.0.0.100 special
done
expect_class 127.0.0.1 normal
poll 30 eval '[ "$(query "dispatcher_connections_handed_total{class=\"special\"}")" = 3 ]' ||
    fail "Prometheus has special's handed count '$(query 'dispatcher_connections_handed_total{class="special"}')', expected 3"
[ "$(query 'dispatcher_connections_handed_total{class="normal"}')" = 1 ] ||
    fail "Prometheus has normal's handed count '$(query 'dispatcher_connections_handed_total{class="normal"}')', expected 1"
[ "$(query 'sum(dispatcher_connections_accepted_total)')" = 4 ] ||
    fail "Prometheus has $(query 'sum(dispatcher_connections_accepted_total)') accepted, expected 4"
# The histogram is one Prometheus understands.
[ -n "$(query 'histogram_quantile(0.99, dispatcher_queue_wait_seconds_bucket{class="special"})')" ] ||
    fail "no quantile from the queue wait histogram"
stop

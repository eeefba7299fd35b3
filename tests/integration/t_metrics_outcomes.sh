# The metrics count every fate a connection and a worker can have: a
# regex match error, a queue timeout, a spill to the overflow class, a
# client leaving the queue, a worker killed (restarted) and a worker hung
# (replaced, what it held lost).
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = (
  { name = "normal"; },
  { name = "tiny"; max_connections = 1; queue = 1; queue_timeout_ms = 500;
    overflow = "normal"; },
  { name = "slow"; worker_timeout_ms = 1000; }
);
rules = (
  { address = "127.0.0.1"; class = "normal"; },
  { address = "127.0.0.2/31"; class = "tiny"; },
  { address = "127.0.0.4"; class = "tiny"; },
  { address = "127.0.0.50"; class = "slow"; },
  { regex = "^(([\\d.]+)+)+[^\\d.]"; action = "deny"; }
);
EOF2
start -v -c "$CFG"

# Past the address rules, the regex fails on its match limit.
expect_denied 127.0.0.9

# tiny's worker is stopped: 2 in its hands, 3 queued until its timeout,
# 4 finds the queue full and spills into normal.
tiny=$(logged_workers tiny)
kill -STOP "$tiny"
ask_held 127.0.0.2 "$TMP/a"
wait_log 'connection 2 from .* -> class tiny$'
ask_held 127.0.0.3 "$TMP/b"
wait_log 'connection 3 from .* -> class tiny$'
expect_class 127.0.0.4 normal
wait_log 'connection 3 from .*: class tiny queue timeout; rejected$'
# 5 waits in the queue, and leaves: a reset.
socat -u "$(client_addr 127.0.0.3),linger=0" - >/dev/null 2>>"$TMP/clients.err" &
reset=$!
wait_log 'connection 5 from .* -> class tiny$'
kill -KILL "$reset"
wait_log 'connection 5 from .* left the queue of class tiny'
kill -CONT "$tiny"

# slow's worker is stopped with a client in hand: hung, replaced.
slow=$(logged_workers slow)
kill -STOP "$slow"
ask_held 127.0.0.50 "$TMP/c"
wait_log "worker $slow \\(class slow\\) killed by signal 9; 1 connection in hand lost"
# normal's worker is killed while idle: restarted, nothing lost.
normal=$(logged_workers normal)
kill -KILL "$normal"
wait_log "worker $normal \\(class normal\\) killed by signal 9\$"
wait_log_count 'worker [0-9]+ started for class normal$' 2
wait_log_count 'worker [0-9]+ started for class slow$' 2
wait_clients

scrape
promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool.out")"
expect_metric 'dispatcher_connections_refused_total{reason="regex_error"}' 1
expect_metric 'dispatcher_connections_refused_total{reason="deny"}' 0
expect_metric 'dispatcher_rule_matches_total{rule="5"}' 1
expect_metric 'dispatcher_connections_refused_total{class="tiny",reason="queue_timeout"}' 1
expect_metric 'dispatcher_connections_spilled_total{class="tiny"}' 1
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 1
expect_metric 'dispatcher_connections_left_queue_total{class="tiny"}' 1
expect_metric 'dispatcher_workers_hung_total{class="slow"}' 1
expect_metric 'dispatcher_worker_restarts_total{class="slow"}' 1
expect_metric 'dispatcher_connections_lost_total{class="slow"}' 1
expect_metric 'dispatcher_worker_restarts_total{class="normal"}' 1
expect_metric 'dispatcher_connections_lost_total{class="normal"}' 0
expect_metric 'dispatcher_workers{class="normal"}' 1
stop

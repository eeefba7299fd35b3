# "workers" worker processes per class, children of the dispatcher, all
# started before the single "ready" line.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 3; }, { name = "special"; workers = 2; } );
EOF

start -c "$CFG"
[ "$(logged_workers normal | wc -l)" -eq 3 ]  || fail "expected 3 normal workers"
[ "$(logged_workers special | wc -l)" -eq 2 ] || fail "expected 2 special workers"
[ "$(logged_workers | sort -u | wc -l)" -eq 5 ] || fail "expected 5 distinct pids"
[ "$(pgrep -P "$DPID" | sort)" = "$(logged_workers | sort)" ] ||
    fail "children $(pgrep -P "$DPID" | tr '\n' ' ')are not the logged workers"
for pid in $(logged_workers); do
	is_worker "$pid" || fail "worker $pid is not a running dispatch-worker"
done
[ "$(count_log '^dispatcher: info: ready$')" -eq 1 ] || fail "expected one ready line"
[ "$(grep -n 'started for class' "$LOG" | tail -n 1 | cut -d: -f1)" -lt \
  "$(grep -n '^dispatcher: info: ready$' "$LOG" | cut -d: -f1)" ] || fail "a worker started after ready"
[ "$(count_log '^dispatcher: info: listening on ')" -eq 1 ] || fail "expected one listener"
stop

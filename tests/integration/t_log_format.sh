# Every line on stderr is "dispatcher: LEVEL: message" or
# "dispatch-worker[PID]: LEVEL: message", through start, routing, deny,
# a reload, a killed worker and shutdown.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@", "[::1]:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; delay_ms = 100; } );
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.200"; action = "deny"; }
);
EOF

start -v -c "$CFG"
expect_class  127.0.0.100 special
expect_class  ::1         normal
expect_denied 127.0.0.200
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
expect_class 127.0.0.1 normal
kill -KILL "$WORKER"
wait_log "^dispatcher: warning: worker $WORKER \(class normal\) killed by signal 9\$"
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 3
expect_class 127.0.0.1 normal
stop
levels='(debug|info|warning|fatal)'
if grep -Ev "^(dispatcher|dispatch-worker\[[0-9]+\]): $levels: " "$LOG" | grep -q .; then
	fail "lines not in the log format: $(grep -Ev "^(dispatcher|dispatch-worker\[[0-9]+\]): $levels: " "$LOG")"
fi

# A configuration warning at start-up (a CIDR with host bits set, which
# is masked) is a log line like any other: "dispatcher: warning: FILE:LINE:
# ...", as the same warning is on reload.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.100/24"; class = "special"; }
);
EOF

start -c "$CFG"
expect_class 127.0.0.5 special
wait_log "^dispatcher: warning: $CFG:4: " 1
levels='(debug|info|warning|fatal)'
if grep -Ev "^(dispatcher|dispatch-worker\[[0-9]+\]): $levels: " "$LOG" | grep -q .; then
	fail "lines not in the log format: $(grep -Ev "^(dispatcher|dispatch-worker\[[0-9]+\]): $levels: " "$LOG")"
fi
stop

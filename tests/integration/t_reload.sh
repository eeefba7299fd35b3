# SIGHUP with a valid file: new rules route the next connection; workers
# of unchanged classes keep their pids; an added class gets workers; the
# workers of a removed class exit.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal";  workers = 1; },
  { name = "special"; workers = 1; },
  { name = "old";     workers = 1; }
);
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.101"; class = "old"; }
);
EOF

start -c "$CFG"
expect_class 127.0.0.1   normal;  normal=$WORKER
expect_class 127.0.0.100 special; special=$WORKER
expect_class 127.0.0.101 old;     old=$WORKER

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal";  workers = 1; },
  { name = "special"; workers = 1; },
  { name = "gold";    workers = 2; }
);
rules = (
  { address = "127.0.0.100"; class = "gold"; },
  { address = "127.0.0.101"; class = "special"; }
);
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
wait_log_count '^dispatcher: info: worker [0-9]+ started for class gold$' 2
expect_class 127.0.0.100 gold
expect_class 127.0.0.101 special; [ "$WORKER" = "$special" ] || fail "special: $special became $WORKER"
expect_class 127.0.0.1   normal;  [ "$WORKER" = "$normal" ]  || fail "normal: $normal became $WORKER"
[ "$(logged_workers normal)" = "$normal" ]   || fail "normal workers were restarted"
[ "$(logged_workers special)" = "$special" ] || fail "special workers were restarted"
poll 5 eval '! is_worker "$old"' || fail "worker $old of the removed class still runs"
alive "$DPID" || fail "the dispatcher died"
[ "$(count_log '^dispatcher: info: ready$')" -eq 1 ] || fail "\"ready\" printed again"
stop

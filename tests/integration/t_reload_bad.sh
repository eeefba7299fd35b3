# SIGHUP with a broken file: every error as a warning with FILE:LINE, one
# "reload failed" line, and the previous configuration goes on routing.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.100 special; special=$WORKER
expect_class 127.0.0.1   normal;  normal=$WORKER

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.1";   class = "gold"; },
  { address = "300.1.2.3";   class = "special"; },
  { address = "127.0.0.100"; action = "deny"; }
);
EOF
kill -HUP "$DPID"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_line "dispatcher: warning: $CFG:4: unknown class \"gold\""
expect_line "dispatcher: warning: $CFG:5: bad address \"300.1.2.3\""
expect_no_log '^dispatcher: info: reloaded'
expect_class 127.0.0.100 special; [ "$WORKER" = "$special" ] || fail "special: $special became $WORKER"
expect_class 127.0.0.1   normal;  [ "$WORKER" = "$normal" ]  || fail "normal: $normal became $WORKER"
[ "$(logged_workers | wc -l)" -eq 2 ] || fail "workers were started by the failed reload"
stop

# SIGHUP: a class whose command changed gets new workers running the new
# command; one whose command stayed the same keeps its worker.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; handler = "exec"; command = [ "/bin/echo", "one" ]; },
  { name = "same"; handler = "exec"; command = [ "/bin/echo", "same" ]; }
);
rules = ( { address = "127.0.0.100"; class = "same"; } );
EOF2

start -c "$CFG"
expect_reply 127.0.0.1 one
expect_reply 127.0.0.100 same
same=$(logged_workers same)

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; handler = "exec"; command = [ "/bin/echo", "two" ]; },
  { name = "same"; handler = "exec"; command = [ "/bin/echo", "same" ]; }
);
rules = ( { address = "127.0.0.100"; class = "same"; } );
EOF2
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
expect_reply 127.0.0.1 two
expect_reply 127.0.0.100 same
[ "$(logged_workers same)" = "$same" ] ||
    fail "class same: workers $(logged_workers same | tr '\n' ' '), expected $same alone"
is_worker "$same" || fail "class same: worker $same gone"
stop

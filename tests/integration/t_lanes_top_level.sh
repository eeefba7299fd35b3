# A top-level "lanes = true" gives lanes to every listener that does not
# say otherwise, IPv6 ones included.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
lanes = true;
listen = ( "127.0.0.1:@PORT@", "[::1]:@PORT@",
           { address = "127.0.0.1:@PORT2@"; lanes = false; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "::1";         class = "special"; }
);
EOF2

start -v -c "$CFG"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
expect_line "dispatcher: info: lanes on [::1]:$PORT: 2 (priorities 0, 10)"
expect_no_log "lanes on 127\.0\.0\.1:$PORT2"
expect_class ::1         special
expect_class 127.0.0.100 special
PORT=$PORT2 expect_class 127.0.0.100 special
wait_log "^dispatcher: debug: connection [0-9]+ from \[::1\]:[0-9]+ on \[::1\]:$PORT \(lane 1, priority 10\): rule #2 at $CFG:7 -> class special\$"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, priority 10\): rule #1 at $CFG:6 -> class special\$"
# Without lanes, the line is as it always was.
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT2: rule #1 at $CFG:6 -> class special\$"
stop

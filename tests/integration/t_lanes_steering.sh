# With lanes, a special client is accepted from the special lane's socket
# and a normal one from lane 0; -v names the lane and its priority.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = (
  { address = "127.0.0.100"; class = "special"; }
);
EOF2

start -v -c "$CFG"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
expect_class 127.0.0.100 special
expect_class 127.0.0.5   normal
on="on 127\.0\.0\.1:$PORT"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ $on \(lane 1, priority 10\): rule #1 at $CFG:4 -> class special\$"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.5:[0-9]+ $on \(lane 0, priority 0\): no rule -> default class normal\$"
stop

# -v logs one line per connection: the rule (number and FILE:LINE) and
# the class, the deny, or the default class.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@", "[::1]:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.0/8";  class = "special"; },
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.200"; action = "deny"; },
  { address = "::1";         class = "special"; }
);
EOF

start -v -c "$CFG"
expect_class  127.0.0.100 special
expect_class  127.0.0.1   normal
expect_denied 127.0.0.200
expect_class  ::1         special
on="on 127\.0\.0\.1:$PORT"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ $on: rule #2 at $CFG:5 -> class special\$"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.1:[0-9]+ $on: no rule -> default class normal\$"
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.200:[0-9]+ $on: rule #3 at $CFG:6 -> deny\$"
wait_log "^dispatcher: debug: connection [0-9]+ from \[::1\]:[0-9]+ on \[::1\]:$PORT: rule #4 at $CFG:7 -> class special\$"
[ "$(count_log '^dispatcher: debug: connection ')" -eq 4 ] ||
    fail "expected 4 connection lines"
[ "$(sed -nE 's/^dispatcher: debug: connection ([0-9]+) .*/\1/p' "$LOG" | sort -u | wc -l)" -eq 4 ] ||
    fail "connection ids are not distinct"
stop

# A "[::]" listener takes IPv4 clients too; they match IPv4 rules and
# regexes as a.b.c.d, not ::ffff:a.b.c.d.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "[::]:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; }, { name = "gold"; } );
rules = (
  { address = "127.0.0.100";             class = "special"; },
  { regex   = "^127\\.0\\.0\\.100$";     class = "gold"; },
  { regex   = "^127\\.0\\.0\\.101$";     class = "gold"; },
  { address = "::1";                     class = "special"; }
);
EOF

start -v -c "$CFG"
expect_line "dispatcher: info: listening on [::]:$PORT"
expect_class 127.0.0.100 special
expect_class 127.0.0.101 gold
expect_class 127.0.0.1   normal
expect_class ::1         special
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.101:[0-9]+ on [^ ]+: rule #3 at $CFG:6 -> class gold\$"
expect_no_log 'from ::ffff:'
stop

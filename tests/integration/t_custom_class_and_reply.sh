# A third class with its own reply template; the others keep the default.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; },
  { name = "special"; },
  { name = "gold"; reply = "{class} {peer}\n"; }
);
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.42";  class = "gold"; }
);
EOF

start -c "$CFG"
wait_log "^dispatcher: info: worker [0-9]+ started for class gold\$"
expect_reply 127.0.0.42  'gold 127\.0\.0\.42'
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
stop

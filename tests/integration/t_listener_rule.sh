# Listeners may be named, and a rule may match the listener a connection
# arrived on, alone or with an address.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = ( "127.0.0.1:@PORT@", { address = "127.0.0.1:@PORT2@"; name = "vip"; } );
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.66"; listener = "vip"; action = "deny"; },
  { listener = "vip"; class = "special"; }
);
EOF

start -v -c "$CFG"
expect_class 127.0.0.5 normal
expect_class 127.0.0.66 normal
PORT=$PORT2
expect_class 127.0.0.5 special
expect_denied 127.0.0.66
wait_log "on 127.0.0.1:$PORT2: rule #2 at $CFG:5 -> class special\$"
stop

# A client's source address picks its class: an exact "address" rule.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
expect_line "dispatcher: info: listening on 127.0.0.1:$PORT"
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
expect_class 127.0.0.101 normal
expect_class 127.0.0.100 special
stop

# An IPv6 listener; a rule on ::1 routes IPv6 clients, IPv4 ones on the
# other listener do not match it.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "[::1]:@PORT@", "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "::1"; class = "special"; } );
EOF

start -c "$CFG"
expect_line "dispatcher: info: listening on [::1]:$PORT"
expect_line "dispatcher: info: listening on 127.0.0.1:$PORT"
expect_class ::1       special
expect_class 127.0.0.1 normal
expect_class ::1       special
stop

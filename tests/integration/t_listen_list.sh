# "listen" may be a list as well as an array; every entry listens.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = ( "127.0.0.1:@PORT@", "[::1]:@PORT@" );
classes = ( { name = "normal"; } );
EOF

start -c "$CFG"
expect_line "dispatcher: info: listening on 127.0.0.1:$PORT"
expect_line "dispatcher: info: listening on [::1]:$PORT"
expect_class 127.0.0.1 normal
expect_class ::1       normal
stop

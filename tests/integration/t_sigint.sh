# SIGINT stops the dispatcher like SIGTERM.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
stop INT
expect_line "dispatcher: info: shutting down"
expect_line "dispatcher: info: exiting"

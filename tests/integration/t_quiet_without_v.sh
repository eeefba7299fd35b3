# Without -v there is no per-connection line.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
expect_no_log '^dispatcher: debug:'
stop

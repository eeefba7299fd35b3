# A listener on a port below 1024 is bound as root, before the drop to
# user nobody, and serves after it.
. "$(dirname "$0")/lib.sh"

public_copies
free_low_port
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@LOWPORT@", "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2

start -c "$CFG"
expect_line "dispatcher: info: listening on 127.0.0.1:$LOWPORT"
[ "$(stat -c %u "/proc/$DPID")" -eq "$(id -u nobody)" ] ||
    fail "the dispatcher is not nobody's"
PORT=$LOWPORT expect_class 127.0.0.100 special
PORT=$LOWPORT expect_class 127.0.0.1 normal
expect_class 127.0.0.100 special
stop

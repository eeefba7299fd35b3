# The new dispatcher's configuration decides: a listener it still has
# keeps its socket, one it no longer has is closed, a new one is bound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@", "127.0.0.1:@PORT2@" ];
classes = ( { name = "normal"; } );
EOF2
start_reaped -c "$CFG"
ino=$(inodes)
PORT=$PORT2 expect_class 127.0.0.5 normal

port3=$(free_port)
config "$CFG" <<EOF2
listen = [ "127.0.0.1:$PORT", "127.0.0.1:$port3" ];
classes = ( { name = "normal"; } );
EOF2
upgrade
expect_line "dispatcher: info: upgrade: listener 127.0.0.1:$PORT2 is not in the configuration: closed"
expect_line "dispatcher: info: upgrade: listening sockets taken over: 2"
[ "$(inodes)" = "$ino" ] || fail "the socket on $PORT is not the one of the start"
[ -z "$(ss -Hltn "( sport = :$PORT2 )")" ] || fail "something still listens on $PORT2"
expect_class 127.0.0.5 normal
PORT=$port3 expect_class 127.0.0.5 normal
PORT=$PORT2 expect_denied 127.0.0.5
stop

# Socket activation: systemd-socket-activate holds 127.0.0.1:PORT, named
# after the listener "web", and starts the dispatcher at the first
# connection.  The dispatcher accepts on that very socket (the inode
# systemd-socket-activate listened on is the one the dispatcher holds as
# descriptor 3, and the only one on the port), serves the client that
# connected before it ran, and binds PORT2, which it was not given, itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "web"; }, "127.0.0.1:@PORT2@" );
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; listener = "web"; class = "special"; } );
EOF2

activate -l "127.0.0.1:$PORT" --fdname=web -- -c "$CFG"
ino=$(inode "$PORT")
[ -n "$ino" ] || fail "no inode for 127.0.0.1:$PORT"

ask_bg 127.0.0.100 "$TMP/first"
wait_log '^dispatcher: info: ready$'
wait_clients
reply_matches "$TMP/first" "Request handled with special priority by worker ([0-9]+)" ||
    fail "the first client got $(printf %q "$(cat "$TMP/first")")"

expect_line "dispatcher: info: listening on 127.0.0.1:$PORT (socket from systemd)"
expect_line "dispatcher: info: listening on 127.0.0.1:$PORT2"
[ "$(readlink "/proc/$DPID/exe")" = "$(readlink -f "$BIN/dispatcher")" ] ||
    fail "process $DPID is not the dispatcher"
[ "$(inode "$PORT")" = "$ino" ] || fail "the socket on $PORT is not the inherited one"
[ "$(readlink "/proc/$DPID/fd/3")" = "socket:[$ino]" ] ||
    fail "descriptor 3 is $(readlink "/proc/$DPID/fd/3"), not socket:[$ino]"
# No worker holds it.
for pid in $(logged_workers); do
	if ls -l "/proc/$pid/fd/" | grep -qF "socket:[$ino]"; then
		fail "worker $pid holds the listening socket"
	fi
done

expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
PORT=$PORT2 expect_class 127.0.0.100 normal
stop

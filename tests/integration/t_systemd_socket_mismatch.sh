# Sockets passed by systemd that do not fit the configuration: exit 78,
# the clear error naming the socket's address, and nothing served.
#  - a socket at an address no listener has;
#  - a socket named after a listener (LISTEN_FDNAMES) at another address;
#  - a datagram socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "web"; } );
classes = ( { name = "normal"; } );
EOF2

# refused WHAT: the dispatcher activated by a client of PORT2 exits 78,
# saying so.
refused() {
	PORT=$PORT2 ask 127.0.0.1 >"$TMP/reply"
	exited 10
	[ "$RC" -eq 78 ] || fail "$1: exit status $RC, expected 78"
	[ ! -s "$TMP/reply" ] || fail "$1: a client was served: $(cat "$TMP/reply")"
	expect_line "dispatcher: warning: the sockets passed by systemd (LISTEN_FDS) do not fit $CFG; not starting"
	expect_no_log '^dispatcher: info: (ready|listening on)'
}

# PORT2 is no listener's.
activate -l "127.0.0.1:$PORT2" -- -c "$CFG"
refused "no listener"
expect_line "dispatcher: warning: inherited socket 3 \"unknown\" (127.0.0.1:$PORT2): no listener of $CFG has its address"

# Named "web", which is at the other port: the name is wrong.
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "web"; }, "127.0.0.1:@PORT2@" );
classes = ( { name = "normal"; } );
EOF2
activate -l "127.0.0.1:$PORT2" --fdname=web -- -c "$CFG"
refused "named after another listener"
expect_line "dispatcher: warning: inherited socket 3 \"web\" (127.0.0.1:$PORT2) is named after listener web of $CFG, at 127.0.0.1:$PORT"

# A UDP socket at the listener's address, activated by a datagram.
activate -d -l "127.0.0.1:$PORT2" -- -c "$CFG"
echo hello | timeout 5 socat -u - "UDP-SENDTO:127.0.0.1:$PORT2,bind=127.0.0.1"
exited 10
[ "$RC" -eq 78 ] || fail "datagram socket: exit status $RC, expected 78"
expect_line "dispatcher: warning: inherited socket 3 \"unknown\" (127.0.0.1:$PORT2) is not a listening TCP socket"
expect_no_log '^dispatcher: info: (ready|listening on)'

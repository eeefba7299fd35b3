# Two upgrades in a row: the second SIGUSR2 goes to the dispatcher the
# first one started, once it serves, and it hands the socket on in turn.
# Each time the old one exits 0 and the replies come from the new one's
# workers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; workers = 2; },
            { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

start_reaped -c "$CFG"
first=$DPID
ino=$(inodes)
expect_class 127.0.0.100 special
for n in 1 2; do
	prev=$DPID
	upgrade
	[ "$DPID" != "$prev" ] && [ "$DPID" != "$first" ] ||
	    fail "upgrade $n: no new dispatcher"
	expect_class 127.0.0.100 special
	case " $(new_workers | tr '\n' ' ') " in
	*" $WORKER "*) ;;
	*) fail "upgrade $n: worker $WORKER is not the new dispatcher's" ;;
	esac
	expect_class 127.0.0.5 normal
	[ "$(inodes)" = "$ino" ] ||
	    fail "upgrade $n: the listening socket is not the one of the start"
done
[ "$(count_log '^dispatcher: info: upgrade: listening sockets taken over: 1$')" -eq 2 ] ||
    fail "not two dispatchers that took the socket over"
stop

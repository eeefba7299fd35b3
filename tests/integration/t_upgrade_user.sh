# After the drop to user nobody, SIGUSR2 starts the new binary as nobody:
# it cannot bind a port below 1024 and does not need to, being handed the
# socket; it proves its privileges are gone as the first did, serves on
# the low port and reloads as nobody.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

public_copies
free_low_port
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@LOWPORT@", "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2

[ "$(id -u)" -eq 0 ] || fail "this test runs as root"
start_reaped -c "$CFG"
upgrade
nobody=$(id -u nobody)
grep -Fqx "Uid:	$nobody	$nobody	$nobody	$nobody" "/proc/$DPID/status" ||
    fail "the new dispatcher is not nobody's: $(grep Uid "/proc/$DPID/status")"
grep -Fqx "NoNewPrivs:	1" "/proc/$DPID/status" || fail "the new dispatcher may gain privileges"
[ "$(count_log "^dispatcher: info: running as user nobody \(uid $nobody, gid [0-9]+\)\$")" -eq 2 ] ||
    fail "the new dispatcher does not say it runs as nobody"
expect_line "dispatcher: info: upgrade: listening sockets taken over: 2"
PORT=$LOWPORT expect_class 127.0.0.100 special
PORT=$LOWPORT expect_class 127.0.0.1 normal
for pid in $(new_workers); do
	[ "$(stat -c %u "/proc/$pid")" -eq "$nobody" ] || fail "worker $pid is not nobody's"
done

# A reload of the same listeners needs no new socket.
kill -HUP "$DPID"
wait_log '^dispatcher: info: reloaded '
PORT=$LOWPORT expect_class 127.0.0.100 special
expect_no_log 'cannot listen|Permission denied'
stop

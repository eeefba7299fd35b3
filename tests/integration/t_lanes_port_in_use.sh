# A second dispatcher with the same lanes configuration finds the port in
# use, as it does without lanes: it exits 71 naming the address, instead
# of joining the first one's SO_REUSEPORT group (the same user may) and
# replacing its program.  The first one keeps its sockets, its program
# and its clients.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = (
  { address = "127.0.0.100"; class = "special"; }
);
EOF2

# The port's listening sockets that are not the first dispatcher's.
foreign() {
	ss -Htlnp "( sport = :$PORT )" | grep -Fvc "pid=$DPID," || true
}

start -v -c "$CFG"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"

SECOND_LOG=$TMP/second.log
PATH="$BIN:$PATH" "$BIN/dispatcher" -v -c "$CFG" 2>"$SECOND_LOG" &
second=$!
if ! poll 5 eval '! alive "$second"'; then
	n=$(foreign)
	kill -TERM "$second"
	poll 5 eval '! alive "$second"' || kill -KILL "$second"
	fail "the second dispatcher still runs, $n sockets on $PORT not the first one's; its log: $(cat "$SECOND_LOG")"
fi
rc=0
wait "$second" || rc=$?
[ "$rc" -eq 71 ] || fail "second dispatcher: exit status $rc, expected 71; its log: $(cat "$SECOND_LOG")"
grep -Fqx "dispatcher: warning: cannot listen on 127.0.0.1:$PORT: Address already in use" "$SECOND_LOG" ||
    fail "second dispatcher: no \"address in use\" line naming 127.0.0.1:$PORT: $(cat "$SECOND_LOG")"
if grep -q 'worker [0-9]* started' "$SECOND_LOG"; then
	fail "the second dispatcher started workers: $(cat "$SECOND_LOG")"
fi

[ "$(ss -Htln "( sport = :$PORT )" | wc -l)" -eq 2 ] ||
    fail "$(ss -Htln "( sport = :$PORT )" | wc -l) listening sockets, expected 2"
[ "$(foreign)" -eq 0 ] || fail "$(foreign) sockets on $PORT not the first dispatcher's"
# Its program still steers, and its workers answer.
n=$(count_log 'from 127\.0\.0\.100:')
expect_class 127.0.0.100 special
expect_class 127.0.0.5   normal
wait_log_count 'from 127\.0\.0\.100:' $((n + 1))
wait_log "^dispatcher: debug: connection [0-9]+ from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, priority 10\): rule #1 at $CFG:4 -> class special\$"
stop

# Connections of several classes accepted in one run of accepts: the
# lowest priority's go in batches, a worker's share in one CONN, while a
# higher priority's go at once, each on its own, never held back behind
# them.  Every client gets its own class's reply.  What the dispatcher
# sends is read with strace: the CONN's count and first record's class.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null 2>&1 || { echo "SKIP: no strace" >&2; exit 77; }

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; priority = 0; },
            { name = "special"; workers = 1; priority = 10; } );
rules = ( { address = "127.0.0.100/31"; class = "special"; } );
EOF2

start -c "$CFG"
expect_class 127.0.0.1 normal
expect_class 127.0.0.100 special

# Stopped, the dispatcher accepts nothing: the kernel completes every
# handshake and queues them, in this order, for one run of accepts.
kill -STOP "$DPID"
order="127.0.0.1 127.0.0.100 127.0.0.2 127.0.0.3 127.0.0.101 127.0.0.4 127.0.0.5 127.0.0.6"
i=0
for src in $order; do
	i=$((i + 1))
	ask_bg "$src" "$TMP/reply.$i"
	# One at a time, so that the queue's order is this one.
	poll 5 eval '[ "$(ss -Hltn "( sport = :$PORT )" | awk "{ print \$2 }")" = "$i" ]' ||
	    { kill -CONT "$DPID"; fail "client $i ($src) not queued"; }
done

strace -xx -s 64 -o "$TMP/trace" -e trace=sendmsg -p "$DPID" 2>"$TMP/strace.err" &
STRACE=$!
poll 10 eval 'grep -q " attached" "$TMP/strace.err" || ! alive "$STRACE"' || true
if ! alive "$STRACE"; then
	kill -CONT "$DPID"
	echo "SKIP: strace cannot attach: $(cat "$TMP/strace.err")" >&2
	exit 77
fi
kill -CONT "$DPID"
wait_clients
kill -INT "$STRACE"
wait "$STRACE" || true

i=0
for src in $order; do
	i=$((i + 1))
	case $src in
	127.0.0.10?) want=special ;;
	*) want=normal ;;
	esac
	reply_matches "$TMP/reply.$i" "Request handled with $want priority by worker ([0-9]+)" ||
	    fail "client $i ($src): \"$(cat "$TMP/reply.$i")\", expected class $want"
done

# Each CONN sent: "CLASS_INDEX COUNT" (little-endian fields of the record:
# count at byte 8, the first connection's class at byte 24).
sends() {
	sed -n 's/^sendmsg([0-9]*, {[^"]*iov_base="\([^"]*\)".*/\1/p' "$TMP/trace" |
	while read -r hex; do
		hex=${hex//\\x/ }
		set -- $hex
		shift 8
		count=$((0x$1))
		shift 16
		echo "$((0x$1)) $count"
	done
}
sends >"$TMP/sends"
echo "CONNs (class index, count):" $(tr '\n' ',' <"$TMP/sends")
# Class indexes: normal 0, special 1, as configured.
[ "$(grep -c '^1 1$' "$TMP/sends")" -eq 2 ] ||
    fail "not two CONNs of one special connection each: $(cat "$TMP/sends")"
! grep -q '^1 ' <(grep -v '^1 1$' "$TMP/sends") ||
    fail "a special CONN of more than one: $(cat "$TMP/sends")"
[ "$(awk '$1 == 0 { n += $2 } END { print n + 0 }' "$TMP/sends")" -eq 6 ] ||
    fail "not six normal connections sent: $(cat "$TMP/sends")"
[ "$(grep -c '^0 ' "$TMP/sends")" -le 2 ] ||
    fail "the six normal ones in more than one CONN a worker: $(cat "$TMP/sends")"
# The first normal one was accepted first, yet both specials went before it.
[ "$(head -2 "$TMP/sends" | tr '\n' ' ')" = "1 1 1 1 " ] ||
    fail "a special connection sent after a normal batch: $(cat "$TMP/sends")"
stop

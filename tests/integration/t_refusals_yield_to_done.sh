# A full class's room, freed by a worker, goes to the next client even in
# the middle of a flood the class refuses: once the dispatcher refuses,
# a run of refusals ends its batch of accepts, so that the worker's
# report that it is done is read before more are accepted.  Without that,
# a backlog of clients larger than a batch would all be refused, though
# the class had room again for all but the first few of them.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; max_connections = 1; queue = 0;
              delay_ms = 300; busy_reply = "busy\n"; } );
EOF2

start -c "$CFG"
ask_held 127.0.0.2 "$TMP/held"
# In the worker's hands alone: the dispatcher has sent it and closed it.
in_hand() {
	local owners
	owners=$(ss -Htnp state established "( sport = :$PORT )")
	[[ $owners == *'"dispatch-worker"'* && $owners != *'"dispatcher"'* ]]
}
poll 5 in_hand || fail "the first client not in the worker's hands"
# The class is full: the flood has begun.
expect_reply 127.0.0.3 busy

# Stopped, the dispatcher accepts nothing: the kernel queues the flood,
# then the worker answers the first client and reports it done.
kill -STOP "$DPID"
n=40
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
poll 5 eval '[ "$(ss -Hltn "( sport = :$PORT )" | awk "{ print \$2 }")" = "$n" ]' ||
    { kill -CONT "$DPID"; fail "the flood of $n not queued"; }
poll 5 eval '[ -s "$TMP/held.time" ]' ||
    { kill -CONT "$DPID"; fail "the first client not answered within 5 s"; }
reply_matches "$TMP/held" "Request handled with normal priority by worker ([0-9]+)" ||
    { kill -CONT "$DPID"; fail "the first client: \"$(cat "$TMP/held")\""; }
# Its DONE waits, unread, in the dispatcher's end of the channel.
reported() {
	ss -xpH | awk -v p="pid=$DPID," '$1 == "u_seq" && $3 > 0 && index($0, p)' |
	    grep -q .
}
poll 5 reported || { kill -CONT "$DPID"; fail "the worker's DONE not sent"; }
kill -CONT "$DPID"

served=0 refused=0
for fd in "${fds[@]}"; do
	line=
	read -r -t 5 line <&"$fd" || true
	exec {fd}<&-
	case $line in
	busy) refused=$((refused + 1)) ;;
	"Request handled with normal priority by worker "*) served=$((served + 1)) ;;
	*) fail "flood client $((served + refused + 1)): \"$line\"" ;;
	esac
done
echo "flood of $n: $served served, $refused refused"
[ "$served" -ge 1 ] ||
    fail "none of the flood served: the room the first client left went unused"
stop

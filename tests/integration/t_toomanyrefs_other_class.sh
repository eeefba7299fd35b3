# A flood held by slow workers does not keep an idle class from being
# served: a worker is sent no more than it can hold (its descriptor limit
# less its reserve), so the rest wait in the dispatcher's queue and not in
# flight, where they would fill the user's limit on descriptors in flight
# (ETOOMANYREFS) for every class.  A burst faster than the workers read
# may still reach it for a moment: a class held then tries again soon.
. "$(dirname "$0")/lib.sh"

unprivileged 128
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; workers = 4; delay_ms = 30000; queue = 40; },
  { name = "special"; priority = 10; queue = 4; queue_timeout_ms = 2000;
    busy_reply = "busy\n"; }
);
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
special=$(logged_workers special)

# 700 normal clients (bash's /dev/tcp connects from 127.0.0.1): 4 x 112
# in the workers' hands for 30 s, 40 queued, the rest refused.
n=700
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
done
# Every one accepted: the listening socket's queue is empty.
accepted() {
	[ "$(ss -Hltn "( sport = :$PORT )" | awk '{ s += $2 } END { print s + 0 }')" -eq 0 ]
}
poll 10 accepted || fail "the flood was not all accepted within 10 s"

# Served, and not refused with its busy reply: within its 2 s in the queue.
ask_held 127.0.0.100 "$TMP/special"
wait_clients
reply_matches "$TMP/special" "Request handled with special priority by worker $special" ||
    fail "special client: got $(printf %q "$(cat "$TMP/special")")"

# A first signal waits for the connections in hand; the second does not.
kill -TERM "$DPID"
stop TERM 20

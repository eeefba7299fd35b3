# Ctrl-C in a shell sends SIGINT to the whole process group, and so does
# kill -- -PGID.  The dispatcher alone decides how its workers stop: a
# client held by delay_ms still gets its reply, nothing is started again
# while stopping, and the dispatcher exits 0.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 2000; } );
EOF

AS_USER=(setsid)
start -v -c "$CFG"
[ "$(ps -o pgid= -p "$DPID" | tr -d ' ')" = "$DPID" ] ||
    fail "the dispatcher does not lead a process group of its own"
ask_held 127.0.0.1 "$TMP/held"
wait_log 'connection 1 from .* -> default class normal$'
workers=$(logged_workers)
kill -INT -- "-$DPID"
poll 15 eval '! alive "$DPID"' || fail "dispatcher still running 15 s after SIGINT"
rc=0
wait "$DPID" || rc=$?
DPID=
[ "$rc" -eq 0 ] || fail "dispatcher exited with status $rc, expected 0"
wait_clients
reply_matches "$TMP/held" 'Request handled with normal priority by worker [0-9]+' ||
    fail "the held client got $(printf %q "$(cat "$TMP/held")")"
[ "$(logged_workers)" = "$workers" ] || fail "workers started while stopping"
expect_no_log 'killed by signal|HELLO|killing'
for pid in $workers; do
	poll 1 eval '! is_worker "$pid"' || fail "worker $pid still alive"
done

# The example worker of libdispatch-worker (examples/example_worker.c)
# serves a class, given its argv alone and its class in DISPATCH_CLASS.
. "$(dirname "$0")/lib.sh"

[ -x "$BIN/dispatch-example-worker" ] || fail "no $BIN/dispatch-example-worker"
WORKER_MATCH='dispatch-worker|dispatch-example-worker'
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; worker = [ "$BIN/dispatch-example-worker" ]; } );
EOF2

start -c "$CFG"
expect_reply 127.0.0.1 'example worker ([0-9]+) of class normal'
[ "$(logged_workers normal)" = "$WORKER" ] || fail "served by $WORKER, not by the worker started"
[ "$(tr '\0' ' ' <"/proc/$WORKER/cmdline")" = "$BIN/dispatch-example-worker " ] ||
    fail "its argv: $(tr '\0' ' ' <"/proc/$WORKER/cmdline")"
pid=$WORKER
for i in $(seq 1 10); do
	ask_bg 127.0.0.1 "$TMP/reply.$i"
done
wait_clients
for i in $(seq 1 10); do
	reply_matches "$TMP/reply.$i" "example worker $pid of class normal" ||
	    fail "client $i: $(cat "$TMP/reply.$i")"
done
stop

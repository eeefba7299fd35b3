# A worker that makes no progress (stopped here, as a deadlock would leave
# it) while it has connections in hand is found hung after
# worker_timeout_ms, logged, killed and replaced; what it held is counted
# as lost and no longer counts against max_connections, so the client
# queued behind it is served by the new worker.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; max_connections = 1; queue_timeout_ms = 30000;
    worker_timeout_ms = 1000; } );
EOF

start -c "$CFG"
hung=$(logged_workers normal)
# Stopped once it has said HELLO: before, it would be hung for that.
poll 10 eval 'ctl "$SOCK" workers | grep -q " state=running$"' ||
    fail "worker $hung not running: $(ctl "$SOCK" workers)"
kill -STOP "$hung"

# One client in the stopped worker's hands, the next one queued: the
# class is full.
ask_held 127.0.0.2 "$TMP/first"
ask_held 127.0.0.3 "$TMP/second"
wait_log "^dispatcher: warning: worker $hung \\(class normal\\) hung: nothing done for [0-9]+ ms with 1 connection in hand; killing it, its connections lost\$"
wait_log "^dispatcher: warning: worker $hung \\(class normal\\) killed by signal 9; 1 connection in hand lost\$"
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 2
new=$(logged_workers normal | tail -n 1)
[ "$new" != "$hung" ] || fail "no new worker"

wait_clients
served=0
for f in "$TMP/first" "$TMP/second"; do
	if reply_matches "$f" "Request handled with normal priority by worker $new"; then
		served=$((served + 1))
	else
		[ ! -s "$f" ] || fail "unexpected reply: $(printf %q "$(cat "$f")")"
	fi
done
[ "$served" -eq 1 ] || fail "$served of the 2 clients served by the new worker, expected 1"
expect_class 127.0.0.4 normal
[ "$WORKER" = "$new" ] || fail "served by $WORKER, not by the new worker $new"
stop

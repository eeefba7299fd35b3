# A worker that keeps dying right after it starts is restarted with a
# growing delay instead of in a tight loop; once it can run again it
# serves.  The worker program is a script that kills itself at once, so
# that every death is quick however slow the machine, until a file says
# to run the real one.  (Replacing the script instead races with a start:
# sh opens the script by its path after the kernel has read its first
# line.)
. "$(dirname "$0")/lib.sh"

public_copies
cp "$BIN/dispatch-worker" "$PUB/real-worker"
printf '#!/bin/sh\n[ -e "%s/works" ] && exec "%s/real-worker" "$@"\nkill -KILL $$\n' \
    "$PUB" "$PUB" >"$BIN/dispatch-worker.new"
chmod 755 "$BIN/dispatch-worker.new"
mv "$BIN/dispatch-worker.new" "$BIN/dispatch-worker"
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; } );
EOF2

# The first quick death is restarted at once, then 100 ms, 200 ms...
start -c "$CFG"
wait_log '^dispatcher: warning: class normal: worker keeps dying; next start in 100 ms$'
wait_log '^dispatcher: warning: class normal: worker keeps dying; next start in 200 ms$'
wait_log '^dispatcher: warning: class normal: worker keeps dying; next start in 400 ms$'
# Each delay is waited: 100 + 200 + 400 ms at least between the lines.
first=$(grep -c 'started for class normal$' "$LOG")
[ "$first" -le 8 ] || fail "$first starts before the 400 ms delay: not backing off"
# The program works again: the next start serves the client, which
# waits for it in the queue.
touch "$PUB/works"
expect_class 127.0.0.1 normal
[ "$WORKER" = "$(logged_workers normal | tail -n 1)" ] ||
    fail "served by $WORKER, not by the last worker started"
stop

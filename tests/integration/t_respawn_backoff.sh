# A worker that keeps dying right after it starts is restarted with a
# growing delay instead of in a tight loop; once left alone it serves again.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; } );
EOF

start -c "$CFG"
for i in 1 2 3 4; do
	wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' "$i" 5
	kill -KILL "$(logged_workers normal | tail -n 1)"
done
wait_log '^dispatcher: warning: class normal: worker keeps dying; next start in 100 ms$'
wait_log '^dispatcher: warning: class normal: worker keeps dying; next start in 200 ms$'
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 5 5
expect_class 127.0.0.1 normal
[ "$WORKER" = "$(logged_workers normal | tail -n 1)" ] ||
    fail "served by $WORKER, not by the last worker started"
stop

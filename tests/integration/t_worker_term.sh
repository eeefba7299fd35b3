# A worker that dies of any signal (here SIGTERM) is logged and replaced.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
victim=$WORKER
kill -TERM "$victim"
wait_log "^dispatcher: warning: worker $victim \(class normal\) exited with status 0\$" 2
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 2 2
expect_class 127.0.0.1 normal
[ "$WORKER" != "$victim" ] || fail "answered by the dead worker $victim"
stop

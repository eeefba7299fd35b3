# A client that arrives while its class has no worker (the only one was
# just killed) is served by the replacement.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; workers = 1; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.100 special
victim=$WORKER
kill -KILL "$victim"
wait_log "^dispatcher: warning: worker $victim \(class special\) killed by signal 9\$" 2
expect_class 127.0.0.100 special
[ "$WORKER" != "$victim" ] || fail "answered by the dead worker $victim"
expect_class 127.0.0.1 normal
stop

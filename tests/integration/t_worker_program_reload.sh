# A reload keeps a class's worker program while its "worker" list is the
# same; a changed list is a changed class: the old worker drains and exits
# 0, a new one starts with the new argv and serves.
. "$(dirname "$0")/lib.sh"

pyworker
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal";
              worker = [ "$PY", "$PYWORKER", "serve" ]; } );
EOF2

start -c "$CFG"
expect_reply 127.0.0.1 'pyworker ([0-9]+) class normal peer 127\.0\.0\.1:[0-9]+'
old=$WORKER
kill -HUP "$DPID"
wait_log_count '^dispatcher: info: reloaded ' 1
expect_reply 127.0.0.1 "pyworker ($old) class normal peer 127\\.0\\.0\\.1:[0-9]+"

config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal";
              worker = [ "$PY", "$PYWORKER", "serve", "v2" ]; } );
EOF2
kill -HUP "$DPID"
wait_log_count '^dispatcher: info: reloaded ' 2
wait_log "^dispatcher: info: worker $old \\(class normal\\) exited with status 0\$"
expect_reply 127.0.0.1 'pyworker ([0-9]+) class normal peer 127\.0\.0\.1:[0-9]+'
[ "$WORKER" != "$old" ] || fail "still served by $old"
tr '\0' ' ' <"/proc/$WORKER/cmdline" | grep -q 'pyworker.py serve v2 $' ||
    fail "worker $WORKER runs $(tr '\0' ' ' <"/proc/$WORKER/cmdline")"
stop

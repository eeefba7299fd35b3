# The access log follows the configuration: "-" writes to standard error,
# a reload moves it to a new file, and one that names a file that cannot
# be opened fails, the old log going on.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
access_log = "-";
classes = ( { name = "normal"; } );
EOF2
start -c "$CFG"
expect_class 127.0.0.1 normal
wait_log "^time=[^ ]+ conn=1 peer=127\.0\.0\.1:[0-9]+ listener=127\.0\.0\.1:$PORT lane=- rule=default class=normal worker=$WORKER queued_ms=0 in_hand_ms=[0-9]+ outcome=served reason=-\$"

sed -i "s|\"-\"|\"$TMP/access.log\"|" "$CFG"
kill -HUP "$DPID"
wait_log "reloaded "
expect_class 127.0.0.2 normal
poll 5 grep -q " conn=2 peer=127\.0\.0\.2:" "$TMP/access.log" ||
    fail "connection 2 is not in the new log"
expect_no_log ' conn=2 '

sed -i "s|\"$TMP/access.log\"|\"$TMP/no/such/folder/access.log\"|" "$CFG"
kill -HUP "$DPID"
wait_log "access log $TMP/no/such/folder/access.log: No such file or directory"
wait_log 'reload of .* failed; keeping the previous configuration'
expect_class 127.0.0.3 normal
poll 5 grep -q " conn=3 peer=127\.0\.0\.3:" "$TMP/access.log" ||
    fail "connection 3 is not in the log kept"
stop

# A worker killed with SIGKILL is logged and replaced; the class goes on
# being served, by the replacement too.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
victim=$WORKER
kill -KILL "$victim"
wait_log "^dispatcher: warning: worker $victim \(class normal\) killed by signal 9\$" 2
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 3 2
new=$(logged_workers normal | tail -n 1)
is_worker "$new" || fail "replacement $new is not running"
for i in $(seq 1 10); do
	expect_class 127.0.0.1 normal
	[ "$WORKER" != "$victim" ] || fail "request $i answered by the killed worker"
	echo "$WORKER" >>"$TMP/served"
done
grep -qx "$new" "$TMP/served" || fail "the replacement $new served none of 10 requests"
expect_class 127.0.0.100 special
stop

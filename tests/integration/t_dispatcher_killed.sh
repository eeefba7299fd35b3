# If the dispatcher itself is killed (SIGKILL), its workers do not live on.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
kill -KILL "$DPID"
wait "$DPID" || true
DPID=
for pid in $(logged_workers); do
	poll 2 eval '! is_worker "$pid"' || fail "worker $pid still runs 2 s after the dispatcher died"
done

# A listen address another program holds: exit 71, naming the address,
# and no worker left behind.
. "$(dirname "$0")/lib.sh"

socat "TCP-LISTEN:$PORT,bind=127.0.0.1" /dev/null 2>/dev/null &
poll 5 eval '[ -n "$(ss -Htln "( sport = :$PORT )")" ]' || fail "socat did not listen on $PORT"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; } );
EOF

rc=0
DCMD="$BIN/dispatcher -c $CFG"
PATH="$BIN:$PATH" timeout 10 "$BIN/dispatcher" -c "$CFG" 2>"$LOG" || rc=$?
[ "$rc" -eq 71 ] || fail "exit status $rc, expected 71"
grep -q "127\.0\.0\.1:$PORT" "$LOG" || fail "no message naming 127.0.0.1:$PORT"
for pid in $(logged_workers); do
	poll 1 eval '! is_worker "$pid"' || fail "worker $pid left running"
done

# Starting on an invalid file: the errors with FILE:LINE, exit 78, no
# listener and no worker left.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
rules = (
  { address = "127.0.0.100"; class = "gold"; }
);
EOF

rc=0
DCMD="$BIN/dispatcher -c $CFG"
PATH="$BIN:$PATH" timeout 10 "$BIN/dispatcher" -c "$CFG" >/dev/null 2>"$LOG" || rc=$?
[ "$rc" -eq 78 ] || fail "exit status $rc, expected 78"
grep -q "$CFG:4: unknown class \"gold\"" "$LOG" || fail "no $CFG:4: unknown class \"gold\""
[ -z "$(ss -Htln "( sport = :$PORT )")" ] || fail "port $PORT still listening"
for pid in $(logged_workers); do
	poll 1 eval '! is_worker "$pid"' || fail "worker $pid left running"
done

# The access log is rotated twice under load, as logrotate does it (move
# the file, then SIGUSR1): the dispatcher reopens it by its path, and
# every connection has exactly one line in one of the three files.
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
ALOG=$TMP/access.log
config "$CFG" <<EOF2
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
access_log = "$ALOG";
classes = ( { name = "normal"; workers = 2; } );
EOF2

start -c "$CFG"
timeout 60 "$LOADGEN" -q -d 3 -c 8 --src 127.0.0.1 "127.0.0.1:$PORT" \
    >"$TMP/load" 2>&1 &
LOAD=$!
for n in 1 2; do
	poll 5 test -s "$ALOG" || fail "nothing logged before rotation $n"
	sleep 0.7
	mv "$ALOG" "$ALOG.$n"
	kill -USR1 "$DPID"
	wait_log_count 'reopening the access log' "$n"
done
wait "$LOAD" || fail "loadgen: $(cat "$TMP/load")"
replies=$(sed -nE 's/.* normal\.replies=([0-9]+) .*/\1/p' "$TMP/load")
[ -n "$replies" ] && [ "$replies" -gt 100 ] || fail "too little load: $(cat "$TMP/load")"
scrape
accepted=$(metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="0"}')
stop
for f in "$ALOG.1" "$ALOG.2" "$ALOG"; do
	[ -s "$f" ] || fail "$f is empty: the rotation lost the log"
done
cat "$ALOG.1" "$ALOG.2" "$ALOG" >"$TMP/all"
lines=$(wc -l <"$TMP/all")
ids=$(sed -nE 's/.* conn=([0-9]+) .*/\1/p' "$TMP/all" | sort -un | wc -l)
[ "$lines" = "$accepted" ] && [ "$ids" = "$accepted" ] ||
    fail "$lines lines, $ids connections logged, $accepted accepted"
[ "$(grep -c 'outcome=served' "$TMP/all")" -ge "$replies" ] ||
    fail "fewer served lines than the $replies replies loadgen had"

# A log disk that stalls never stalls the dispatcher: with the access log
# a FIFO that nobody reads, clients are served as ever, the lines beyond
# the writer's buffer (1 MB) are dropped and counted in the metrics, and
# once the disk moves again, every line is either written or counted.
# Stopping while the disk is stuck does not hang.
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
ALOG=$TMP/access.fifo
mkfifo "$ALOG"
# The test holds the FIFO open for reading without reading: writes block
# once its 64 kB are full.
exec 3<>"$ALOG"
config "$CFG" <<EOF2
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
access_log = "$ALOG";
classes = ( { name = "normal"; workers = 2; } );
EOF2

start -c "$CFG"
N=8000
timeout 120 "$LOADGEN" -q --drain -n "$N" -c 16 --src 127.0.0.1 \
    "127.0.0.1:$PORT" >"$TMP/load" 2>&1 || fail "loadgen: $(cat "$TMP/load")"
grep -q " normal.replies=$N " "$TMP/load" ||
    fail "not every client was served while the log was stuck: $(cat "$TMP/load")"
scrape
dropped=$(metric dispatcher_access_log_dropped_lines_total)
[ "$dropped" -gt 0 ] || fail "no line dropped, with 1 MB of buffer for $N lines"

# The disk moves again: what was kept is written.
cat "$ALOG" >"$TMP/written" 3<&- &
READER=$!
exec 3<&-
expect_class 127.0.0.1 normal
scrape
dropped=$(metric dispatcher_access_log_dropped_lines_total)
stop
wait "$READER"
written=$(wc -l <"$TMP/written")
[ "$((written + dropped))" = "$((N + 1))" ] ||
    fail "$written lines written and $dropped dropped, for $((N + 1)) connections"

# Stuck again at the stop: the dispatcher still exits, in time.
exec 3<>"$ALOG"
start -c "$CFG"
timeout 120 "$LOADGEN" -q --drain -n 2000 -c 16 --src 127.0.0.1 \
    "127.0.0.1:$PORT" >"$TMP/load" 2>&1 || fail "loadgen: $(cat "$TMP/load")"
stop TERM 10
expect_line "dispatcher: warning: access log $ALOG: the disk is slow; its last lines are written in the background"
exec 3<&-

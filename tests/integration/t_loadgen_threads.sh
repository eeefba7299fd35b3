# The benchmark's load generator in two threads (loadgen -j 2, as `make
# bench` runs it on two cores): the counts it reports are the sum of both
# threads', classes merged by name, every client it started is one the
# dispatcher accepted, and one SIGINT ends both threads at once.
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = (
  { name = "normal";  workers = 2; },
  { name = "special"; workers = 1; priority = 10; }
);
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

# field KEY: KEY's value in the load generator's summary.
field() {
	tr ' ' '\n' <"$TMP/load" | sed -n "s/^$1=//p"
}

# accepted_total: the dispatcher's accepts so far, from a new scrape.
accepted_total() {
	scrape && metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="0"}'
}

start -c "$CFG"
timeout 30 "$LOADGEN" -q -j 2 -d 2 -c 8 --drain --src 127.0.1.0/24 \
    --special-src 127.0.0.100 --special-rate 20 \
    --special-latencies "$TMP/latencies" "127.0.0.1:$PORT" \
    >"$TMP/load" 2>&1 || fail "loadgen: $(cat "$TMP/load")"
n=$(field normal.started) s=$(field special.started)
[ "$n" -gt 100 ] || fail "too little load: $(cat "$TMP/load")"
# 20 a second for 2 s: 10 a second in each thread.
[ "$s" -ge 38 ] && [ "$s" -le 42 ] || fail "$s special clients, not 40"
[ "$(field normal.replies)" = "$n" ] &&
    [ "$(field normal.class.normal)" = "$n" ] &&
    [ "$(field special.replies)" = "$s" ] &&
    [ "$(field special.class.special)" = "$s" ] ||
    fail "not every client answered by its class: $(cat "$TMP/load")"
[ "$(wc -l <"$TMP/latencies")" = "$s" ] ||
    fail "$(wc -l <"$TMP/latencies") special latencies kept for $s clients"
accepted=$(accepted_total) || fail "no metrics"
[ "$accepted" = $((n + s)) ] ||
    fail "the dispatcher accepted $accepted, loadgen started $((n + s))"

# Clients that never read, with a timeout of 20 s: each thread sleeps in
# epoll_wait until then, and only the signal's wake-up ends it sooner.
timeout 30 "$LOADGEN" -q -j 2 -d 20 -c 4 --behave noread -t 20000 \
    --src 127.0.1.0/24 "127.0.0.1:$PORT" >"$TMP/load" 2>&1 &
LOAD=$!
# started: all four of the second load's clients accepted.
started() {
	[ "$(accepted_total)" -ge $((accepted + 4)) ] 2>/dev/null
}
poll 10 started || fail "the second load never started"
kill -INT "$LOAD"
t0=$(date +%s%N)
wait "$LOAD" || fail "loadgen after SIGINT: $(cat "$TMP/load")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 2000 ] || fail "loadgen took $ms ms to stop after SIGINT"
[ "$(field normal.unfinished)" = 4 ] ||
    fail "not 4 clients left unfinished: $(cat "$TMP/load")"
stop

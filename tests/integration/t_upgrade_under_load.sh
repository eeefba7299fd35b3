# SIGUSR2 under load: the new binary takes the listening socket over while
# a closed loop of clients runs, and not one connection is lost: every
# client started gets its whole reply, none is refused or reset.  The old
# dispatcher exits 0, the new one serves with workers of its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; workers = 2; } );
EOF2

start_reaped -c "$CFG"
expect_class 127.0.0.5 normal
old_workers=$(logged_workers)
ino=$(ss -Hltne "( sport = :$PORT )" | sed -nE 's/.* ino:([0-9]+) .*/\1/p')

timeout 60 "$LOADGEN" -q -d 4 -c 16 -t 10000 --drain --src 127.0.0.1 \
    "127.0.0.1:$PORT" >"$TMP/load" 2>&1 &
LOAD=$!
# Under way: the old dispatcher has accepted some.
accepted() {
	scrape
	[ "$(metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="0"}')" -ge "$1" ]
}
poll 10 accepted 200 || fail "the load did not start"
upgrade
alive "$LOAD" || fail "the load ended before the upgrade did: $(cat "$TMP/load")"
wait "$LOAD" || fail "loadgen: $(cat "$TMP/load")"

summary=$(grep '^summary ' "$TMP/load") || fail "no summary: $(cat "$TMP/load")"
value() { sed -nE "s/.* normal\\.$1=([0-9]+) .*/\\1/p" <<<"$summary"; }
started=$(value started)
[ "$started" -gt 1000 ] || fail "too little load: $summary"
for k in replies class.normal; do
	[ "$(value "$k")" = "$started" ] || fail "$started clients, $(value "$k") $k: $summary"
done
for k in other empty connect_errors resets aborted timeouts unfinished; do
	[ "$(value "$k")" = 0 ] || fail "$(value "$k") $k: $summary"
done
# The new dispatcher took its share of the load, on the same socket.
accepted 100 || fail "the new dispatcher accepted too few"
[ "$(ss -Hltne "( sport = :$PORT )" | sed -nE 's/.* ino:([0-9]+) .*/\1/p')" = "$ino" ] ||
    fail "the listening socket is not the one of the start"

expect_class 127.0.0.5 normal
case " $(new_workers | tr '\n' ' ') " in
*" $WORKER "*) ;;
*) fail "worker $WORKER is not one the new dispatcher started" ;;
esac
for pid in $old_workers; do
	is_worker "$pid" && fail "worker $pid of the old dispatcher still runs"
done
if grep '^dispatcher: warning: ' "$LOG" | grep -v ': running as root: '; then
	fail "unexpected warnings"
fi
stop

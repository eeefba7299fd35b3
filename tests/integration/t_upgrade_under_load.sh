# SIGUSR2 under load: the new binary takes the listening socket over while
# a closed loop of clients runs, and not one connection is lost: every
# client started gets its whole reply, none is refused or reset.  The old
# dispatcher exits 0, the new one serves with workers of its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; workers = 2; } );
EOF2

start_reaped -c "$CFG"
expect_class 127.0.0.5 normal
old_workers=$(logged_workers)
ino=$(inodes)

load_start
# Under way: the old dispatcher has accepted some.
poll 10 load_accepted 200 0 || fail "the load did not start"
upgrade
alive "$LOAD" || fail "the load ended before the upgrade did: $(cat "$TMP/load")"
load_lost_none 1000 normal
# The new dispatcher took its share of the load, on the same socket.
load_accepted 100 0 || fail "the new dispatcher accepted too few"
[ "$(inodes)" = "$ino" ] ||
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

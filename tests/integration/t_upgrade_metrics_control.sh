# The metrics endpoint and the control socket are handed over with the
# listener: both answer through the upgrade, from the new dispatcher
# afterwards; the socket file stays where it is when the old one exits,
# and goes when the new one stops.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF2
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
control = "$SOCK";
classes = ( { name = "normal"; workers = 2; } );
EOF2

start_reaped -c "$CFG"
expect_class 127.0.0.5 normal
ino=$(stat -c %i "$SOCK")
upgrade
expect_class 127.0.0.5 normal

# The metrics are the new dispatcher's: it counts from its start.
scrape
expect_metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="0"}' 1
ctl "$SOCK" workers >"$TMP/workers"
[ "$(tail -1 "$TMP/workers")" = ok ] || fail "control socket: $(cat "$TMP/workers")"
sed -nE 's/^pid=([0-9]+) .*/\1/p' "$TMP/workers" | sort -n >"$TMP/listed"
new_workers | sort -n | diff - "$TMP/listed" >/dev/null ||
    fail "workers listed: $(cat "$TMP/listed"), expected the new ones: $(new_workers)"
[ -S "$SOCK" ] && [ "$(stat -c %i "$SOCK")" = "$ino" ] ||
    fail "the control socket's file is not the one of the start"
expect_no_log 'metrics on .*: |control socket .*: '
expect_no_log 'Address already in use'
stop
[ ! -e "$SOCK" ] || fail "the control socket's file is left after the stop"

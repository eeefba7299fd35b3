# Under systemd (Type=notify): the new dispatcher says READY=1, the old
# one names it the main process (MAINPID=) and drains without saying
# STOPPING=1, since the service goes on.  The new one pings the watchdog
# although WATCHDOG_PID named the old one: the variable is not passed on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF2
notify_listen
export WATCHDOG_USEC=200000
AS_USER=(sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh)
start_reaped -c "$CFG"
AS_USER=()
wait_notes 1
upgrade
expect_class 127.0.0.5 normal
pings() { grep -cx 'WATCHDOG=1' "$NOTES" || true; }
n=$(pings)
poll 5 eval '[ "$(pings)" -ge $((n + 3)) ]' || fail "the new dispatcher does not ping the watchdog"
grep -Ex "MAINPID=$DPID\\|STATUS=upgraded: dispatcher $DPID serves" "$NOTES" >/dev/null ||
    fail "no MAINPID=$DPID: $(grep -v WATCHDOG "$NOTES")"
[ "$(grep -c '^READY=1|STATUS=ready ' "$NOTES")" -eq 2 ] ||
    fail "not two READY=1: $(grep -v WATCHDOG "$NOTES")"
grep -q STOPPING "$NOTES" && fail "STOPPING=1 before the stop: $(grep -v WATCHDOG "$NOTES")"
stop
poll 5 grep -qx 'STOPPING=1|STATUS=stopping' "$NOTES" || fail "no STOPPING=1 at the stop"

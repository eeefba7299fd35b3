# The watchdog: with WATCHDOG_USEC=200000 and WATCHDOG_PID naming the
# dispatcher, WATCHDOG=1 every 100 ms from its event loop;
# with WATCHDOG_PID naming another process, none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/systemd.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF2
notify_listen
pings() {
	grep -cx 'WATCHDOG=1' "$NOTES" || true
}

# As systemd does: the pid the watchdog is for, that of the exec'd program.
export WATCHDOG_USEC=200000
AS_USER=(sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh)
start -c "$CFG"
expect_line "dispatcher: info: watchdog: a ping every 100 ms"
poll 5 eval '[ "$(pings)" -ge 10 ]' || fail "$(pings) pings within 5 s"
[ "$(head -1 "$NOTES")" = 'READY=1|STATUS=ready (listeners: 1, workers: 1)' ] ||
    fail "the first notification is $(head -1 "$NOTES")"
stop
grep -qx 'STOPPING=1|STATUS=stopping' "$NOTES" || fail "no STOPPING=1"

# Another process's watchdog.
: >"$NOTES"
AS_USER=(env WATCHDOG_PID=1)
start -c "$CFG"
wait_notes 1
expect_no_log '^dispatcher: info: watchdog'
# Ten intervals' time, the reload's notes to show the socket works.
kill -HUP "$DPID"
wait_notes 3
t0=$(date +%s%N)
poll 1 eval '[ $(( $(date +%s%N) - t0 )) -ge 1000000000 ] || [ "$(pings)" -gt 0 ]'
[ "$(pings)" -eq 0 ] || fail "$(pings) pings for another process's watchdog"
stop

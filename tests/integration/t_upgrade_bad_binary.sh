# A new binary that fails to start: the one at the dispatcher's path is
# replaced (by a rename, as a package manager does) with a program that
# exits 1.  SIGUSR2 starts it, the dispatcher logs how it ended and serves
# on with its own workers; the right binary put back, an upgrade works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

own_binary
config "$CFG" <<'EOF2'
listen = ( "127.0.0.1:@PORT@" );
classes = ( { name = "normal"; workers = 2; } );
EOF2

start_reaped -c "$CFG"
expect_class 127.0.0.5 normal
workers=$(live_workers | tr '\n' ' ')

printf '#!/bin/sh\nexit 1\n' >"$TMP/broken"
install_binary "$TMP/broken"
kill -USR2 "$DPID"
wait_log "^dispatcher: info: upgrade: started $BIN/dispatcher as dispatcher [0-9]+; "
new=$(sed -nE 's/^dispatcher: info: upgrade: started .* as dispatcher ([0-9]+); .*/\1/p' "$LOG")
wait_log "^dispatcher: warning: upgrade failed: dispatcher $new exited with status 1 before it was ready; serving on as before\$"
alive "$DPID" || fail "the dispatcher exited"
expect_class 127.0.0.5 normal
expect_class 127.0.0.6 normal
[ "$(live_workers | tr '\n' ' ')" = "$workers" ] || fail "workers changed: $(live_workers)"
expect_no_log 'is ready and serves'

install_binary "$GOOD"
upgrade
expect_class 127.0.0.5 normal
case " $(new_workers | tr '\n' ' ') " in
*" $WORKER "*) ;;
*) fail "worker $WORKER is not the new dispatcher's" ;;
esac
stop

# Clients that go away before a delayed reply (closing, or resetting)
# disturb neither the worker nor the dispatcher.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "slow"; workers = 1; delay_ms = 300; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.100 slow
workers=$(live_workers)
# One client closes at once, one resets (SO_LINGER 0).
timeout 5 socat -u -t 0 /dev/null "$(client_addr 127.0.0.100)" 2>/dev/null || true
timeout 5 socat -u -t 0 /dev/null "$(client_addr 127.0.0.100),linger=0" 2>/dev/null || true
sleep 0.6
expect_class 127.0.0.100 slow
expect_class 127.0.0.1   normal
alive "$DPID" || fail "the dispatcher died"
[ "$(live_workers)" = "$workers" ] ||
    fail "workers were $(echo $workers), now $(echo $(live_workers))"
expect_no_log '^dispatcher: warning: worker'
stop

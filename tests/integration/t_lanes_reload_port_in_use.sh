# A reload that adds a listener with lanes on a port another program
# holds with SO_REUSEPORT, as the same user, fails as it does without
# lanes: the listener is not opened into that program's group, and the
# previous configuration goes on.
. "$(dirname "$0")/lib.sh"

socat "TCP-LISTEN:$PORT2,bind=127.0.0.1,reuseport,fork" SYSTEM:'echo other' 2>/dev/null &
poll 5 eval '[ -n "$(ss -Htln "( sport = :$PORT2 )")" ]' || fail "socat did not listen on $PORT2"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
start -c "$CFG"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; },
           { address = "127.0.0.1:@PORT2@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
kill -HUP "$DPID"
expect_line "dispatcher: warning: cannot listen on 127.0.0.1:$PORT2: Address already in use"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_no_log '^dispatcher: info: reloaded'
expect_no_log "listening on 127\.0\.0\.1:$PORT2"
[ "$(ss -Htln "( sport = :$PORT2 )" | wc -l)" -eq 1 ] ||
    fail "$(ss -Htln "( sport = :$PORT2 )" | wc -l) listening sockets on $PORT2, expected socat's alone"
expect_class 127.0.0.100 special
stop

# SIGHUP with a file libconfig cannot parse: a syntax error warning with
# FILE:LINE, and the previous configuration goes on routing.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.100 special

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = 127.0.0.1; class = "special"; } );
EOF
kill -HUP "$DPID"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
wait_log "^dispatcher: warning: $CFG:3: syntax error: "
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
stop

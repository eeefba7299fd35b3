# SIGHUP when the file is gone: the reload fails, the previous
# configuration goes on routing.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
rm "$CFG"
kill -HUP "$DPID"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
stop

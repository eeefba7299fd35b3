# A relative configuration path (here the default etc/rules.cfg) is still
# found on SIGHUP.
. "$(dirname "$0")/lib.sh"

config "$TMP/root/etc/rules.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
EOF
cd "$TMP/root"

start
expect_class 127.0.0.100 normal
config "$TMP/root/etc/rules.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded etc/rules.cfg"
expect_class 127.0.0.100 special
stop

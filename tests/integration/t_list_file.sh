# A rule with a list file: every address or CIDR in it routes like a rule
# at the list's place; the path is relative to the configuration; a reload
# reads the list again.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.7"; class = "normal"; },
  { file = "vip.list"; class = "special"; }
);
EOF
cat >"$TMP/vip.list" <<'EOF'
# partners
127.0.0.100
127.0.0.0/29    # covers 127.0.0.7, but the rule above comes first

127.0.3.0/24
EOF

start -c "$CFG"
expect_class 127.0.0.100 special
expect_class 127.0.0.5   special
expect_class 127.0.0.7   normal
expect_class 127.0.3.9   special
expect_class 127.0.4.9   normal

echo "127.0.4.0/24" >>"$TMP/vip.list"
kill -HUP "$DPID"
wait_log "^dispatcher: info: reloaded $CFG\$"
expect_class 127.0.4.9 special
stop

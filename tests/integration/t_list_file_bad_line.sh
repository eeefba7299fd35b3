# A bad line in a list file is a configuration error naming the list and
# the line: -t fails, and a reload keeps the rules in force.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { file = "vip.list"; class = "special"; } );
EOF
printf '127.0.0.100\n' >"$TMP/vip.list"

start -c "$CFG"
expect_class 127.0.0.100 special
printf '127.0.0.100\n127.0.0.200\n127.0.0.0/40\n' >"$TMP/vip.list"
kill -HUP "$DPID"
expect_line "dispatcher: warning: $TMP/vip.list:3: bad prefix length in \"127.0.0.0/40\": must be 0 to 32"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_class 127.0.0.200 normal
expect_class 127.0.0.100 special
stop

check "$CFG"
[ "$CHECK_RC" -eq 78 ] || fail "-t: exit status $CHECK_RC, expected 78"
grep -qx "$TMP/vip.list:3: bad prefix length in \"127.0.0.0/40\": must be 0 to 32" \
    "$TMP/check.err" || fail "-t: no $TMP/vip.list:3 error"

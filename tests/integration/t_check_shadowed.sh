# -t warns about address rules that an earlier rule covers entirely, and
# the configuration is still valid.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.0/8"; class = "special"; },
  { address = "192.168.0.0/16"; class = "special"; },
  { address = "10.20.0.0/16"; action = "deny"; },
  { file = "more.list"; class = "normal"; }
);
EOF
printf '172.16.0.0/12\n192.168.7.0/24\n' >"$TMP/more.list"

check "$CFG"
[ "$CHECK_RC" -eq 0 ] || fail "-t: exit status $CHECK_RC, expected 0"
grep -qx "$CFG: configuration OK" "$TMP/check.out" || fail "-t: not OK"
grep -qx "$CFG:6: warning: rule #3 at $CFG:6 can never match: rule #1 at $CFG:4 covers it" \
    "$TMP/check.err" || fail "-t: no warning for rule #3"
grep -qx "$TMP/more.list:2: warning: rule #4 at $CFG:7 (file $TMP/more.list:2) can never match: rule #2 at $CFG:5 covers it" \
    "$TMP/check.err" || fail "-t: no warning for the list entry"
[ "$(wc -l <"$TMP/check.err")" -eq 2 ] || fail "-t: other warnings: $(cat "$TMP/check.err")"

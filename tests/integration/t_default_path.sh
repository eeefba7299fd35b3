# Without -c the dispatcher reads etc/rules.cfg in the current directory.
. "$(dirname "$0")/lib.sh"

config "$TMP/root/etc/rules.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
cd "$TMP/root"

rc=0
timeout 10 "$BIN/dispatcher" -t >"$TMP/out" 2>"$LOG" || rc=$?
[ "$rc" -eq 0 ] || fail "-t: exit status $rc"
[ "$(cat "$TMP/out")" = "etc/rules.cfg: configuration OK" ] || fail "-t printed: $(cat "$TMP/out")"

start
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal
stop

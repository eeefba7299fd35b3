# "user" and "group" are looked up when the file is read: an unknown one
# is a FILE:LINE error of -t, and the dispatcher does not start.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "no-such-user";
EOF2
expect_errors "$CFG" '3: unknown user "no-such-user"'

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "nobody";
group = "no-such-group";
EOF2
expect_errors "$CFG" '4: unknown group "no-such-group"'

rc=0
timeout 10 "$BIN/dispatcher" -c "$CFG" >"$OUT" 2>"$LOG" || rc=$?
[ "$rc" -eq 78 ] || fail "exit status $rc, expected 78"
expect_line "dispatcher: warning: $CFG:4: unknown group \"no-such-group\""

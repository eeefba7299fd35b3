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

expect_exit 78 -c "$CFG"
expect_line "dispatcher: warning: $CFG:4: unknown group \"no-such-group\""

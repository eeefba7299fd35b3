# A reload that changes "user" or "group" goes through, but the process
# stays who it is: the change waits for the next start, and it says so.
. "$(dirname "$0")/lib.sh"

public_copies
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "nobody";
EOF2
start -c "$CFG"
expect_class 127.0.0.1 normal

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "daemon";
EOF2
kill -HUP "$DPID"
expect_line "dispatcher: warning: $CFG: a changed \"user\" or \"group\" takes effect at the next start"
expect_line "dispatcher: info: reloaded $CFG"
[ "$(stat -c %u "/proc/$DPID")" -eq "$(id -u nobody)" ] ||
    fail "the dispatcher is no longer nobody's"
expect_class 127.0.0.1 normal

# Back to the user it runs as: nothing waits for a restart.
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "nobody";
EOF2
kill -HUP "$DPID"
wait_log_count "^dispatcher: info: reloaded $CFG\$" 2
[ "$(count_log 'takes effect at the next start')" -eq 1 ] ||
    fail "a reload back to the running user is said to wait for a restart"
stop

# Started as root without "user", the dispatcher says once that it runs
# as root; with "user" it does not.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "this test runs as root"
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF2
start -c "$CFG"
expect_line "dispatcher: warning: running as root: set \"user\" in $CFG to run as an unprivileged user once listening"
expect_class 127.0.0.1 normal
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
[ "$(count_log 'running as root')" -eq 1 ] || fail "the warning came more than once"
stop

# After the drop to nobody, what was opened as root goes on working: the
# metrics endpoint, the control socket (answering, and removed at exit
# from a folder of the user's), and the access log, which was given to
# the user so that it is reopened after a rotation whose new file
# belongs to the user (logrotate's "create"), in a folder only root may
# write.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "this test runs as root"
public_copies
mkdir -m 755 "$PUB/log" "$PUB/run"
chown nobody:nogroup "$PUB/run"
SOCK=$PUB/run/control.sock
ALOG=$PUB/log/access.log
config "$CFG" <<EOF2
listen = ( "127.0.0.1:@PORT@" );
metrics = "127.0.0.1:@PORT2@";
control = "$SOCK";
access_log = "$ALOG";
classes = ( { name = "normal"; } );
user = "nobody";
group = "nogroup";
EOF2
start -c "$CFG"
[ "$(stat -c %U:%G "$ALOG")" = nobody:nogroup ] ||
    fail "the access log is $(stat -c %U:%G "$ALOG")'s"
expect_class 127.0.0.1 normal
poll 5 grep -q " conn=1 " "$ALOG" || fail "connection 1 not logged"

# Rotation: the folder is root's, the new file nobody's.
mv "$ALOG" "$ALOG.1"
install -o nobody -g nogroup -m 640 /dev/null "$ALOG"
kill -USR1 "$DPID"
wait_log 'reopening the access log'
expect_class 127.0.0.2 normal
poll 5 grep -q " conn=2 peer=127\.0\.0\.2:" "$ALOG" ||
    fail "connection 2 is not in the reopened log: $(cat "$ALOG")"
expect_no_log 'cannot reopen'

scrape
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 2
[ "$(ctl "$SOCK" stats | grep -c '^dispatcher_connections_handed_total{class="normal"} 2$')" = 1 ] ||
    fail "the control socket's stats: $(ctl "$SOCK" stats)"
stop
[ ! -e "$SOCK" ] || fail "the control socket is left at exit"

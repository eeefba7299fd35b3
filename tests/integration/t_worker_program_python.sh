# A class runs a worker of its own: tests/support/pyworker.py, written in
# Python from docs/WORKER-PROTOCOL.md alone, serves real clients (IPv4
# and IPv6, many at once) beside dispatch-worker's class, names the class
# it was given in DISPATCH_CLASS and the peer from its CONN record, and
# exits 0 when its channel closes at the stop.
. "$(dirname "$0")/lib.sh"

pyworker
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@", "[::1]:@PORT@" ];
classes = ( { name = "normal"; workers = 1; },
            { name = "py"; workers = 2;
              worker = [ "$PY", "$PYWORKER", "serve" ]; } );
rules = ( { address = "127.0.0.100"; class = "py"; },
          { address = "::1"; class = "py"; } );
EOF2

start -c "$CFG"
expect_class 127.0.0.1 normal
expect_reply 127.0.0.100 'pyworker ([0-9]+) class py peer 127\.0\.0\.100:[0-9]+'
case " $(logged_workers py | tr '\n' ' ') " in
*" $WORKER "*) ;;
*) fail "pyworker $WORKER is not a logged worker of class py" ;;
esac
expect_reply ::1 'pyworker ([0-9]+) class py peer \[::1\]:[0-9]+'

# Twenty at once, each served by one of the two.
for i in $(seq 1 20); do
	ask_bg 127.0.0.100 "$TMP/reply.$i"
done
wait_clients
for i in $(seq 1 20); do
	reply_matches "$TMP/reply.$i" 'pyworker ([0-9]+) class py peer 127\.0\.0\.100:[0-9]+' ||
	    fail "client $i: $(cat "$TMP/reply.$i")"
done
[ "$(logged_workers py | wc -l)" -eq 2 ] || fail "py workers restarted"
stop
expect_log_count() { [ "$(count_log "$1")" -eq "$2" ] || fail "$2 lines matching '$1' expected"; }
expect_log_count '^dispatcher: info: worker [0-9]+ \(class py\) exited with status 0$' 2

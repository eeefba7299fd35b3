# A control client that sends commands and never reads their answers is
# dropped once its answers fill their bound (1 MiB), and meanwhile the
# dispatcher still answers other control clients and routes connections
# at once.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; workers = 4; } );
EOF
start -c "$CFG"

# The stalled client: "workers" and "help", 200 000 commands at most,
# never a byte read; it says how it ended.
timeout 60 python3 - "$SOCK" >"$TMP/stalled" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.settimeout(20)
try:
    for i in range(20000):
        s.sendall(b"workers\nhelp\n" * 10)
except (BrokenPipeError, ConnectionResetError) as e:
    print("dropped after %d commands" % (i * 20))
    sys.exit(0)
except socket.timeout:
    print("stalled: the dispatcher stopped reading")
    sys.exit(1)
print("never dropped")
sys.exit(1)
EOF
stalled=$!

# While it fills its buffer: others are answered, and served, within
# 5 s each (a dispatcher blocked on the stalled client would answer
# nothing until it is dropped: the bound is for a loaded machine).
for i in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(date +%s%N)
	[ "$(ctl "$SOCK" workers | tail -n 1)" = ok ] || fail "no answer to workers while a client stalls"
	expect_class 127.0.0.1 normal
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "a control client and a connection took $(((t1 - t0) / 1000000)) ms"
done

rc=0
wait "$stalled" || rc=$?
[ "$rc" -eq 0 ] || fail "stalled client: exit $rc: $(cat "$TMP/stalled")"
grep -q '^dropped after' "$TMP/stalled" || fail "stalled client: $(cat "$TMP/stalled")"
wait_log '^dispatcher: warning: control client not reading its answers \([0-9]+ bytes waiting\); dropped$'
[ "$(ctl "$SOCK" help | tail -n 1)" = ok ] || fail "no answer after the stalled client went"
stop

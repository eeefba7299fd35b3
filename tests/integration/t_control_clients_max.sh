# At most 8 control clients at once: the ninth gets an error line and the
# close, and is not counted against the listeners' connections.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; max_connections = 1; queue = 0; busy_reply = "busy\n"; } );
EOF
start -c "$CFG"

# Eight clients that hold their connection open, each answered once,
# until $TMP/release appears.
timeout 60 python3 - "$SOCK" "$TMP/release" >"$TMP/held" 2>&1 <<'EOF' &
import os, socket, sys, time
clients = []
for i in range(8):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(b"help\n")
    data = b""
    while not data.endswith(b"\nok\n"):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("client %d: closed after %r" % (i, data))
        data += chunk
    clients.append(s)
print("held", flush=True)
deadline = time.time() + 30
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
EOF
held=$!
poll 10 grep -qx held "$TMP/held" || fail "eight clients: $(cat "$TMP/held")"

# The ninth, which only reads: one error line, then the close.
got=$(timeout 10 socat -u "UNIX-CONNECT:$SOCK" - 2>>"$TMP/clients.err") || true
[ "$got" = "error too many control clients" ] || fail "a ninth client: '$got'"
expect_line "dispatcher: warning: control socket: too many control clients; one refused"
# The routing path is not short of anything.
expect_class 127.0.0.1 normal
# They leave: others may come.
touch "$TMP/release"
wait "$held" || fail "eight clients: $(cat "$TMP/held")"
poll 5 eval '[ "$(ctl "$SOCK" help | tail -n 1)" = ok ]' ||
    fail "no room for a client after the others left"
stop

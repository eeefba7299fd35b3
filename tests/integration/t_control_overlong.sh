# A control line longer than 1023 bytes gets an error line, then the
# close; the dispatcher reads no more of it than the line's limit.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; } );
EOF
start -c "$CFG"

# 1023 bytes and the newline: a line (an unknown command).
long=$(head -c 1023 /dev/zero | tr '\0' x)
[ "$(ctl "$SOCK" "$long" help | tail -n 1)" = ok ] || fail "a 1023-byte line closed the connection"

# 4000 bytes without a newline, then help: the error, then the close
# (a reset, as the rest is never read), no answer to help.
timeout 10 python3 - "$SOCK" >"$TMP/answer" <<'EOF' || fail "overlong client: $(cat "$TMP/answer")"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 4000 + b"\nhelp\n")
except (BrokenPipeError, ConnectionResetError):
    pass
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    pass
sys.stdout.write(data.decode())
EOF
[ "$(cat "$TMP/answer")" = "error line longer than 1023 bytes; closing" ] ||
    fail "overlong line: got '$(cat "$TMP/answer")'"
# Still serving.
[ "$(ctl "$SOCK" help | tail -n 1)" = ok ] || fail "no answer after an overlong line"
expect_class 127.0.0.1 normal
stop

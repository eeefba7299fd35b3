# handler = "http": a client whose body comes after the answer went (it
# announced one) still gets the whole answer: the worker lingers, reading
# what comes, rather than close a socket that more bytes would reset, the
# unsent rest of the answer lost.  The client reads slowly (a small
# receive buffer), so that some of the answer waits in the server's
# socket when the body comes.
. "$(dirname "$0")/lib.sh"

reply=$(head -c 4000 /dev/zero | tr '\0' r)
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; reply = "$reply"; } );
EOF2
start -c "$CFG"

# client SRC METHOD: sends a head announcing 20000 bytes, waits for the
# server to have sent all it will (its socket at FIN-WAIT-1, the answer
# taken by the kernel), then sends the body and reads; prints the status
# line, the bytes read and how it ended.
client() {
	timeout 20 python3 - "$PORT" "$1" "$2" <<'PY'
import socket, subprocess, sys, time
port, src, method = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.bind((src, 0))
s.connect(("127.0.0.1", port))
me = s.getsockname()[1]
s.sendall(("%s / HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n"
           % method).encode())
deadline = time.time() + 5
while True:
    out = subprocess.run(["ss", "-Htn", "state", "fin-wait-1",
                          "( sport = :%d and dport = :%d )" % (port, me)],
                         capture_output=True, text=True).stdout
    if out.strip():
        break
    if time.time() > deadline:
        print("the server never finished sending")
        sys.exit(1)
    time.sleep(0.02)
s.sendall(b"b" * 20000)
s.settimeout(5)
got, how = b"", "EOF"
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    how = "timeout"
print(got.split(b"\r\n")[0].decode(), len(got), how)
PY
}

# What the answers are: 4000 bytes of body after the headers, or a line.
for m in GET POST; do
	client 127.0.0.1$((${#m})) $m >"$TMP/$m" || fail "$m: $(cat "$TMP/$m")"
done
read -r version code reason n how <"$TMP/GET" || true
[ "$version $code $how" = "HTTP/1.1 200 EOF" ] || fail "GET: $(cat "$TMP/GET")"
[ "$n" -gt 4000 ] || fail "GET: $n bytes: $(cat "$TMP/GET")"
grep -Eq '^HTTP/1.1 405 Method Not Allowed [0-9]+ EOF$' "$TMP/POST" ||
    fail "POST: $(cat "$TMP/POST")"
stop

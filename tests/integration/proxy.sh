# proxy.sh: sourced after lib.sh by the PROXY protocol tests.
#
#   haproxy_start FRONT_PORT SERVER_OPTION [FRONT_PORT SERVER_OPTION...]
#                       runs HAProxy in the foreground (-db), as a child
#                       of the test that cleanup stops: each front port on
#                       127.0.0.1 goes to the dispatcher's $PORT with
#                       that option ("send-proxy-v2", "send-proxy")
#   proxy_config [LINE...]
#                       $CFG: listener "lb" on PORT taking PROXY headers
#                       from 127.0.0.1, classes normal and special that
#                       reply "CLASS {peer}", 127.0.0.100 special, and
#                       the LINEs besides
#   proxy_client SRC PORT HEX [HOLD_S]
#                       connects to 127.0.0.1:PORT from SRC, sends the
#                       bytes HEX spells (pieces split by "," go
#                       PROXY_PIECE_S, 0.3, seconds apart), half-closes (or, with HOLD_S, keeps its
#                       side open that long), and prints what it receives
#                       until the server closes, then a line "closed
#                       after MS ms", "reset after MS ms" or "timeout"
command -v haproxy >/dev/null ||
    fail "no haproxy (scripts/install-deps installs it)"

HAPROXY_CFG=$TMP/haproxy.cfg
HAPROXY_LOG=$TMP/haproxy.log

haproxy_start() {
	local i=0
	{
		printf 'global\n  maxconn 256\n'
		printf 'defaults\n  mode tcp\n  timeout connect 5s\n'
		printf '  timeout client 10s\n  timeout server 10s\n'
		while [ $# -ge 2 ]; do
			i=$((i + 1))
			printf 'listen front%d\n  bind 127.0.0.1:%s\n' "$i" "$1"
			printf '  server s 127.0.0.1:%s %s\n' "$PORT" "$2"
			shift 2
		done
	} >"$HAPROXY_CFG"
	CONFIGS+=("$HAPROXY_CFG")
	haproxy -c -q -f "$HAPROXY_CFG" >"$HAPROXY_LOG" 2>&1 ||
	    fail "haproxy -c: $(cat "$HAPROXY_LOG")"
	haproxy -db -f "$HAPROXY_CFG" >>"$HAPROXY_LOG" 2>&1 &
	HAPROXY_PID=$!
	# Ready when its first front port listens.
	poll 10 eval '[ -n "$(ss -Htln "( sport = :$(sed -n "s/^  bind 127.0.0.1://p" "$HAPROXY_CFG" | head -1) )")" ]' ||
	    fail "haproxy does not listen: $(cat "$HAPROXY_LOG")"
}

proxy_config() {
	{
		printf '%s\n' "$@"
		cat <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "lb";
             proxy_protocol = true; proxy_from = [ "127.0.0.1" ]; } );
classes = ( { name = "normal"; reply = "normal {peer}\n"; },
            { name = "special"; reply = "special {peer}\n"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
	} | config "$CFG"
}

proxy_client() {
	timeout 20 python3 - "$@" <<'PY'
import os, socket, sys, time
src, port = sys.argv[1], int(sys.argv[2])
pieces = [bytes.fromhex(h) for h in sys.argv[3].split(",")]
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0
s = socket.socket()
s.bind((src, 0))
s.connect(("127.0.0.1", port))
t0 = time.monotonic()
s.settimeout(hold if hold > 0 else 10)
got = b""
end = "timeout"
try:
    for i, p in enumerate(pieces):
        if i > 0:
            time.sleep(float(os.environ.get("PROXY_PIECE_S", "0.3")))
        s.sendall(p)
    if hold == 0:
        s.shutdown(socket.SHUT_WR)
    while True:
        b = s.recv(4096)
        if not b:
            end = "closed after %d ms" % ((time.monotonic() - t0) * 1000)
            break
        got += b
except socket.timeout:
    pass
except OSError:
    # A server that closes over unread bytes resets; sending after
    # that, or shutting down, fails.
    end = "reset after %d ms" % ((time.monotonic() - t0) * 1000)
sys.stdout.buffer.write(got + end.encode() + b"\n")
PY
}

# hex FORMAT [ARGS...]: the bytes printf makes of them, in hex.
hex() {
	# shellcheck disable=SC2059
	printf "$@" | od -An -v -tx1 | tr -d ' \n'
}

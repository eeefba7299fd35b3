# A listener with proxy_protocol takes a connection from the kernel only
# once its first bytes have come (TCP_DEFER_ACCEPT): a header sent half
# a second after the connect is read at once, and the connection never
# waits in the dispatcher's parking.  One that sends nothing is still
# taken, after a second, and dropped at proxy_timeout_ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

proxy_config \
    'proxy_timeout_ms = 1000;'
start -v -c "$CFG"

# Nothing, then the whole header 0.5 s later.
r=$(PROXY_PIECE_S=0.5 proxy_client 127.0.0.1 "$PORT" \
    ",$(hex 'PROXY TCP4 127.0.0.100 127.0.0.1 4000 %s\r\n' "$PORT")")
[ "${r%%$'\n'*}" = "special 127.0.0.100" ] || fail "late header: got '$r'"
if grep 'waiting for its PROXY header' "$LOG"; then
	fail "the connection was taken before its header came"
fi

# Nothing at all: taken after the kernel's second, then timed out.
r=$(proxy_client 127.0.0.1 "$PORT" "" 5)
[[ $r =~ (closed|reset)\ after\ ([0-9]+)\ ms$ ]] || fail "silent client: got '$r'"
ms=${BASH_REMATCH[2]}
[ "$ms" -ge 1000 ] && [ "$ms" -lt 4500 ] ||
    fail "silent client: dropped after $ms ms, expected 1 to 4.5 s"
wait_log 'waiting for its PROXY header'
stop

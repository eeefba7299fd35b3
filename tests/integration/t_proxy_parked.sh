# Connections whose PROXY header has not all come are parked, without
# blocking the dispatcher: one whose header comes in pieces is served
# with the address it carries; one that closes before its end is dropped
# at once; proxy_pending of them at most wait, the next is refused; and
# a header still short at proxy_timeout_ms is dropped then.  Each counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

ALOG=$TMP/access.log
proxy_config \
    'proxy_pending = 2;' \
    'proxy_timeout_ms = 2500;' \
    'metrics = "127.0.0.1:@PORT2@";' \
    "access_log = \"$ALOG\";"

start -c "$CFG" -v
half=$(hex 'PROXY TCP4 127.0.0.100 ')

# ms_of RESULT: the milliseconds in "closed/reset after MS ms".
ms_of() {
	[[ $1 =~ (closed|reset)\ after\ ([0-9]+)\ ms$ ]] || return 1
	echo "${BASH_REMATCH[2]}"
}

# In three pieces 0.3 s apart: parked, then served as 127.0.0.100.
r=$(proxy_client 127.0.0.1 "$PORT" \
    "$half,$(hex '127.0.0.1 4000'),$(hex ' %s\r\n' "$PORT")")
[ "${r%%$'\n'*}" = "special 127.0.0.100" ] || fail "in pieces: got '$r'"

# Half a header, then the client's end: dropped at once.
r=$(proxy_client 127.0.0.1 "$PORT" "$half")
ms=$(ms_of "$r") || fail "closed early: got '$r'"
[ "$ms" -lt 2000 ] || fail "closed early: dropped after $ms ms, not at once"

# Two wait, the third finds no room.
proxy_client 127.0.0.1 "$PORT" "$half" 10 >"$TMP/held1" &
CLIENTS+=($!)
proxy_client 127.0.0.1 "$PORT" "$half" 10 >"$TMP/held2" &
CLIENTS+=($!)
wait_log_count 'debug: connection [0-9]+ on 127\.0\.0\.1:[0-9]+: waiting for its PROXY header \(2 waiting\)$' 1
r=$(proxy_client 127.0.0.1 "$PORT" "$half" 10)
ms=$(ms_of "$r") || fail "third: got '$r'"
[ "$ms" -lt 2000 ] || fail "third: refused after $ms ms, not at once"
wait_clients
for f in "$TMP/held1" "$TMP/held2"; do
	ms=$(ms_of "$(cat "$f")") || fail "held: got '$(cat "$f")'"
	[ "$ms" -ge 2400 ] && [ "$ms" -lt 5500 ] ||
	    fail "held: dropped after $ms ms, proxy_timeout_ms is 2500"
done

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="proxy"}' 1
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="closed"}' 1
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="too_many"}' 1
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="timeout"}' 2
for want in 'outcome=left reason=proxy_closed' \
    'outcome=refused reason=proxy_too_many' \
    'outcome=timed_out reason=proxy_timeout'; do
	poll 5 grep -q "listener=lb .* $want\$" "$ALOG" ||
	    fail "access log has no '$want': $(cat "$ALOG")"
done
stop

# A trusted peer's header that is not one is refused, closed without a
# reply, and counted: v1 with two spaces, a port past 65535, an IPv6
# address under TCP4, no header at all, and a v2 header longer than 232
# bytes, refused from its first 16.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

ALOG=$TMP/access.log
config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; name = "lb";
             proxy_protocol = true; proxy_from = [ "127.0.0.0/8" ]; } );
metrics = "127.0.0.1:@PORT2@";
access_log = "$ALOG";
classes = ( { name = "normal"; reply = "normal {peer}\n"; } );
EOF2

start -c "$CFG"

# refused HEX: a trusted client sending HEX gets nothing, at once.
refused() {
	local r
	r=$(proxy_client 127.0.0.1 "$PORT" "$1" 10)
	[[ $r =~ ^(closed|reset)\ after\ [0-9]+\ ms$ ]] ||
	    fail "sending $1: expected no reply and a close, got '$r'"
}

refused "$(hex 'PROXY TCP4 127.0.0.5  127.0.0.1 1 %s\r\n' "$PORT")"
refused "$(hex 'PROXY TCP4 127.0.0.5 127.0.0.1 65536 %s\r\n' "$PORT")"
refused "$(hex 'PROXY TCP4 ::1 127.0.0.1 1 %s\r\n' "$PORT")"
refused "$(hex 'GET / HTTP/1.0\r\n\r\n')"
refused "0d0a0d0a000d0a515549540a211100ff"

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="malformed"}' 4
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="oversized"}' 1
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 0
poll 5 eval '[ "$(grep -c "outcome=refused reason=proxy_malformed\$" "$ALOG")" -eq 4 ]' ||
    fail "access log: $(cat "$ALOG")"
stop

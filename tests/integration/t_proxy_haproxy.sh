# Behind a real HAProxy, with send-proxy-v2 and with send-proxy (v1): the
# rules, the reply's {peer} and the access log see the client's address
# that the PROXY header carries, not HAProxy's: 127.0.0.100 reaches the
# special class through the balancer, 127.0.0.1 the normal one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

ALOG=$TMP/access.log
proxy_config \
    'metrics = "127.0.0.1:@PORT2@";' \
    "access_log = \"$ALOG\";"

start -c "$CFG" -v
V2=$(free_port)
V1=$(free_port)
haproxy_start "$V2" send-proxy-v2 "$V1" send-proxy

# via FRONT SRC: the reply a client bound to SRC gets through HAProxy.  The
# client keeps its side open, as a real one waiting for an answer does:
# HAProxy may abort a server connection whose client closed before it
# was made.
via() {
	timeout 10 socat -T 5 -u "TCP:127.0.0.1:$1,bind=$2" - 2>&1 || true
}

for front in "$V2" "$V1"; do
	for i in 1 2; do
		r=$(via "$front" 127.0.0.100)
		[ "$r" = "special 127.0.0.100" ] ||
		    fail "127.0.0.100 through port $front: got '$r'"
		r=$(via "$front" 127.0.0.1)
		[ "$r" = "normal 127.0.0.1" ] ||
		    fail "127.0.0.1 through port $front: got '$r'"
	done
done

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="proxy"}' 8
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="untrusted"}' 0
expect_metric 'dispatcher_rule_matches_total{rule="1"}' 4
expect_metric 'dispatcher_connections_handed_total{class="special"}' 4
# The access log names the carried peer, never HAProxy's source port's
# address alone: four lines from 127.0.0.100 served by special.
poll 5 eval '[ "$(grep -c "peer=127\.0\.0\.100:[0-9]* listener=lb .* class=special .*outcome=served" "$ALOG")" -eq 4 ]' ||
    fail "access log: $(cat "$ALOG")"
stop

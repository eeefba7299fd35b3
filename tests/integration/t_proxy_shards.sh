# The PROXY protocol with two acceptor shards: behind a real HAProxy,
# connections spread over both shards are matched by the address their
# header carries, and headers that come in pieces are awaited by the
# shard that accepted them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

proxy_config \
    'acceptors = 2;' \
    'metrics = "127.0.0.1:@PORT2@";'

start -c "$CFG"
V2=$(free_port)
haproxy_start "$V2" send-proxy-v2

via() {
	timeout 10 socat -T 5 -u "TCP:127.0.0.1:$V2,bind=$1" - 2>&1 || true
}

# HAProxy's connections come from ports of its own: the kernel's hash
# spreads them over the shards.
for i in $(seq 1 16); do
	r=$(via 127.0.0.100)
	[ "$r" = "special 127.0.0.100" ] || fail "127.0.0.100, $i: got '$r'"
	r=$(via 127.0.0.1)
	[ "$r" = "normal 127.0.0.1" ] || fail "127.0.0.1, $i: got '$r'"
done

# Headers in two pieces 0.2 s apart, straight from a trusted peer: each
# parked in its shard, then served as the address it carries.
half=$(hex 'PROXY TCP4 127.0.0.100 ')
for i in $(seq 1 8); do
	r=$(PROXY_PIECE_S=0.2 proxy_client 127.0.0.1 "$PORT" \
	    "$half,$(hex '127.0.0.1 4000 %s\r\n' "$PORT")")
	[ "${r%%$'\n'*}" = "special 127.0.0.100" ] ||
	    fail "in pieces, $i: got '$r'"
done

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="proxy"}' 40
expect_metric 'dispatcher_connections_handed_total{class="special"}' 24
for k in 0 1; do
	[ "$(metric "dispatcher_shard_connections_accepted_total{shard=\"$k\"}")" -gt 0 ] ||
	    fail "shard $k accepted nothing: $(grep shard "$TMP/metrics")"
done
stop

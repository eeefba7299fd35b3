# docs/SCALING.md's HAProxy recipe as written: a frontend, a backend
# with "balance leastconn" and two servers ("hosts": here two listeners
# of one dispatcher) with "send-proxy-v2 check".  Clients spread over
# both, each matched by the address its header carries, and HAProxy's
# health checks, LOCAL headers, are matched as the balancer itself and
# counted as such, never refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

SOCK=$TMP/ctl.sock
config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; name = "host1";
             proxy_protocol = true; proxy_from = [ "127.0.0.1" ]; },
           { address = "127.0.0.1:@PORT2@"; name = "host2";
             proxy_protocol = true; proxy_from = [ "127.0.0.1" ]; } );
control = "$SOCK";
classes = ( { name = "normal"; reply = "normal {peer}\n"; },
            { name = "special"; reply = "special {peer}\n"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
start -c "$CFG"

FRONT=$(free_port)
cat >"$HAPROXY_CFG" <<EOF2
global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:$FRONT
    default_backend dispatchers
backend dispatchers
    balance leastconn
    server host1 127.0.0.1:$PORT send-proxy-v2 check inter 200ms
    server host2 127.0.0.1:$PORT2 send-proxy-v2 check inter 200ms
EOF2
haproxy -c -q -f "$HAPROXY_CFG" >"$HAPROXY_LOG" 2>&1 ||
    fail "haproxy -c: $(cat "$HAPROXY_LOG")"
haproxy -db -f "$HAPROXY_CFG" >>"$HAPROXY_LOG" 2>&1 &

# stat 'NAME{LABELS}': the series' value in the control socket's stats.
stat() {
	ctl "$SOCK" stats | awk -v s="$1" '$1 == s { print $2 }'
}
local_checks() {
	[ "$(stat "dispatcher_proxy_headers_total{listener=\"$1\",result=\"local\"}")" -ge 2 ]
}
# Both servers up: each has answered health checks.
poll 10 local_checks host1 || fail "no health check reached host1: $(cat "$HAPROXY_LOG")"
poll 10 local_checks host2 || fail "no health check reached host2: $(cat "$HAPROXY_LOG")"

for i in $(seq 1 10); do
	for src in 127.0.0.100 127.0.0.1; do
		r=$(timeout 10 socat -T 5 -u "TCP:127.0.0.1:$FRONT,bind=$src" - 2>&1 || true)
		case $src in
		127.0.0.100) want="special 127.0.0.100" ;;
		*) want="normal 127.0.0.1" ;;
		esac
		[ "$r" = "$want" ] || fail "$src, $i: got '$r', expected '$want'"
	done
done

total=0
for h in host1 host2; do
	n=$(stat "dispatcher_proxy_headers_total{listener=\"$h\",result=\"proxy\"}")
	[ "$n" -gt 0 ] || fail "balance leastconn sent nothing to $h"
	total=$((total + n))
	for r in untrusted malformed oversized timeout too_many; do
		[ "$(stat "dispatcher_proxy_headers_total{listener=\"$h\",result=\"$r\"}")" = 0 ] ||
		    fail "$h: $r headers: $(ctl "$SOCK" stats | grep proxy_headers)"
	done
done
[ "$total" -eq 20 ] || fail "$total headers with a client's address, expected 20"
[ "$(stat 'dispatcher_connections_handed_total{class="special"}')" -eq 10 ] ||
    fail "special: $(ctl "$SOCK" stats | grep handed)"
stop

# The forms of a version 2 header from a trusted peer: LOCAL (a
# balancer's health check) is matched as the peer itself; PROXY over
# TCP4, with a TLV skipped, and over TCP6 with an IPv4-mapped address
# (matched as IPv4) carry the client's address; AF_UNIX leaves the real
# peer, counted as an unknown family.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; name = "lb"; proxy_protocol = true;
             proxy_from = [ "127.0.0.1", "127.0.0.100/32" ]; } );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; reply = "normal {peer}\n"; },
            { name = "special"; reply = "special {peer}\n"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

start -c "$CFG"
sig=0d0a0d0a000d0a515549540a
port=$(printf %04x "$PORT")

# expect SRC HEX REPLY: a client at SRC sending HEX gets REPLY.
expect() {
	local r
	r=$(proxy_client "$1" "$PORT" "$2")
	[ "${r%%$'\n'*}" = "$3" ] || fail "$1 sending $2: expected '$3', got '$r'"
}

expect 127.0.0.100 "${sig}20000000" "special 127.0.0.100"
expect 127.0.0.100 "${sig}2111000c7f0000077f0000010fa0$port" "normal 127.0.0.7"
expect 127.0.0.1 "${sig}211100137f0000647f0000010fa0${port}04000400000000" \
    "special 127.0.0.100"
expect 127.0.0.1 "${sig}21210024$(printf '0%.0s' $(seq 20))ffff7f000064$(printf '0%.0s' $(seq 31))10fa0$port" \
    "special 127.0.0.100"
expect 127.0.0.1 "${sig}213100d8$(printf '00%.0s' $(seq 216))" "normal 127.0.0.1"

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="local"}' 1
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="proxy"}' 3
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="unknown_family"}' 1
stop

# The bytes a client sends right behind the PROXY header, in the same
# segment, are the worker's: the dispatcher takes the header alone.  An
# "exec" program sees the carried address in its UCSPI variables, then
# reads the client's bytes intact, for v1 and v2 alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; proxy_protocol = true;
             proxy_from = [ "127.0.0.1" ]; } );
classes = ( { name = "normal"; handler = "exec";
              command = [ "sh", "-c",
                "echo \"$TCPREMOTEIP $TCPREMOTEPORT $TCPLOCALIP $TCPLOCALPORT\"; cat" ]; } );
EOF2

start -c "$CFG"
data=$(hex 'first line\r\nPROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n\0\001binary\n')

# got HEX ADDRS: a client sending HEX gets ADDRS (the program's first line)
# then every byte after the header, a NUL among them, then the close.
got() {
	proxy_client 127.0.0.1 "$PORT" "$1" >"$TMP/out"
	tail -n 1 "$TMP/out" | grep -Eq '^closed after [0-9]+ ms$' ||
	    fail "sending $1: no close: $(tail -n 1 "$TMP/out")"
	sed '$d' "$TMP/out" >"$TMP/body"
	printf '%s\nfirst line\r\nPROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n\0\001binary\n' \
	    "$2" >"$TMP/want"
	cmp -s "$TMP/body" "$TMP/want" ||
	    fail "sending $1: got $(od -c "$TMP/body" | head -5)"
}

got "$(hex 'PROXY TCP4 192.0.2.7 198.51.100.1 4000 443\r\n')$data" \
    "192.0.2.7 4000 198.51.100.1 443"
got "0d0a0d0a000d0a515549540a2111000cc0000207c633640113882710$data" \
    "192.0.2.7 5000 198.51.100.1 10000"
stop

# handler = "exec" runs an ordinary program, /usr/bin/env here, once per
# connection, with the UCSPI-TCP variables tcpserver sets and the class
# and rule: the client reads its own address and port back.  A variable
# of those names in the dispatcher's own environment does not leak in.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; handler = "exec"; command = [ "env" ]; },
  { name = "prog"; handler = "exec"; command = [ "/usr/bin/env" ]; }
);
rules = (
  { address = "10.9.9.9"; class = "normal"; },
  { address = "127.0.0.100"; class = "prog"; }
);
EOF2

TCPREMOTEHOST=stale.example DISPATCH_RULE=99 start -c "$CFG"
tr '\0' '\n' <"/proc/$DPID/environ" | grep -qx TCPREMOTEHOST=stale.example ||
    fail "the dispatcher was started without the stale variable"
sport=$(free_port)
timeout 10 socat -t 10 -T 5 - "TCP:127.0.0.1:$PORT,bind=127.0.0.100:$sport" \
    </dev/null >"$TMP/env.vip" 2>>"$TMP/clients.err" || true
ask 127.0.0.5 >"$TMP/env.other"

# has FILE LINE: the program's environment holds exactly that variable.
has() {
	grep -Fqx -- "$2" "$1" ||
	    fail "no $2 in the environment: $(tr '\n' ' ' <"$1")"
}
has "$TMP/env.vip" PROTO=TCP
has "$TMP/env.vip" TCPREMOTEIP=127.0.0.100
has "$TMP/env.vip" "TCPREMOTEPORT=$sport"
has "$TMP/env.vip" TCPLOCALIP=127.0.0.1
has "$TMP/env.vip" "TCPLOCALPORT=$PORT"
has "$TMP/env.vip" DISPATCH_CLASS=prog
has "$TMP/env.vip" DISPATCH_RULE=2
# The worker's environment otherwise.
has "$TMP/env.vip" "PATH=$BIN:$PATH"
if grep -Eq '^(TCP6|TCPREMOTEHOST=|DISPATCH_RULE=99$)' "$TMP/env.vip"; then
	fail "IPv6 names or a stale host name for an IPv4 client: $(tr '\n' ' ' <"$TMP/env.vip")"
fi
has "$TMP/env.other" TCPREMOTEIP=127.0.0.5
has "$TMP/env.other" DISPATCH_CLASS=normal
has "$TMP/env.other" DISPATCH_RULE=default
stop

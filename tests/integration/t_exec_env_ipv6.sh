# An IPv6 client's program gets PROTO=TCP6 and the TCP6 names besides the
# TCP ones, as ucspi-tcp6's tcpserver sets them.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "[::1]:@PORT@" ];
classes = ( { name = "normal"; handler = "exec"; command = [ "/usr/bin/env" ]; } );
EOF2

start -c "$CFG"
sport=$(free_port)
timeout 10 socat -t 10 -T 5 - "TCP6:[::1]:$PORT,bind=[::1]:$sport" \
    </dev/null >"$TMP/env" 2>>"$TMP/clients.err" || true
for v in PROTO=TCP6 TCP6REMOTEIP=::1 "TCP6REMOTEPORT=$sport" \
    TCP6LOCALIP=::1 "TCP6LOCALPORT=$PORT" TCPREMOTEIP=::1 \
    "TCPREMOTEPORT=$sport" TCPLOCALIP=::1 "TCPLOCALPORT=$PORT" \
    DISPATCH_CLASS=normal DISPATCH_RULE=default; do
	grep -Fqx -- "$v" "$TMP/env" ||
	    fail "no $v in the environment: $(tr '\n' ' ' <"$TMP/env")"
done
stop

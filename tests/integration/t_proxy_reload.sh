# A reload while connections wait for their PROXY header: one whose
# listener the reload removes is closed at once (proxy_listener_gone);
# one on a listener that stays, moved in the list, is served once its
# header ends, on its listener (a rule names it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

ALOG=$TMP/access.log
config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT2@"; name = "a"; proxy_protocol = true;
             proxy_from = [ "127.0.0.1" ]; },
           { address = "127.0.0.1:@PORT@"; name = "b"; proxy_protocol = true;
             proxy_from = [ "127.0.0.1" ]; } );
proxy_timeout_ms = 20000;
access_log = "$ALOG";
classes = ( { name = "normal"; reply = "normal {peer}\n"; },
            { name = "special"; reply = "special {peer}\n"; } );
rules = ( { listener = "b"; class = "special"; } );
EOF2

start -c "$CFG" -v
half=$(hex 'PROXY TCP4 192.0.2.9 ')

proxy_client 127.0.0.1 "$PORT2" "$half" 15 >"$TMP/a" &
CLIENTS+=($!)
PROXY_PIECE_S=4 proxy_client 127.0.0.1 "$PORT" \
    "$half,$(hex '127.0.0.1 4000 %s\r\n' "$PORT")" >"$TMP/b" &
CLIENTS+=($!)
wait_log_count 'waiting for its PROXY header' 2

config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; name = "b"; proxy_protocol = true;
             proxy_from = [ "127.0.0.1" ]; } );
proxy_timeout_ms = 20000;
access_log = "$ALOG";
classes = ( { name = "normal"; reply = "normal {peer}\n"; },
            { name = "special"; reply = "special {peer}\n"; } );
rules = ( { listener = "b"; class = "special"; } );
EOF2
kill -HUP "$DPID"
wait_log '^dispatcher: info: reloaded '
wait_clients

r=$(cat "$TMP/a")
[[ $r =~ ^(closed|reset)\ after\ [0-9]+\ ms$ ]] || fail "on a: got '$r'"
ms=${r% ms}; ms=${ms##* }
[ "$ms" -lt 10000 ] || fail "on a: closed after $ms ms, not at the reload"
# b's header ended after the reload: its routing is logged after it.
reloaded=$(grep -n '^dispatcher: info: reloaded ' "$LOG" | cut -d: -f1)
routed=$(grep -n 'debug: connection [0-9]* from 192\.0\.2\.9:4000 ' "$LOG" | cut -d: -f1)
[ -n "$routed" ] && [ "$routed" -gt "$reloaded" ] ||
    fail "b was not routed after the reload"
r=$(cat "$TMP/b")
[ "${r%%$'\n'*}" = "special 192.0.2.9" ] || fail "on b: got '$r'"
poll 5 grep -q ' listener=- .*outcome=refused reason=proxy_listener_gone$' "$ALOG" ||
    fail "access log: $(cat "$ALOG")"
stop

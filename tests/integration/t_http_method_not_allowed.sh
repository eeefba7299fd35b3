# handler = "http": a POST (any method but GET and HEAD) gets 405 with
# Allow: GET, HEAD and Connection: close, at once, whatever the delay.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; delay_ms = 3000; } );
EOF2
start -c "$CFG"

code=$(curl -sS --max-time 2 --interface 127.0.0.10 -X POST -d 'a=1' \
    -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' \
    "http://127.0.0.1:$PORT/" 2>>"$TMP/clients.err") ||
    fail "curl: $(cat "$TMP/clients.err")"
[ "$code" = 405 ] || fail "POST: status $code"
for h in 'HTTP/1.1 405 Method Not Allowed' 'Allow: GET, HEAD' \
    'Connection: close' 'Content-Length: 23'; do
	grep -Fqx "$h"$'\r' "$TMP/headers" || fail "POST: no header line '$h' in $(cat -A "$TMP/headers")"
done
[ "$(cat "$TMP/body")" = "405 Method Not Allowed" ] || fail "POST: body $(cat "$TMP/body")"
stop

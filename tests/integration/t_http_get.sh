# handler = "http": curl's GET gets 200 with the rendered reply as its
# body, text/plain in UTF-8, its Content-Length and Connection: close; so
# do an HTTP/1.0 request and one in absolute-form with bare LF line ends.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "web"; handler = "http"; reply = "{class} for {peer}\n"; } );
default = "web";
EOF2
start -c "$CFG"

code=$(curl -sS --max-time 5 --interface 127.0.0.10 -D "$TMP/headers" \
    -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/a/b?c=d" \
    2>>"$TMP/clients.err") || fail "curl: $(cat "$TMP/clients.err")"
[ "$code" = 200 ] || fail "GET: status $code"
printf 'web for 127.0.0.10\n' >"$TMP/want"
cmp -s "$TMP/body" "$TMP/want" || fail "GET: body $(printf %q "$(cat "$TMP/body")")"
for h in 'HTTP/1.1 200 OK' 'Content-Type: text/plain; charset=utf-8' \
    "Content-Length: $(wc -c <"$TMP/want")" 'Connection: close'; do
	grep -Fqx "$h"$'\r' "$TMP/headers" || fail "GET: no header line '$h' in $(cat -A "$TMP/headers")"
done
grep -Eq $'^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT\r$' \
    "$TMP/headers" || fail "GET: no Date in $(cat -A "$TMP/headers")"

# Raw: the whole answer, byte for byte apart from the date.
answer() {
	printf 'HTTP/1.1 200 OK\r\nDate: X\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\nweb for %s\n' \
	    $((${#1} + 9)) "$1"
}
printf 'GET / HTTP/1.0\r\n\r\n' | send 127.0.0.11 |
    sed 's/^Date: .*\r$/Date: X\r/' >"$TMP/raw"
answer 127.0.0.11 | cmp -s - "$TMP/raw" || fail "HTTP/1.0: $(cat -A "$TMP/raw")"
printf 'GET http://example.com/x HTTP/1.1\nHost: example.com\n\n' |
    send 127.0.0.12 | sed 's/^Date: .*\r$/Date: X\r/' >"$TMP/raw"
answer 127.0.0.12 | cmp -s - "$TMP/raw" || fail "absolute-form: $(cat -A "$TMP/raw")"
stop

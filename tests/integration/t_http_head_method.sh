# handler = "http": a HEAD gets the headers of the GET, its Content-Length
# included, and no body.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; reply = "twelve bytes"; } );
EOF2
start -c "$CFG"

code=$(curl -sS --max-time 5 --interface 127.0.0.10 --head -o "$TMP/headers" \
    -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>>"$TMP/clients.err") ||
    fail "curl: $(cat "$TMP/clients.err")"
[ "$code" = 200 ] || fail "HEAD: status $code"
grep -Fqx $'Content-Length: 12\r' "$TMP/headers" ||
    fail "HEAD: not the GET's Content-Length in $(cat -A "$TMP/headers")"

# Raw, to see that nothing follows the empty line.
printf 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' | send 127.0.0.11 >"$TMP/raw"
grep -Fqx $'HTTP/1.1 200 OK\r' "$TMP/raw" || fail "HEAD: $(cat -A "$TMP/raw")"
[ "$(tail -c 4 "$TMP/raw" | od -An -c | tr -d ' ')" = '\r\n\r\n' ] ||
    fail "HEAD: a body after the headers: $(cat -A "$TMP/raw")"
stop

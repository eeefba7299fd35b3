# handler = "http": a head over 8192 bytes gets 431, without a reset that
# would lose it although the client's bytes are left unread; one just
# under the limit is served.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; } );
EOF2
start -c "$CFG"

# get SRC FILL: the status of a GET from SRC with a header of FILL bytes.
get() {
	curl -sS --max-time 5 --interface "$1" -o /dev/null -w '%{http_code}' \
	    -H "X-Fill: $(head -c "$2" /dev/zero | tr '\0' f)" \
	    "http://127.0.0.1:$PORT/" 2>>"$TMP/clients.err" ||
	    fail "client $1: curl: $(cat "$TMP/clients.err")"
}
for src in 127.0.0.10 127.0.0.11 127.0.0.12; do
	code=$(get $src 20000)
	[ "$code" = 431 ] || fail "client $src, 20000-byte header: status $code"
done
code=$(get 127.0.0.13 9000)
[ "$code" = 431 ] || fail "9000-byte header: status $code"
code=$(get 127.0.0.14 8000)
[ "$code" = 200 ] || fail "8000-byte header: status $code"
stop

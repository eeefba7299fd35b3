# handler = "http": garbage, an HTTP/1.1 head without Host and a head cut
# short by the client's end get 400; an HTTP/2 preface 505; each with
# Connection: close.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; } );
EOF2
start -c "$CFG"

# expect_status SRC STATUS-LINE: what stdin gets sent from SRC.
expect_status() {
	send "$1" >"$TMP/raw"
	[ "$(head -n 1 "$TMP/raw")" = "$2"$'\r' ] ||
	    fail "client $1: expected '$2', got $(cat -A "$TMP/raw")"
	grep -Fqx $'Connection: close\r' "$TMP/raw" ||
	    fail "client $1: no Connection: close in $(cat -A "$TMP/raw")"
}
printf 'garbage\r\n\r\n' | expect_status 127.0.0.10 'HTTP/1.1 400 Bad Request'
printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' |
    expect_status 127.0.0.11 'HTTP/1.1 400 Bad Request'
printf 'GET / HTTP/1.1\r\n\r\n' | expect_status 127.0.0.12 'HTTP/1.1 400 Bad Request'
printf 'GET / HTTP/1.1\r\nHost: a\r\n' | expect_status 127.0.0.13 'HTTP/1.1 400 Bad Request'
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' |
    expect_status 127.0.0.14 'HTTP/1.1 505 HTTP Version Not Supported'
stop

# handler = "http": a client that sends half a head and stops gets 408
# once http_timeout_ms has passed, not before; meanwhile its worker (the
# only one) serves the others at once: the wait blocks nothing.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; http_timeout_ms = 1500; } );
EOF2
start -c "$CFG"

# The slow client's input is a FIFO the test holds open: its side stays
# open until the test closes it.
mkfifo "$TMP/slow.in"
t0=$(date +%s%3N)
timeout 20 socat -t 1 - "$(client_addr 127.0.0.10)" <"$TMP/slow.in" \
    >"$TMP/slow" 2>>"$TMP/clients.err" &
exec 3>"$TMP/slow.in"
printf 'GET / HTTP/1.1\r\nHost: a\r\n' >&3
poll 5 eval '[ "$(ss -Htn state established "( dport = :$PORT and src 127.0.0.10 )" | wc -l)" -eq 1 ]' ||
    fail "the slow client did not connect"

for src in 127.0.0.11 127.0.0.12 127.0.0.13; do
	t1=$(date +%s%3N)
	code=$(curl -sS --max-time 5 --interface $src -o /dev/null \
	    -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>>"$TMP/clients.err") ||
	    fail "client $src: curl: $(cat "$TMP/clients.err")"
	t2=$(date +%s%3N)
	[ "$code" = 200 ] || fail "client $src: status $code"
	[ $((t2 - t1)) -lt 1000 ] || fail "client $src waited $((t2 - t1)) ms"
done

poll 5 grep -q . "$TMP/slow" || fail "no answer to the slow client within 5 s"
t3=$(date +%s%3N)
[ "$(head -n 1 "$TMP/slow")" = $'HTTP/1.1 408 Request Timeout\r' ] ||
    fail "slow client: $(cat -A "$TMP/slow")"
[ $((t3 - t0)) -ge 1500 ] || fail "408 after $((t3 - t0)) ms, before the 1500 ms"
[ $((t3 - t0)) -lt 3500 ] || fail "408 after $((t3 - t0)) ms"
exec 3>&-
stop

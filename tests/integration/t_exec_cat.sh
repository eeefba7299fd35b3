# A program that reads the client's input: cat echoes what a client sends
# and half-closes, 300 kB of it, more than the socket buffers hold, so
# that a socket left non-blocking would fail the program's reads or
# writes.  The client sees the end of file when cat exits.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "exec"; command = [ "cat" ]; } );
EOF2

start -c "$CFG" -v
head -c 300000 /dev/urandom >"$TMP/in"
timeout 20 socat -t 15 -T 10 - "$(client_addr 127.0.0.100)" \
    <"$TMP/in" >"$TMP/out" 2>>"$TMP/clients.err" || true
cmp -s "$TMP/in" "$TMP/out" ||
    fail "sent 300000 bytes, got $(wc -c <"$TMP/out") back, or other ones"
wait_log 'dispatch-worker\[[0-9]+\]: debug: connection 1 from 127\.0\.0\.100: done, program [0-9]+ exited with status 0$'
stop

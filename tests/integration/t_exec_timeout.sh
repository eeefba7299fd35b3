# A program still running at exec_timeout_ms gets SIGTERM, its whole
# process group (a shell's child too), and the client sees its connection
# close; one that ignores SIGTERM gets SIGKILL 2 s later.  Each is logged.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; handler = "exec"; exec_timeout_ms = 500;
    command = [ "/bin/sh", "-c", "sleep 987.123; echo late" ]; },
  { name = "stubborn"; handler = "exec"; exec_timeout_ms = 500;
    command = [ "/bin/sh", "-c", "trap '' TERM; sleep 987.456; echo late" ]; }
);
rules = ( { address = "127.0.0.100"; class = "stubborn"; } );
EOF2

# closes_within SRC MIN_MS MAX_MS: a client that only reads (its side held
# open) sees the end of its connection, without a byte, in that window.
closes_within() {
	local t0 ms
	t0=$(date +%s%N)
	timeout 20 socat -T 15 -u "$(client_addr "$1")" - >"$TMP/got" \
	    2>>"$TMP/clients.err" || true
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ ! -s "$TMP/got" ] || fail "client $1 got $(cat "$TMP/got")"
	[ "$ms" -ge "$2" ] && [ "$ms" -lt "$3" ] ||
	    fail "client $1: closed after $ms ms, expected $2 to $3"
}

start -c "$CFG"
closes_within 127.0.0.1 450 2000
wait_log 'dispatch-worker\[[0-9]+\]: info: connection 1 from 127\.0\.0\.1: program [0-9]+ still running after 500 ms; terminating it$'
poll 5 eval '! pgrep -fx "sleep 987\\.123" >/dev/null' ||
    fail "the program's child outlived its SIGTERM"

closes_within 127.0.0.100 2450 4500
wait_log 'dispatch-worker\[[0-9]+\]: warning: connection 2 from 127\.0\.0\.100: program [0-9]+ still running 2000 ms after SIGTERM; killing it$'
poll 5 eval '! pgrep -fx "sleep 987\\.456" >/dev/null' ||
    fail "the program's child outlived its SIGKILL"
stop

# SIGHUP that turns a class to handler = "http" replaces its workers:
# the next connection is answered in HTTP; changing only http_timeout_ms
# replaces them again, and turning back to "reply" brings the plain line.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
EOF2
start -c "$CFG"
expect_class 127.0.0.1 normal
first=$WORKER

reload() {
	config "$CFG"
	kill -HUP "$DPID"
	wait_log_count "^dispatcher: info: reloaded $CFG\$" "$1"
}
status_line() {
	printf 'GET / HTTP/1.0\r\n\r\n' | send 127.0.0.10 | head -n 1
}

reload 1 <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; } );
EOF2
[ "$(status_line)" = $'HTTP/1.1 200 OK\r' ] || fail "after the reload to http: $(status_line | cat -A)"
[ "$(logged_workers normal | wc -l)" -eq 2 ] || fail "workers: $(logged_workers normal | tr '\n' ' ')"
poll 5 eval '! is_worker "$first"' || fail "the reply worker $first goes on"

reload 2 <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "http"; http_timeout_ms = 2000; } );
EOF2
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 3

reload 3 <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "reply"; } );
EOF2
expect_class 127.0.0.1 normal
stop

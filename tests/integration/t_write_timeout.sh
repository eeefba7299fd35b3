# A client that never reads a reply larger than the kernel's buffers holds
# its class's slot for write_timeout_ms only: the worker then resets it,
# says so, and reports it done, and the client queued behind it is served.
# The buffers are made small (tcp_wmem, tcp_rmem), as on a host short of
# memory, in a network namespace of the test's own so that nothing else
# on the machine sees it: a reply of a few KB then stalls (the kernel
# takes about 6 KB; 4.5 KB with the client's SO_RCVBUF at 1024 bytes).
. "$(dirname "$0")/netns.sh"
echo "4096 4096 4096" >/proc/sys/net/ipv4/tcp_wmem
echo "4096 4096 4096" >/proc/sys/net/ipv4/tcp_rmem
. "$(dirname "$0")/lib.sh"

# The longest reply: as many {peer} as the template holds, and a newline.
n=$(((4096 - 1) / 6))
template=$(printf '{peer}%.0s' $(seq 1 $n))
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; max_connections = 1; write_timeout_ms = 1000;
              reply = "$template\\n"; } );
EOF
start -v -c "$CFG"

# The client that never reads: socat only writes to it, and its input
# never ends.
timeout 20 socat -u OPEN:/dev/null,ignoreeof \
    "$(client_addr 127.0.0.100),rcvbuf=1024" 2>>"$TMP/clients.err" &
wait_log '^dispatch-worker\[[0-9]+\]: debug: class normal, delay 0 ms, write timeout 1000 ms: ready$'
wait_log '^dispatcher: debug: connection 1 from 127\.0\.0\.100:'

# The next client waits for the slot (keeping its side open: see
# ask_held), and gets the whole reply once the first is reset.
t0=$(date +%s%3N)
ask_held 127.0.0.101 "$TMP/reply"
wait_clients
expected=$(printf '127.0.0.101%.0s' $(seq 1 $n))
[ "$(cat "$TMP/reply")" = "$expected" ] ||
    fail "the queued client got $(wc -c <"$TMP/reply") bytes, expected $((${#expected} + 1))"
# It waited for the timeout (the first reply stalled: the worker says
# how much of it went), not for its own queue timeout or anything else.
waited=$(($(cat "$TMP/reply.time") - t0))
[ "$waited" -lt 4000 ] ||
    fail "the queued client was served after $waited ms, expected about 1000"
wait_log "^dispatch-worker\\[[0-9]+\\]: info: connection 1 from 127\\.0\\.0\\.100:[0-9]+: reply not taken within 1000 ms \\([0-9]+ of $((${#expected} + 1)) bytes sent\\); reset\$"
# The reset reached the client: its connection is gone.
poll 2 eval '[ -z "$(ss -Htn state established "( dport = :$PORT and src 127.0.0.100 )")" ]' ||
    fail "the silent client is still connected: $(ss -Htn "( dport = :$PORT )")"
expect_no_log '^dispatch-worker\[[0-9]+\]: warning: '
stop

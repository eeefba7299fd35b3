# 200 clients that never read a long reply: each holds its class's slot
# for write_timeout_ms only, then the worker resets it; the slots are all
# free again while those clients are still connected, and no descriptor
# leaks.  The kernel's buffers are made small (tcp_wmem, tcp_rmem) in a
# network namespace of the scenario's own, so that a reply of a few KB
# stalls, as it would on a host short of memory or with a larger reply.
. "$(dirname "$0")/../integration/netns.sh"
echo "4096 4096 4096" >/proc/sys/net/ipv4/tcp_wmem
echo "4096 4096 4096" >/proc/sys/net/ipv4/tcp_rmem
. "$(dirname "$0")/chaos.sh"

# The longest reply: as many {peer} as the template holds after the words
# that the load generator reads the class from.
head='Request handled with {class} priority: '
n=$(((4096 - ${#head} - 1) / 6))
template=$(printf '{peer}%.0s' $(seq 1 $n))
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; max_connections = 200; queue = 0;
              write_timeout_ms = 1000; busy_reply = "busy\\n";
              reply = "$head$template\\n"; } );
EOF

start -c "$CFG"
before=$(open_fds)
t0=$(date +%s%3N)
load noread -n 200 -c 200 -t 10000 --behave noread --rcvbuf 1024 --src 127.0.1.0/24
wait_log_count 'reply not taken within 1000 ms .*; reset$' 200 8
freed=$(($(date +%s%3N) - t0))
# Every slot is free: 200 clients that read are all served, none busy,
# while the 200 that do not are still connected (their timeout is 10 s).
load readers -n 200 -c 200 -t 5000 --src 127.0.2.0/24
load_wait readers
account
[ "$SERVED" -eq 200 ] || fail "$SERVED of 200 readers served after the resets"
alive "${LOADS[noread]}" || fail "the clients that never read were gone too early"
load_wait noread 20
poll 5 eval '[ "$(open_fds)" -eq "$before" ]' ||
    fail "descriptors: $before before, $(open_fds) after"
figures never-read "clients=200 all_slots_free_after_ms=$freed readers_served=200 fds_before=$before fds_after=$(open_fds)"
stop

# Clients that misbehave as real ones do, in numbers: 10,000 that
# connect and reset at once, 1,000 that half-close as soon as connected
# and then wait in the queue for their reply.  No descriptor leaks
# (/proc/PID/fd of the dispatcher and its workers, before and after),
# and every half-closing client is served.
. "$(dirname "$0")/chaos.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 20;
              max_connections = 16; queue = 4096; busy_reply = "busy\n"; } );
EOF

start -c "$CFG"
load warm -n 100 -c 16 --src 127.0.1.0/24
load_wait warm
before=$(open_fds)

load resets -n 10000 -c 64 --behave reset --src 127.0.1.0/24
load_wait resets
account
# Every connection is closed by now, unless a descriptor leaked.
poll 5 eval '[ "$(open_fds)" -eq "$before" ]' ||
    fail "descriptors: $before before the resets, $(open_fds) after"
figures connect-and-reset "clients=10000 aborted=${L[aborted]} fds_before=$before fds_after=$(open_fds)"
[ "${L[aborted]}" -eq 10000 ] || fail "${L[aborted]} of 10000 clients reset"

load halfclose -n 1000 -c 200 -t 20000 --behave halfclose --src 127.0.1.0/24
load_wait halfclose
account
poll 5 eval '[ "$(open_fds)" -eq "$before" ]' ||
    fail "descriptors: $before before the half-closing clients, $(open_fds) after"
figures half-close "clients=1000 fds_before=$before fds_after=$(open_fds)"
[ "$SERVED" -eq 1000 ] || fail "$SERVED of 1000 half-closing clients served"
stop

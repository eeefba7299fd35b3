# Another process of the same user can fill the descriptors in flight
# (the kernel counts them per user, against the sender's RLIMIT_NOFILE):
# the class is held with nothing in hand, so no DONE or reap will come,
# and it tries again on a timer, without spinning, until it can send.
. "$(dirname "$0")/lib.sh"

: "${INFLIGHT:?INFLIGHT must name tests/support/inflight}"
unprivileged 64 "$INFLIGHT"
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; queue = 10; } );
EOF

start -c "$CFG"
worker=$(logged_workers normal)
"${AS_USER[@]}" "$BIN/inflight" >"$TMP/inflight.out" &
filler=$!
poll 5 grep -q '^full ' "$TMP/inflight.out" || fail "inflight did not fill up"

ask_held 127.0.0.1 "$TMP/held"
wait_log '^dispatcher: warning: .*too many descriptors in flight to workers'

# Held, it only retries now and then: under 0.2 s of CPU in 2 s.
before=$(cpu_ticks "$DPID")
sleep 2
used=$(( $(cpu_ticks "$DPID") - before ))
[ "$used" -lt $(( $(getconf CLK_TCK) / 5 )) ] ||
    fail "the held dispatcher used $used ticks of CPU in 2 s"
[ ! -s "$TMP/held" ] || fail "served while the user's limit was reached"

kill "$filler"
wait "$filler" || true
released=$(date +%s%3N)
wait_clients
reply_matches "$TMP/held" "Request handled with normal priority by worker $worker" ||
    fail "held client: got $(printf %q "$(cat "$TMP/held")")"
took=$(( $(cat "$TMP/held.time") - released ))
[ "$took" -lt 2000 ] || fail "served $took ms after the limit cleared"
expect_line 'dispatcher: warning: class normal: too many descriptors in flight to workers; holding its connections'
expect_line 'dispatcher: info: class normal: sending again'
stop

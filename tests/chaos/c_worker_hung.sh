# A worker stopped with SIGSTOP under load, as a deadlock would leave it:
# found hung after worker_timeout_ms, killed and replaced; the only
# connections lost are those it held, and the replacement holds a client
# connection within 1 s of its start.
. "$(dirname "$0")/chaos.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 4; delay_ms = 20;
              worker_timeout_ms = 1000; busy_reply = "busy\n"; } );
EOF

start -c "$CFG"
load main -c 32 -d 600 -t 10000 --src 127.0.1.0/24
wait_log_count 'worker [0-9]+ started' 4 5
sleep 2
victim=$(live_workers | head -n 1)
kill -STOP "$victim"
stopped=$(date +%s%3N)
wait_log "^dispatcher: warning: worker $victim \\(class normal\\) hung: " 5
found=$(($(date +%s%3N) - stopped))
wait_log_count '^dispatcher: info: worker [0-9]+ started for class normal$' 5 2
new=$(logged_workers normal | tail -n 1)
poll 1 eval 'ss -Htnp state established "( sport = :$PORT )" | grep -q "pid=$new,"' ||
    fail "the replacement $new held no client within 1 s"
sleep 2
load_stop main
load_wait main
account
held=$(sed -nE "s/^dispatcher: warning: worker $victim \\(class normal\\) hung: .* with ([0-9]+) connections? in hand;.*/\\1/p" "$LOG")
figures worker-hung "found_after_ms=$found held_by_hung=$held"
[ "$LOST" -le "$held" ] || fail "$LOST connections lost, the hung worker held $held"
[ "$REFUSED" -eq 0 ] || fail "$REFUSED connections refused"
stop

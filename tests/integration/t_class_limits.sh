# max_connections = 1 and queue = 1: the second client waits and is
# served after the first, the third finds the class and its queue full
# and is rejected at once with the busy reply.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 1; delay_ms = 1000;
    busy_reply = "busy, try later\n"; }
);
EOF

start -v -c "$CFG"
# The worker is stopped while the clients arrive: the first is in its
# hands until it goes on, however slow the machine, and the third's busy
# reply, coming while it is stopped, cannot have waited for a slot.
worker=$(logged_workers normal)
kill -STOP "$worker"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/b"
wait_log 'connection 2 from .* -> default class normal$'
ask_held 127.0.0.3 "$TMP/c"
poll 5 test -e "$TMP/c.time" || fail "the third client got no answer while the class was full"
[ "$(cat "$TMP/c")" = "busy, try later" ] || fail "third client: '$(cat "$TMP/c")'"
[ ! -s "$TMP/a" ] && [ ! -s "$TMP/b" ] || fail "a client was served by a stopped worker"
kill -CONT "$worker"
wait_clients
reply_matches "$TMP/a" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "first client: $(cat "$TMP/a")"
reply_matches "$TMP/b" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "second (queued) client: $(cat "$TMP/b")"
[ "$(cat "$TMP/b.time")" -gt "$(cat "$TMP/a.time")" ] ||
    fail "the queued client was served before the first"
wait_log "connection 3 from 127.0.0.3:[0-9]+: class normal and its queue are full; rejected\$"
stop

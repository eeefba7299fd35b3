# A connection queued for a class that a reload removes is matched again
# with the listener it arrived on, even when reloads list the listeners
# in another order (here one that keeps the class, then one that removes
# it): a "listener" rule sends it where it says.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; name = "A"; },
           { address = "127.0.0.1:@PORT2@"; name = "B"; },
           { address = "127.0.0.2:@PORT@"; name = "Z"; } );
classes = ( { name = "normal"; }, { name = "X"; },
            { name = "C"; max_connections = 1; queue = 5; delay_ms = 5000; } );
rules = ( { listener = "B"; class = "C"; } );
EOF2

start -v -c "$CFG"
A=$PORT B=$PORT2
PORT=$B
# One client in C's hands (long enough for both reloads to come
# first), one in its queue, both on B.
ask_held 127.0.0.1 "$TMP/held"
wait_log "connection 1 from 127\\.0\\.0\\.1:[0-9]+ on 127\\.0\\.0\\.1:$B: rule #1 at $CFG:6 -> class C\$"
ask_held 127.0.0.2 "$TMP/queued"
wait_log "connection 2 from 127\\.0\\.0\\.2:[0-9]+ on 127\\.0\\.0\\.1:$B: rule #1 at $CFG:6 -> class C\$"
PORT=$A

# Another order; class C kept, with its queue.
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT2@"; name = "B"; },
           { address = "127.0.0.2:@PORT@"; name = "Z"; },
           { address = "127.0.0.1:@PORT@"; name = "A"; } );
classes = ( { name = "normal"; }, { name = "X"; },
            { name = "C"; max_connections = 1; queue = 5; delay_ms = 5000; } );
rules = ( { listener = "B"; class = "C"; } );
EOF2
kill -HUP "$DPID"
wait_log_count "^dispatcher: info: reloaded $CFG\$" 1

# Another order again, and no class C: the queued connection is routed
# again, and B's rule sends it to X.
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.2:@PORT@"; name = "Z"; },
           { address = "127.0.0.1:@PORT@"; name = "A"; },
           { address = "127.0.0.1:@PORT2@"; name = "B"; } );
classes = ( { name = "normal"; }, { name = "X"; } );
rules = ( { listener = "B"; class = "X"; } );
EOF2
kill -HUP "$DPID"
wait_log_count "^dispatcher: info: reloaded $CFG\$" 2
wait_clients
reply_matches "$TMP/queued" "Request handled with X priority by worker ([0-9]+)" ||
    fail "queued client on B: $(printf %q "$(cat "$TMP/queued")")"
reply_matches "$TMP/held" "Request handled with C priority by worker ([0-9]+)" ||
    fail "client in C's hands: $(printf %q "$(cat "$TMP/held")")"
expect_class 127.0.0.3 normal
stop

# A stop right after a reload: the worker of a changed class is still
# finishing a connection; it counts as in hand and gets the same grace as
# the others (10 s, not the 3 s the workers get to exit), so its client
# gets the old reply and no worker is killed.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; delay_ms = 5000; } );
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/held"
wait_log 'connection 1 from .* -> default class normal$'
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; delay_ms = 5000; reply = "new {class}\n"; } );
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
stop TERM 15
wait_clients
reply_matches "$TMP/held" 'Request handled with normal priority by worker [0-9]+' ||
    fail "the client of the old worker got $(printf %q "$(cat "$TMP/held")")"
expect_no_log 'killing|still in flight'

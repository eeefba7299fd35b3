# SIGHUP with a class whose settings changed: the next connection gets
# the new reply, and the class runs the new number of workers.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; reply = "new {class}\n"; } );
EOF
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
expect_reply 127.0.0.1 'new normal'
expect_reply 127.0.0.1 'new normal'
live_normal() { for pid in $(logged_workers normal); do is_worker "$pid" && echo "$pid"; done; }
poll 5 eval '[ "$(live_normal | wc -l)" -eq 2 ]' ||
    fail "normal workers alive: $(live_normal | tr '\n' ' '), expected 2"
stop

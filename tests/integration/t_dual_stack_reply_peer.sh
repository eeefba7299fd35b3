# On a "[::]" listener the {peer} of an IPv4 client is a.b.c.d too.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "[::]:@PORT@" ];
classes = ( { name = "normal"; reply = "{peer}\n"; } );
EOF

start -c "$CFG"
expect_reply 127.0.0.100 '127\.0\.0\.100'
expect_reply ::1         '::1'
stop

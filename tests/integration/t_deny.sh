# action = "deny" closes the connection without a byte; others are served
# as before and after.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.100";       action = "deny"; },
  { regex   = "^127\\.0\\.0\\.2"; action = "deny"; },
  { address = "127.0.0.101";       class = "special"; }
);
EOF

start -c "$CFG"
expect_class  127.0.0.1   normal
expect_denied 127.0.0.100
expect_denied 127.0.0.200
expect_denied 127.0.0.100
expect_class  127.0.0.101 special
expect_class  127.0.0.1   normal
stop

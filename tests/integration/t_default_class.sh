# "default" names the class of clients that no rule matches.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
default = "special";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "normal"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1   special
expect_class 127.0.0.100 normal
expect_class 127.0.0.2   special
stop

# CIDR prefixes: /25 and /16 cover their ranges and nothing else; /32 is
# one host.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; }, { name = "gold"; } );
rules = (
  { address = "127.0.0.0/25";   class = "special"; },
  { address = "127.1.0.0/16";   class = "gold"; },
  { address = "127.0.0.200/32"; class = "gold"; }
);
EOF

start -c "$CFG"
expect_class 127.0.0.1   special
expect_class 127.0.0.100 special
expect_class 127.0.0.127 special
expect_class 127.0.0.128 normal
expect_class 127.0.0.200 gold
expect_class 127.0.0.201 normal
expect_class 127.1.0.1   gold
expect_class 127.1.255.9 gold
expect_class 127.2.0.1   normal
stop

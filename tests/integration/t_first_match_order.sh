# The first matching rule in file order wins, not the longest prefix nor
# an address before a regex.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; }, { name = "gold"; } );
rules = (
  { regex   = "^127\\.0\\.0\\.5$"; class = "gold"; },
  { address = "127.0.0.0/24";      class = "special"; },
  { address = "127.0.0.100";       class = "gold"; },
  { address = "127.0.0.5";         class = "special"; },
  { regex   = "^127\\.0\\.1\\.";   action = "deny"; },
  { address = "127.0.1.0/24";      class = "gold"; },
  { address = "127.0.2.2";         class = "gold"; },
  { address = "127.0.2.0/24";      class = "special"; },
  { address = "127.0.0.0/9";       class = "gold"; }
);
EOF

start -c "$CFG"
expect_class  127.0.0.5   gold
expect_class  127.0.0.100 special
expect_class  127.0.0.1   special
expect_denied 127.0.1.1
expect_class  127.0.2.2   gold
expect_class  127.0.2.3   special
expect_class  127.0.3.1   gold
expect_class  127.200.0.1 normal
stop

# A "regex" rule is a PCRE2 pattern matched against the client's address
# as text.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; }, { name = "gold"; } );
rules = (
  { regex = "^127\\.0\\.0\\.1\\d{2}$"; class = "special"; },
  { regex = "\\.7\\.(7|77)$";          class = "gold"; }
);
EOF

start -c "$CFG"
expect_class 127.0.0.100 special
expect_class 127.0.0.199 special
expect_class 127.0.0.1   normal
expect_class 127.0.0.10  normal
expect_class 127.0.0.200 normal
expect_class 127.0.7.7   gold
expect_class 127.0.7.77  gold
expect_class 127.0.7.70  normal
stop

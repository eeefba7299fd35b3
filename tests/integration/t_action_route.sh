# action = "route" (the default, written out) with a class routes; class
# names may hold letters, digits, '_', '-' and '.'.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "Tier-1.gold_x"; } );
rules = (
  { address = "127.0.0.100"; action = "route"; class = "Tier-1.gold_x"; }
);
EOF

start -c "$CFG"
expect_class 127.0.0.100 Tier-1.gold_x
expect_class 127.0.0.1   normal
stop

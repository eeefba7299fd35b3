# A regex sees an IPv6 client in RFC 5952 form ("::1", lower case).
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "[::1]:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; }, { name = "gold"; } );
rules = (
  { regex = "^0:0:0:0:0:0:0:1$"; class = "gold"; },
  { regex = "^::1$";             class = "special"; }
);
EOF

start -c "$CFG"
expect_class ::1 special
stop

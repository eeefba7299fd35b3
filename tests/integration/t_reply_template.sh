# The reply template: {class}, {pid}, {peer} (IPv4 or IPv6), and "{{" for
# a literal "{".
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@", "[::1]:@PORT@" ];
classes = (
  { name = "normal"; reply = "{{class} is {class}, pid {pid}, peer {peer}; {{}\n"; }
);
EOF

start -c "$CFG"
expect_reply 127.0.0.7 '\{class\} is normal, pid ([0-9]+), peer 127\.0\.0\.7; \{\}'
[ "$WORKER" = "$(logged_workers normal)" ] ||
    fail "{pid} is $WORKER, the worker is $(logged_workers normal)"
expect_reply ::1 '\{class\} is normal, pid [0-9]+, peer ::1; \{\}'
stop

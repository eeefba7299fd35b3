# Within a class the least busy worker gets the connection, ties in turn:
# sequential clients are served by both workers.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; } );
EOF

start -c "$CFG"
for i in $(seq 1 20); do
	expect_class 127.0.0.1 normal
	echo "$WORKER" >>"$TMP/served"
done
[ "$(sort -u "$TMP/served" | wc -l)" -eq 2 ] ||
    fail "20 clients served by $(sort -u "$TMP/served" | tr '\n' ' '), expected both workers"
stop

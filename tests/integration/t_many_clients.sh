# 200 clients at once are all served.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -c "$CFG"
for i in $(seq 1 200); do
	ask_bg 127.0.0.1 "$TMP/reply.$i"
done
wait_clients
for i in $(seq 1 200); do
	reply_matches "$TMP/reply.$i" 'Request handled with normal priority by worker [0-9]+' ||
	    fail "client $i of 200: got $(printf %q "$(cat "$TMP/reply.$i")")"
done
expect_class 127.0.0.100 special
stop

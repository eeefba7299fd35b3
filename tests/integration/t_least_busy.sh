# The worker with the fewest connections in hand gets the next one: four
# clients held 1 s each by a class of two workers are shared 2 and 2.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; delay_ms = 1000; } );
EOF

start -v -c "$CFG"
for i in 1 2 3 4; do
	ask_bg 127.0.0.1 "$TMP/reply.$i"
	wait_log_count '^dispatcher: debug: connection ' "$i"
done
wait_clients
for i in 1 2 3 4; do
	reply_matches "$TMP/reply.$i" 'Request handled with normal priority by worker ([0-9]+)' ||
	    fail "client $i: got $(printf %q "$(cat "$TMP/reply.$i")")"
	echo "$WORKER" >>"$TMP/served"
done
[ "$(sort "$TMP/served" | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" = "2 2 " ] ||
    fail "shared as $(sort "$TMP/served" | uniq -c | tr '\n' ' '), expected 2 and 2"
stop

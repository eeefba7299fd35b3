# A rule may match the client's source port, alone or in a range.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.0/8"; port = "41000-41009"; class = "special"; } );
EOF

# ask_from SRC SPORT: the reply to a client bound to SRC:SPORT.
ask_from() {
	timeout 10 socat -t 10 -T 5 - "TCP:127.0.0.1:$PORT,bind=$1:$2,reuseaddr" \
	    </dev/null 2>>"$TMP/clients.err" || true
}

start -c "$CFG"
for sport in 41000 41009 41010; do
	ask_from 127.0.0.9 "$sport" >"$TMP/reply.$sport"
done
reply_matches "$TMP/reply.41000" "Request handled with special priority by worker ([0-9]+)" ||
    fail "port 41000: $(cat "$TMP/reply.41000")"
reply_matches "$TMP/reply.41009" "Request handled with special priority by worker ([0-9]+)" ||
    fail "port 41009: $(cat "$TMP/reply.41009")"
reply_matches "$TMP/reply.41010" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "port 41010: $(cat "$TMP/reply.41010")"
stop

# With lanes, a lowest lane that only refuses (its class full, no queue)
# rests for a moment between batches, and always resumes: every client of
# a flood is refused, none is left hanging, and special clients are served
# meanwhile.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = (
  { name = "normal"; max_connections = 1; queue = 0; delay_ms = 3000;
    busy_reply = "busy\n"; },
  { name = "special"; priority = 10; }
);
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF

start -v -c "$CFG"
ask_held 127.0.0.2 "$TMP/held"
wait_log 'connection 1 from 127\.0\.0\.2:.* -> default class normal$'

# bash's /dev/tcp connects from 127.0.0.1: normal, lane 0, refused.
n=200
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
expect_class 127.0.0.100 special
refused=0
for fd in "${fds[@]}"; do
	read -r -t 5 line <&"$fd" && [ "$line" = busy ] ||
	    fail "flood client $((refused + 1)) of $n not refused within 5 s"
	refused=$((refused + 1))
	exec {fd}<&-
done
expect_class 127.0.0.100 special
wait_clients
stop

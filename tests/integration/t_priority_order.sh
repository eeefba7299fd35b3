# Queued connections of a higher-priority class are handed out first: a
# special client spilled into normal's queue overtakes normal clients
# that were waiting before it.  The normal worker is stopped while the
# clients arrive, so that the first one is still in its hands when the
# last is queued, however slow the machine.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 10; delay_ms = 700; },
  { name = "special"; max_connections = 1; queue = 0; delay_ms = 700;
    overflow = "normal"; priority = 10; }
);
rules = ( { address = "127.0.0.100/31"; class = "special"; } );
EOF

start -v -c "$CFG"
normal=$(logged_workers normal)
kill -STOP "$normal"
ask_held 127.0.0.1 "$TMP/n1"
wait_log 'connection 1 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/n2"
wait_log 'connection 2 from .* -> default class normal$'
ask_held 127.0.0.3 "$TMP/n3"
wait_log 'connection 3 from .* -> default class normal$'
ask_held 127.0.0.100 "$TMP/s1"
wait_log 'connection 4 from .* -> class special$'
ask_held 127.0.0.101 "$TMP/s2"
wait_log 'connection 5 from .* -> class special$'
kill -CONT "$normal"
wait_clients
for f in n1 n2 n3 s2; do
	reply_matches "$TMP/$f" "Request handled with normal priority by worker ([0-9]+)" ||
	    fail "$f: $(cat "$TMP/$f")"
done
reply_matches "$TMP/s1" "Request handled with special priority by worker ([0-9]+)" ||
    fail "s1: $(cat "$TMP/s1")"
[ "$(cat "$TMP/s2.time")" -lt "$(cat "$TMP/n2.time")" ] ||
    fail "the spilled special client was served after a normal one queued before it"
[ "$(cat "$TMP/n2.time")" -lt "$(cat "$TMP/n3.time")" ] || fail "normal clients out of order"
stop

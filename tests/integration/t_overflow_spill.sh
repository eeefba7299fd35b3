# A full class with a full queue spills into its overflow class: special
# spills into normal, and normal, full in turn, rejects.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 0; delay_ms = 1000;
    busy_reply = "normal is busy\n"; },
  { name = "special"; max_connections = 1; queue = 0; delay_ms = 1000;
    overflow = "normal"; }
);
rules = ( { address = "127.0.0.0/24"; class = "special"; } );
EOF

start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 1 from .* -> class special$'
ask_held 127.0.0.2 "$TMP/b"
wait_log 'connection 2 from .* -> class special$'
ask_held 127.0.0.3 "$TMP/c"
wait_clients
reply_matches "$TMP/a" "Request handled with special priority by worker ([0-9]+)" ||
    fail "first: $(cat "$TMP/a")"
reply_matches "$TMP/b" "Request handled with normal priority by worker ([0-9]+)" ||
    fail "second, spilled: $(cat "$TMP/b")"
[ "$(cat "$TMP/c")" = "normal is busy" ] || fail "third: '$(cat "$TMP/c")'"
stop

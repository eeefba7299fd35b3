# A connection that cannot be queued for lack of memory (its entry, or
# the queue's deadline heap) is refused with the busy reply and a warning,
# and the daemon goes on: the next one is queued and served.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/support/failmalloc.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; max_connections = 1; queue = 5; delay_ms = 1500;
    busy_reply = "busy\n"; }
);
EOF

AS_USER=("${FAILMALLOC_ENV[@]}" FAILMALLOC_NTH=1 FAILMALLOC_TRIGGER="$TMP/trigger")
start -v -c "$CFG"
ask_held 127.0.0.1 "$TMP/held"
wait_log 'connection 1 from .* -> default class normal$'

# The first queued connection allocates its entry (1), then the heap of
# deadlines (2); later ones, the entry alone.
refused=0
for n in 2 1; do
	echo "$n" >"$TMP/trigger"
	refused=$((refused + 1))
	expect_reply "127.0.0.$((refused + 1))" busy
	wait_log "^failmalloc: allocation $n \\("
	wait_log_count "^dispatcher: warning: connection [0-9]+: cannot queue it: Cannot allocate memory\$" "$refused"
	alive "$DPID" || fail "the dispatcher died when allocation $n failed"
done

# With memory, the next one waits for the slot and is served.
ask_held 127.0.0.9 "$TMP/queued"
wait_clients
for f in held queued; do
	reply_matches "$TMP/$f" "Request handled with normal priority by worker ([0-9]+)" ||
	    fail "$f client: $(cat "$TMP/$f")"
done
stop

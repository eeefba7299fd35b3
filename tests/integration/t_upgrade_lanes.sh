# A listener with lanes is handed over whole: the new dispatcher takes
# both sockets of the group in their order and attaches its program
# again.  A special client keeps its lane, and a load across the upgrade,
# special clients among it, loses nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; workers = 2; },
            { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

# expect_lane SRC CLASS LANE: the last connection from SRC came by LANE.
expect_lane() {
	local n
	n=$(count_log "from ${1//./\\.}:")
	expect_class "$1" "$2"
	wait_log_count "from ${1//./\\.}:" $((n + 1))
	grep -E "^dispatcher: debug: connection [0-9]+ from ${1//./\\.}:[0-9]+ on " "$LOG" |
	    tail -1 | grep -q "(lane $3, " || fail "$1: not accepted from lane $3"
}

start_reaped -v -c "$CFG"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
sockets=$(inodes)
[ "$(echo "$sockets" | wc -l)" -eq 2 ] || fail "not two sockets on the port"
expect_lane 127.0.0.100 special 1

load_start --special-src 127.0.0.100 --special-rate 200
poll 10 load_accepted 50 1 || fail "the load did not start"
upgrade
alive "$LOAD" || fail "the load ended before the upgrade did: $(cat "$TMP/load")"
[ "$(count_log "^dispatcher: info: lanes on 127\.0\.0\.1:$PORT: 2 \(priorities 0, 10\)\$")" -eq 2 ] ||
    fail "the new dispatcher does not say it runs the lanes"
load_lost_none 100 normal special
load_accepted 20 1 || fail "the new dispatcher accepted too few special clients by lane 1"
[ "$(inodes)" = "$sockets" ] || fail "the sockets are not those of the start: $(inodes)"
expect_lane 127.0.0.100 special 1
expect_lane 127.0.0.5 normal 0
if grep '^dispatcher: warning: ' "$LOG" | grep -v ': running as root: '; then
	fail "unexpected warnings"
fi
stop

# dispatcher -t tells, for each listener with lanes, which rules the
# kernel program holds and which stay in user space, and why.
. "$(dirname "$0")/lib.sh"

printf '127.0.3.%d\n' 1 2 3 >"$TMP/vip.list"
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; },
           { address = "[::1]:@PORT@"; name = "v6"; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; },
            { name = "gold"; priority = 20; } );
rules = (
  { address = "127.0.0.100";       class = "gold"; },
  { file    = "vip.list";          class = "special"; },
  { address = "10.0.0.0/8"; listener = "v6"; class = "gold"; },
  { regex   = "^192\\.168\\.";     class = "special"; },
  { address = "10.0.0.0/8";        class = "special"; }
);
EOF2

check "$CFG"
[ "$CHECK_RC" -eq 0 ] || fail "-t: exit status $CHECK_RC"
[ "$(cat "$TMP/check.out")" = "127.0.0.1:$PORT: lanes: 3 (priorities 0, 10, 20); in the kernel: rule #1, rule #2 (3 entries); in user space only: rule #4 (regex), rule #5; not for this listener: rule #3
$CFG: configuration OK" ] || fail "-t printed: $(cat "$TMP/check.out")"

# And the running dispatcher steers as it says.
start -v -c "$CFG"
expect_class 127.0.0.100 gold
expect_class 127.0.3.2   special
wait_log "from 127\.0\.0\.100:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 2, priority 20\): rule #1 at "
wait_log "from 127\.0\.3\.2:[0-9]+ on 127\.0\.0\.1:$PORT \(lane 1, priority 10\): rule #2 at $CFG:7 \(file $TMP/vip\.list:2\) -> class special\$"
stop

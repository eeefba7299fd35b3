# The lanes program is sized for the kernel it runs on: besides its 4096
# instructions, the kernel refuses a reuseport program larger than
# net.core.optmem_max once converted to eBPF (20480 bytes by default
# before Linux 6.9, about 1,250 addresses of 128.0.0.0 and above).  At
# start, on a reload and in -t, the program holds the rules that fit,
# -t names those that do not, and the dispatcher attaches it.  The limit
# is lowered in a network namespace of the test's own (it is per
# namespace on recent kernels), so that nothing else on the machine sees
# it; where it is not, the test cannot set it and skips.
. "$(dirname "$0")/netns.sh"
if ! echo 20480 >/proc/sys/net/core/optmem_max 2>/dev/null; then
	echo "SKIP: net.core.optmem_max is not per network namespace here" >&2
	exit 77
fi
. "$(dirname "$0")/lib.sh"

optmem() {
	echo "$1" >/proc/sys/net/core/optmem_max ||
	    fail "cannot set net.core.optmem_max to $1 in the test's namespace"
}

for i in $(seq 0 2999); do
	echo "200.0.$((i / 250)).$((i % 250))"
done >"$TMP/vip.list"
config "$CFG" <<'EOF2'
listen = ( { address = "127.0.0.1:@PORT@"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { file    = "vip.list";    class = "special"; },
  { address = "127.0.0.101"; class = "special"; }
);
EOF2
lanes="127\.0\.0\.1:$PORT: lanes: 2 \(priorities 0, 10\)"
small="dispatcher: warning: lanes on 127.0.0.1:$PORT: net.core.optmem_max leaves rules out of the program, to user space only (dispatcher -t names them)"

# accepted SRC LANE RULE: how many connections from SRC the log shows
# accepted from LANE, matched by RULE.
accepted() {
	local prio=$(($2 * 10))
	count_log "^dispatcher: debug: connection [0-9]+ from ${1//./\\.}:[0-9]+ on 127\.0\.0\.1:$PORT \(lane $2, priority $prio\): rule #$3 at "
}

# expect_lane SRC LANE RULE: a client from SRC is served by special and
# accepted from LANE.
expect_lane() {
	local src=$1 lane=$2 rule=$3 n
	n=$(accepted "$src" "$lane" "$rule")
	expect_class "$src" special
	poll 5 eval '[ "$(accepted "$src" "$lane" "$rule")" -gt "$n" ]' ||
	    fail "$src: not accepted from lane $lane"
}

# -t: the list in part, rule #3 not at all.
optmem 20480
check "$CFG"
[ "$CHECK_RC" -eq 0 ] || fail "-t: exit status $CHECK_RC"
re="^$lanes; in the kernel: rule #1, rule #2 \(([0-9]+) entries\); in user space only: rule #2 \(([0-9]+) entries: past net\.core\.optmem_max \(20480 bytes\)\), rule #3\$"
[[ $(head -1 "$TMP/check.out") =~ $re ]] || fail "-t printed: $(cat "$TMP/check.out")"
fit=${BASH_REMATCH[1]}
[ $((fit + BASH_REMATCH[2])) -eq 3000 ] && [ "$fit" -ge 1000 ] ||
    fail "-t: $fit and ${BASH_REMATCH[2]} entries of 3000"
[ "$(sed -n 2p "$TMP/check.out")" = "$CFG: configuration OK" ] ||
    fail "-t printed: $(cat "$TMP/check.out")"

# With a higher limit, every rule fits.
optmem 131072
check "$CFG"
[ "$(head -1 "$TMP/check.out")" = "${lanes//\\/}; in the kernel: rule #1, rule #2 (3000 entries), rule #3; in user space only: none" ] ||
    fail "-t printed: $(cat "$TMP/check.out")"

# The dispatcher attaches the program -t described first: rule #1 steers,
# rule #3 does not.
optmem 20480
start -v -c "$CFG"
expect_line "$small"
expect_line "dispatcher: info: lanes on 127.0.0.1:$PORT: 2 (priorities 0, 10)"
expect_no_log 'refuses'
[ "$(ss -Htln "( sport = :$PORT )" | wc -l)" -eq 2 ] || fail "not 2 listening sockets"
expect_lane 127.0.0.100 1 1
expect_lane 127.0.0.101 0 3

# The limit raised, a reload holds every rule in the kernel.
optmem 131072
kill -HUP "$DPID"
wait_log_count '^dispatcher: info: reloaded ' 1
expect_lane 127.0.0.101 1 3

# Lowered again, the next reload sizes the program down.
optmem 20480
kill -HUP "$DPID"
wait_log_count '^dispatcher: info: reloaded ' 2
expect_lane 127.0.0.101 0 3
expect_lane 127.0.0.100 1 1
[ "$(grep -Fxc "$small" "$LOG")" -eq 2 ] || fail "not one warning at start and one at the last reload"
expect_no_log 'refuses'
stop

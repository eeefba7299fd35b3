# workers = "auto": one worker per CPU the dispatcher may run on, as its
# affinity says (taskset here; a cgroup's cpuset alike), and again at a
# reload, which follows a changed affinity.
. "$(dirname "$0")/lib.sh"

command -v taskset >/dev/null 2>&1 || { echo "SKIP: no taskset" >&2; exit 77; }
cpus=$(taskset -pc $$ | sed 's/.*: //')
n=$(nproc)
first=$(taskset -c "$cpus" sh -c 'taskset -pc $$' | sed -E 's/.*: ([0-9]+).*/\1/')

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = "auto"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

"$BIN/dispatcher" -t -c "$CFG" >"$TMP/check" 2>&1 || fail "-t refused \"auto\": $(cat "$TMP/check")"

start -c "$CFG"
[ "$(logged_workers normal | wc -l)" -eq "$n" ] ||
    fail "$(logged_workers normal | wc -l) normal workers for $n CPUs"
[ "$(logged_workers special | wc -l)" -eq 1 ] || fail "special: not its one worker"
expect_class 127.0.0.1 normal
stop

# Pinned to one CPU: one worker.
AS_USER=(taskset -c "$first")
start -c "$CFG"
[ "$(logged_workers normal | wc -l)" -eq 1 ] ||
    fail "$(logged_workers normal | wc -l) normal workers on one CPU"
expect_class 127.0.0.1 normal

# Given every CPU back, a reload counts them again.
if [ "$n" -gt 1 ]; then
	taskset -pc "$cpus" "$DPID" >/dev/null
	kill -HUP "$DPID"
	wait_log_count "^dispatcher: info: reloaded $CFG\$" 1
	poll 5 eval '[ "$(live_workers | wc -l)" -eq $((n + 1)) ]' ||
	    fail "after the reload: $(live_workers | wc -l) workers, not $((n + 1))"
fi
expect_class 127.0.0.1 normal
stop

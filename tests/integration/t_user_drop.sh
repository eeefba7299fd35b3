# user and group: the dispatcher, started as root, binds its listeners
# and then runs as nobody:nogroup, and so do its workers: every uid and
# gid that user's, no supplementary group but nogroup (root's are gone),
# no capability, no new privileges; clients are still served.
. "$(dirname "$0")/lib.sh"

public_copies
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; },
            { name = "special"; workers = 1; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
group = "nogroup";
EOF2

uid=$(id -u nobody)
gid=$(getent group nogroup | cut -d: -f3)

# expect_dropped PID: its /proc/PID/status, line by line.
expect_dropped() {
	local status
	status=$(cat "/proc/$1/status") || fail "no process $1"
	for want in "Uid:	$uid	$uid	$uid	$uid" "Gid:	$gid	$gid	$gid	$gid" \
	    "Groups:	$gid " "NoNewPrivs:	1" "CapEff:	0000000000000000" \
	    "CapPrm:	0000000000000000"; do
		grep -Fqx -- "$want" <<<"$status" ||
		    fail "process $1: no line \"$want\" in its status:
$status"
	done
}

[ "$(id -u)" -eq 0 ] || fail "this test runs as root"
# Root with supplementary groups, root's among them: they must go.
AS_USER=(setpriv --groups 0,4)
start -c "$CFG"
expect_line "dispatcher: info: running as user nobody (uid $uid, gid $gid)"
expect_no_log 'running as root'
expect_class 127.0.0.100 special
expect_class 127.0.0.1 normal
expect_dropped "$DPID"
workers=$(live_workers)
[ "$(echo "$workers" | wc -w)" -eq 3 ] || fail "workers: $workers, expected 3"
for pid in $workers; do
	expect_dropped "$pid"
done
stop

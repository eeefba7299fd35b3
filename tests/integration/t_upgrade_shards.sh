# Shards are handed over whole: with acceptors = 2 and lanes, the group's
# four sockets go to the new dispatcher in their order, each shard takes
# its own, and a load across the upgrade loses nothing.  A new
# configuration whose shards the sockets do not divide among is refused
# by the new dispatcher, and the running one serves on; one shard, from
# a dispatcher without lanes or shards, takes the lone socket and its
# sibling joins it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upgrade.sh"

shards_config() {
	config "$CFG" <<EOF2
acceptors = $1;
listen = ( { address = "127.0.0.1:@PORT@"; lanes = $2; } );
metrics = "127.0.0.1:@PORT2@";
classes = ( { name = "normal"; workers = 2; },
            { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
}

# Both shards of the running dispatcher accepted some of the load.
both_shards() {
	local k
	scrape
	for k in 0 1; do
		[ "$(metric "dispatcher_shard_connections_accepted_total{shard=\"$k\"}")" -gt 0 ] ||
		    fail "$1: shard $k accepted nothing"
	done
}

shards_config 2 true
start_reaped -v -c "$CFG"
sockets=$(inodes)
[ "$(echo "$sockets" | wc -l)" -eq 4 ] || fail "not four sockets on the port: $sockets"

load_start --special-src 127.0.0.100 --special-rate 200
poll 10 load_accepted 50 1 || fail "the load did not start"
upgrade
load_lost_none 100 normal special
[ "$(inodes)" = "$sockets" ] || fail "the sockets are not those of the start: $(inodes)"
[ "$(count_log "^dispatcher: info: lanes on 127\.0\.0\.1:$PORT: 2 \(priorities 0, 10\)\$")" -eq 2 ] ||
    fail "the new dispatcher does not say it runs the lanes"
both_shards "after the upgrade"
expect_class 127.0.0.100 special
expect_class 127.0.0.5 normal

# Four sockets, three shards: refused by the new one, served by the old.
shards_config 3 true
kill -USR2 "$DPID"
wait_log "^dispatcher: warning: upgrade: the 4 sockets of 127\.0\.0\.1:$PORT do not divide among 3 shards"
wait_log '^dispatcher: warning: upgrade failed: dispatcher [0-9]+ exited with status [0-9]+ before it was ready; serving on as before$'
[ "$(inodes)" = "$sockets" ] || fail "the refused upgrade changed the sockets: $(inodes)"
expect_class 127.0.0.100 special
expect_class 127.0.0.5 normal
stop

# One socket, no lanes, to two shards: the lone socket is shard 0's.
shards_config 1 false
: >"$LOG"
start_reaped -v -c "$CFG"
sockets=$(inodes)
shards_config 2 false
load_start
poll 10 load_accepted 50 0 || fail "the load did not start"
upgrade
load_lost_none 100 normal
inodes | grep -qx "$sockets" || fail "the first socket is gone: $(inodes)"
[ "$(inodes | wc -l)" -eq 2 ] || fail "not two sockets on the port: $(inodes)"
for i in $(seq 1 20); do
	expect_class 127.0.0.5 normal
done
both_shards "after joining"
stop

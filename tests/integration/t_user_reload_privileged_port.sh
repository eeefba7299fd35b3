# After the drop to user nobody, a reload that needs a new socket on a
# port below 1024 says why it cannot and keeps the configuration that
# runs: a listener added there, or a listener there that gains a lane.
# A socket that is open already, the privileged listener's, stays.
. "$(dirname "$0")/lib.sh"

public_copies
free_low_port
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@LOWPORT@" ];
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2
start -c "$CFG"
low1=$LOWPORT
PORT=$low1 expect_class 127.0.0.100 special

reload_fails() {
	local n
	n=$(count_log 'failed; keeping the previous configuration$')
	kill -HUP "$DPID"
	wait_log_count 'failed; keeping the previous configuration$' $((n + 1))
	expect_no_log '^dispatcher: info: reloaded '
	PORT=$low1 expect_class 127.0.0.100 special
	PORT=$low1 expect_class 127.0.0.1 normal
}

# A second privileged port (not the first: it is in use): a new listener.
free_low_port
low2=$LOWPORT
config "$CFG" <<EOF2
listen = [ "127.0.0.1:$low1", "127.0.0.1:$low2" ];
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "normal"; } );
user = "nobody";
EOF2
reload_fails
expect_line "dispatcher: warning: cannot listen on 127.0.0.1:$low2: the listeners were bound as root, the dispatcher runs as user nobody since the privilege drop, and ports below 1024 need root: restart it to listen there"
[ -z "$(ss -Htln "( sport = :$low2 )")" ] || fail "something listens on $low2"

# Lanes on the privileged listener: one more socket on its port.
config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:$low1"; lanes = true; } );
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2
reload_fails
expect_line "dispatcher: warning: cannot open more lanes on 127.0.0.1:$low1: the listeners were bound as root, the dispatcher runs as user nobody since the privilege drop, and ports below 1024 need root: restart it to listen there"
[ "$(ss -Htln "( sport = :$low1 )" | wc -l)" -eq 1 ] ||
    fail "$(ss -Htln "( sport = :$low1 )" | wc -l) sockets on $low1, expected 1"

# What needs no new socket there still reloads: a new rule.
config "$CFG" <<EOF2
listen = [ "127.0.0.1:$low1" ];
classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );
rules = ( { address = "127.0.0.101"; class = "special"; } );
user = "nobody";
EOF2
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
PORT=$low1 expect_class 127.0.0.101 special
PORT=$low1 expect_class 127.0.0.100 normal
stop

# After the drop to user nobody a reload reads the file as nobody: one
# that nobody cannot read is warned about at start, and a reload of it
# fails as for any file that cannot be opened, keeping what runs.
. "$(dirname "$0")/lib.sh"

public_copies
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
user = "nobody";
EOF2
chmod 600 "$CFG"
start -c "$CFG"
expect_line "dispatcher: warning: $CFG is not readable by user nobody: reloads will fail: Permission denied"
expect_class 127.0.0.100 special

kill -HUP "$DPID"
expect_line "dispatcher: warning: $CFG: cannot open: Permission denied"
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_class 127.0.0.100 special

# Made readable, the same file reloads.
chmod 644 "$CFG"
kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
stop

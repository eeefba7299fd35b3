# The drop is checked: where root could be had back after it (here a
# securebit that keeps every capability across setresuid, inherited from
# whoever started the dispatcher), the dispatcher refuses to run, before
# any worker starts.
. "$(dirname "$0")/lib.sh"

public_copies
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "nobody";
EOF2
AS_USER=(setpriv --securebits +no_setuid_fixup)
expect_exit 70 -c "$CFG"
expect_line "dispatcher: fatal: after dropping to user nobody, root could be had back: refusing to run"
expect_no_log 'worker [0-9]+ started|ready'

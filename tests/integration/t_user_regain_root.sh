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
rc=0
timeout 10 setpriv --securebits +no_setuid_fixup "$BIN/dispatcher" -c "$CFG" \
    >"$OUT" 2>"$LOG" || rc=$?
[ "$rc" -eq 70 ] || fail "exit status $rc, expected 70"
expect_line "dispatcher: fatal: after dropping to user nobody, root could be had back: refusing to run"
expect_no_log 'worker [0-9]+ started|ready'

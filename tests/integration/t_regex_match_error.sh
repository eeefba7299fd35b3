# A regex that fails with a match error (here the match limit, on nested
# quantifiers) refuses the client, as a deny does, instead of letting it
# through to the rules after it; the error is logged at most once a
# second, with a count of those not logged, and -e reports it too.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { regex = "^(([\\d.]+)+)+[^\\d.]"; action = "deny"; },
  { address = "127.0.0.100"; class = "special"; }
);
EOF2

refused="rule #1 at $CFG:4 -> regex match error: match limit exceeded -> refused"
got=$(timeout 10 "$BIN/dispatcher" -c "$CFG" -e 127.0.0.100 2>&1) ||
    fail "-e 127.0.0.100: exit status $?: $got"
[ "$got" = "127.0.0.100 -> $refused" ] || fail "-e 127.0.0.100: got '$got'"

start -c "$CFG"
expect_denied 127.0.0.100
warning="^dispatcher: warning: connection [0-9]+ from 127\\.0\\.0\\.100:[0-9]+: ${refused//./\\.}"
wait_log "$warning \\(1 match errors in all, 0 not logged\\)\$"
# More of them: one line a second at most, which counts the others (the
# line is written before the connection is closed).
sent=1
while [ "$(count_log "$warning")" -lt 2 ] && [ "$sent" -lt 500 ]; do
	expect_denied 127.0.0.100
	sent=$((sent + 1))
done
[ "$sent" -ge 3 ] || fail "no refusal within the second after the first line"
wait_log "$warning \\($sent match errors in all, $((sent - 2)) not logged\\)\$" 1
[ "$(count_log "$warning")" -eq 2 ] ||
    fail "$(count_log "$warning") warnings for $sent refusals"
stop

# The control socket answers help, workers and stats, several commands on
# one connection, each answer ended by "ok" or "error ...".
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = ( { address = "127.0.0.1:@PORT@"; name = "web"; },
           "127.0.0.1:@PORT2@" );
control = "$SOCK";
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
start -c "$CFG"
expect_class 127.0.0.100 special

# Every command help lists, then "ok".
ctl "$SOCK" help >"$TMP/help"
for cmd in help workers stats reload 'explain ADDRESS \[LISTENER\]'; do
	grep -Eq "^$cmd  " "$TMP/help" || fail "help does not list $cmd: $(cat "$TMP/help")"
done
[ "$(tail -n 1 "$TMP/help")" = ok ] || fail "help does not end with ok: $(cat "$TMP/help")"
[ "$(wc -l <"$TMP/help")" -eq 6 ] || fail "help: $(cat "$TMP/help")"

# workers: one line per worker process, the dispatcher's children.
ctl "$SOCK" workers >"$TMP/workers"
[ "$(tail -n 1 "$TMP/workers")" = ok ] || fail "workers: $(cat "$TMP/workers")"
re='^pid=([0-9]+) class=(normal|special) inhand=0 started=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z state=running$'
head -n -1 "$TMP/workers" | while read -r line; do
	[[ $line =~ $re ]] || fail "workers: bad line '$line'"
done
got=$(head -n -1 "$TMP/workers" | sed -E 's/^pid=([0-9]+) .*/\1/' | sort -n | tr '\n' ' ')
want=$(pgrep -P "$DPID" | sort -n | tr '\n' ' ')
[ "$got" = "$want" ] || fail "workers lists pids '$got', the dispatcher's children are '$want'"
[ "$(grep -c ' class=normal ' "$TMP/workers")" -eq 2 ] || fail "workers: $(cat "$TMP/workers")"
[ "$(grep -c " class=special " "$TMP/workers")" -eq 1 ] || fail "workers: $(cat "$TMP/workers")"
special=$(sed -nE 's/^pid=([0-9]+) class=special .*/\1/p' "$TMP/workers")
[ "$special" = "$(logged_workers special)" ] || fail "special worker $special, logged $(logged_workers special)"

# stats (the metrics' samples), then an unknown command and help again,
# on one connection.
ctl "$SOCK" stats 'frobnicate now' '' help >"$TMP/stats"
sed -n '1,/^ok$/p' "$TMP/stats" >"$TMP/samples"
for want in 'dispatcher_workers{class="normal"} 2' \
    'dispatcher_workers{class="special"} 1' \
    'dispatcher_connections_in_hand{class="normal"} 0' \
    'dispatcher_connections_queued{class="special"} 0' \
    "dispatcher_connections_accepted_total{listener=\"web\",lane=\"0\"} 1" \
    'dispatcher_rule_matches_total{rule="1"} 1'; do
	grep -Fqx "$want" "$TMP/samples" || fail "stats lacks '$want': $(cat "$TMP/samples")"
done
grep -q '^#' "$TMP/samples" && fail "stats has comment lines"
grep -Evq '^(dispatcher_[a-z_]+(\{[^}]*\})? [0-9.e+-]+|ok)$' "$TMP/samples" &&
    fail "stats has lines other than samples: $(cat "$TMP/samples")"
{
	echo 'error unknown command "frobnicate" (help lists them)'
	cat "$TMP/help"
} >"$TMP/want"
sed '1,/^ok$/d' "$TMP/stats" >"$TMP/rest"
diff -u "$TMP/want" "$TMP/rest" >&2 || fail "unknown command, help: unexpected answers"

# A command's arguments are checked.
[ "$(ctl "$SOCK" 'workers all')" = "error usage: workers" ] ||
    fail "workers with an argument: $(ctl "$SOCK" 'workers all')"
stop

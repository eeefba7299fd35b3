# A reload whose Nth allocation fails, for N across the whole load: the
# daemon stays up, says the reload failed and goes on with the rules it
# had; a reload with memory then takes effect.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/support/failmalloc.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
# What the reloads read: 127.0.0.100 goes to a new class.
config "$TMP/next.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; }, { name = "special"; },
  { name = "gold"; reply = "gold {peer}\n"; }
);
rules = (
  { address = "127.0.0.100"; class = "gold"; },
  { regex = "^127\\.0\\.0\\.10[1-9]$"; class = "special"; },
  { file = "vip.list"; class = "special"; }
);
EOF
printf '127.0.0.120\n127.0.0.121\n' >"$TMP/vip.list"
total=$(failmalloc_count -t -c "$TMP/next.cfg")
[ -n "$total" ] || fail "the shim counted nothing: $(cat "$TMP/failmalloc.err")"

# The first allocation from $1 on whose failure fails the load (some cost
# nothing, such as the regex JIT's), found with -t, whose load allocates
# as a reload's does; nothing if there is none.
failing_nth() {
	local n
	for n in $(seq "$1" "$total"); do
		failmalloc_run "$n" -t -c "$TMP/next.cfg"
		if [ "$FAILMALLOC_RC" -eq 78 ]; then
			echo "$n"
			return
		fi
	done
}
nths=
for from in 1 2 3 $((total / 4)) $((total / 2)) $((total * 3 / 4)) $((total - 2)); do
	n=$(failing_nth "$from")
	[ -n "$n" ] || fail "no allocation from $from of $total fails the load"
	case " $nths " in *" $n "*) ;; *) nths="$nths $n" ;; esac
done

# The shim watches for the trigger file; what it holds is the N to fail.
AS_USER=("${FAILMALLOC_ENV[@]}" FAILMALLOC_NTH=1 FAILMALLOC_TRIGGER="$TMP/trigger")
start -c "$CFG"
expect_class 127.0.0.100 special; special=$WORKER
cp "$TMP/next.cfg" "$CFG"

failed=0
for n in $nths; do
	echo "$n" >"$TMP/trigger.new"
	mv "$TMP/trigger.new" "$TMP/trigger"
	kill -HUP "$DPID"
	failed=$((failed + 1))
	wait_log_count "^dispatcher: warning: reload of $CFG failed; keeping the previous configuration\$" "$failed"
	grep -q "^failmalloc: allocation $n " "$LOG" || fail "allocation $n did not fail"
	[ ! -e "$TMP/trigger" ] || fail "the trigger was not seen"
	expect_no_log '^dispatcher: info: reloaded'
	alive "$DPID" || fail "the dispatcher died when allocation $n failed"
	expect_class 127.0.0.100 special
	[ "$WORKER" = "$special" ] || fail "special: $special became $WORKER"
done
grep -Eq "^dispatcher: warning: $CFG(:[0-9]+)?: out of memory\$" "$LOG" ||
    fail "no reload said \"$CFG: out of memory\""

kill -HUP "$DPID"
expect_line "dispatcher: info: reloaded $CFG"
expect_reply 127.0.0.100 'gold 127\.0\.0\.100'
expect_class 127.0.0.120 special
stop

# A reload whose Nth allocation after reading the file fails, for every N
# (opening listeners, planning the classes, their workers' slots): the
# reload either fails whole, and the old rules serve, or takes effect
# whole; the daemon never dies and never serves a mix.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/support/failmalloc.sh"

config "$TMP/a.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; workers = 2; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
config "$TMP/b.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@", "127.0.0.1:@PORT2@" ];
classes = (
  { name = "normal"; workers = 2; }, { name = "special"; queue = 9; },
  { name = "gold"; reply = "gold\n"; workers = 2; }
);
rules = ( { address = "127.0.0.100"; class = "gold"; } );
EOF
declare -A loaded
for f in a b; do
	loaded[$f]=$(failmalloc_count -t -c "$TMP/$f.cfg")
	[ -n "${loaded[$f]}" ] || fail "the shim counted nothing: $(cat "$TMP/failmalloc.err")"
done

# What 127.0.0.100 gets under each configuration.
declare -A reply=([a]='Request handled with special priority by worker [0-9]+' [b]=gold)

cp "$TMP/a.cfg" "$CFG"
AS_USER=("${FAILMALLOC_ENV[@]}" FAILMALLOC_NTH=1 FAILMALLOC_TRIGGER="$TMP/trigger")
start -c "$CFG"
expect_reply 127.0.0.100 "${reply[a]}"

outcome='^dispatcher: (info: reloaded|warning: reload of .* failed; keeping the previous configuration)'
now=a
reached=0
for k in $(seq 1 80); do
	next=$([ "$now" = a ] && echo b || echo a)
	cp "$TMP/$next.cfg" "$CFG"
	n=$((${loaded[$next]} + k))
	before=$(grep -Ec "$outcome" "$LOG" || true)
	echo "$n" >"$TMP/trigger.new"
	mv "$TMP/trigger.new" "$TMP/trigger"
	kill -HUP "$DPID"
	wait_log_count "$outcome" "$((before + 1))"
	alive "$DPID" || fail "the dispatcher died when allocation $n failed"
	# Whole or nothing: the last outcome decides which rules serve.
	case $(grep -E "$outcome" "$LOG" | tail -n 1) in
	*reloaded*) now=$next ;;
	esac
	expect_reply 127.0.0.100 "${reply[$now]}"
	# A reload that allocated fewer than n: all of them have been tried.
	grep -q "^failmalloc: allocation $n " "$LOG" || break
	reached=$((reached + 1))
done
rm -f "$TMP/trigger"
[ "$reached" -ge 5 ] || fail "only $reached allocations after the load were reached"
[ "$k" -lt 80 ] || fail "the reloads kept allocating past 80"
grep -q 'reload of .* failed' "$LOG" || fail "no reload failed"
expect_no_log '^dispatcher: warning: worker [0-9]+ \(class .*\) killed'

# With memory again, a reload takes effect.  The shim still counts
# towards the n the last reload did not reach, so the next reload or two
# may still fail, each whole.
took=
for try in 1 2 3; do
	next=$([ "$now" = a ] && echo b || echo a)
	cp "$TMP/$next.cfg" "$CFG"
	before=$(grep -Ec "$outcome" "$LOG")
	kill -HUP "$DPID"
	wait_log_count "$outcome" "$((before + 1))"
	case $(grep -E "$outcome" "$LOG" | tail -n 1) in
	*reloaded*) now=$next; took=$try; break ;;
	esac
done
[ -n "$took" ] || fail "no reload took effect after the shim was done"
expect_reply 127.0.0.100 "${reply[$now]}"
stop

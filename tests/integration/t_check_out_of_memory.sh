# "dispatcher -t" with its Nth allocation failing, for each N the check
# makes: every run ends with the configuration error (78), or with
# "configuration OK" where the failure cost nothing (a stdio buffer, the
# regex JIT), never with a crash; running out of memory names the file.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/support/failmalloc.sh"

config "$TMP/classes.cfg" <<'EOF'
classes = (
  { name = "normal"; workers = 2; },
  { name = "special"; reply = "{class} {peer}\n"; delay_ms = 10;
    busy_reply = "busy\n"; overflow = "normal"; priority = 5; }
);
EOF
config "$CFG" <<'EOF'
listen = ( "127.0.0.1:@PORT@", { address = "[::1]:@PORT2@"; name = "v6"; } );
default = "normal";
@include "classes.cfg"
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "10.0.0.0/8"; listener = "v6"; class = "special"; },
  { regex = "^192\\.168\\."; class = "special"; },
  { file = "vip.list"; class = "special"; },
  { port = "1-1023"; action = "deny"; }
);
EOF
printf '127.0.0.101\n# a comment\n10.1.0.0/16\n' >"$TMP/vip.list"

check "$CFG"
[ "$CHECK_RC" -eq 0 ] || fail "-t: exit status $CHECK_RC with all the memory it wants"
total=$(failmalloc_count -t -c "$CFG")
[ -n "$total" ] || fail "the shim counted nothing: $(cat "$TMP/failmalloc.err")"

oom=0
for n in $(seq 1 "$total"); do
	failmalloc_run "$n" -t -c "$CFG"
	cp "$TMP/failmalloc.err" "$LOG"	# shown by fail
	grep -q "^failmalloc: allocation $n " "$LOG" ||
	    fail "allocation $n of $total did not fail"
	grep -v '^failmalloc: ' "$LOG" >"$TMP/errors" || true
	case $FAILMALLOC_RC in
	0)
		grep -qx "$CFG: configuration OK" "$TMP/failmalloc.out" ||
		    fail "allocation $n: exit status 0 without \"configuration OK\""
		[ ! -s "$TMP/errors" ] || fail "allocation $n: exit status 0 with errors"
		;;
	78)
		[ -s "$TMP/errors" ] || fail "allocation $n: exit status 78 without an error"
		# Files named by an @include are named as written there.
		if grep -Ev '^[^: ]+(:[0-9]+)?: ' "$TMP/errors" | grep -q .; then
			fail "allocation $n: lines not of the form FILE:LINE: message"
		fi
		if grep -Eq "^$CFG(:[0-9]+)?: out of memory\$" "$TMP/errors"; then
			oom=$((oom + 1))
		fi
		;;
	*)
		fail "allocation $n: exit status $FAILMALLOC_RC, expected 78 or 0"
		;;
	esac
done
[ "$oom" -gt 0 ] || fail "no run of $total said \"$CFG: out of memory\""

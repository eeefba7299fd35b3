# The command line: a bad option or operand is a usage error (64); -h
# prints usage on stdout, -V the version; both exit 0.
. "$(dirname "$0")/lib.sh"

cd "$TMP"	# no etc/rules.cfg here: nothing must start
version=$(sed -nE 's/^project\(dispatcher VERSION ([^ )]+).*/\1/p' "$SRCDIR/CMakeLists.txt")

run() {
	RC=0
	DCMD="$BIN/dispatcher $*"
	timeout 10 "$BIN/dispatcher" "$@" >"$TMP/out" 2>"$LOG" || RC=$?
}

run -x;           [ "$RC" -eq 64 ] || fail "-x: exit status $RC, expected 64"
run -c;           [ "$RC" -eq 64 ] || fail "-c without FILE: exit status $RC, expected 64"
run -t extra.cfg; [ "$RC" -eq 64 ] || fail "an operand: exit status $RC, expected 64"

run -h
[ "$RC" -eq 0 ] || fail "-h: exit status $RC, expected 0"
grep -qi usage "$TMP/out" || fail "-h: no usage on stdout: $(cat "$TMP/out")"
grep -q -- '-c' "$TMP/out" || fail "-h: usage does not mention -c"

run -V
[ "$RC" -eq 0 ] || fail "-V: exit status $RC, expected 0"
[ "$(cat "$TMP/out")" = "dispatcher $version" ] ||
    fail "-V printed '$(cat "$TMP/out")', expected 'dispatcher $version'"

# A configuration file that does not exist: a message naming it and a
# configuration error, with -t and without.
. "$(dirname "$0")/lib.sh"

for args in "-t -c $TMP/nonexistent.cfg" "-c $TMP/nonexistent.cfg"; do
	rc=0
	DCMD="$BIN/dispatcher $args"
	timeout 10 "$BIN/dispatcher" $args >"$TMP/out" 2>"$LOG" || rc=$?
	[ "$rc" -eq 78 ] || fail "$args: exit status $rc, expected 78"
	grep -q "$TMP/nonexistent.cfg: cannot open: No such file or directory" "$LOG" ||
	    fail "$args: no message naming the file and the reason"
done

# -t on the shipped configuration: "FILE: configuration OK", exit 0.
. "$(dirname "$0")/lib.sh"

check "$SRCDIR/etc/rules.cfg"
[ "$CHECK_RC" -eq 0 ] || fail "exit status $CHECK_RC, expected 0"
[ "$(cat "$TMP/check.out")" = "$SRCDIR/etc/rules.cfg: configuration OK" ] ||
    fail "stdout: $(cat "$TMP/check.out")"

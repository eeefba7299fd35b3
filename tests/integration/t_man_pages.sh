# The man pages: clean under mandoc's linter, and complete: every option
# the programs take, every configuration key, every exit code, and an
# example configuration that `dispatcher -t` accepts.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null 2>&1 || fail "no mandoc (scripts/install-deps installs it)"
MAN=$SRCDIR/docs/man
for page in dispatcher.8 dispatch-worker.8 rules.cfg.5; do
	[ -f "$MAN/$page" ] || fail "no $MAN/$page"
	out=$(mandoc -T lint -W warning "$MAN/$page" 2>&1) ||
	    fail "mandoc -T lint on $page: $out"
done

# Every option of the usage, as an item of its list.
for o in $("$BIN/dispatcher" -h 2>&1 | sed -nE 's/^  -([a-zA-Z]) .*/\1/p'); do
	grep -qE "^\.It Fl $o( |$)" "$MAN/dispatcher.8" ||
	    fail "dispatcher.8 lacks option -$o"
done
usage=$("$BIN/dispatch-worker" -x 2>&1 | grep "^usage:" || true)
[ -n "$usage" ] || fail "dispatch-worker printed no usage line"
for o in $(echo "$usage" | grep -oE '\-[a-zA-Z]' | tr -d - | sort -u); do
	grep -qE "^\.It Fl $o( |$)" "$MAN/dispatch-worker.8" ||
	    fail "dispatch-worker.8 lacks option -$o"
done

# Every key the configuration takes (the lists the parser checks keys
# against), as an item.
keys=$(sed -n '/_keys\[\] = {/,/NULL/p' "$SRCDIR/dispatcher/config.c" \
    "$SRCDIR/dispatcher/config_rules.c" | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
[ "$(echo "$keys" | wc -l)" -ge 20 ] || fail "found only these keys: $keys"
for k in $keys; do
	grep -qE "^\.It Ic $k( |$)" "$MAN/rules.cfg.5" ||
	    fail "rules.cfg.5 lacks key $k"
done

# Every exit code, in both programs' pages.
for c in 0 $(sed -nE 's/^#define EXIT_[A-Z]+[[:space:]]+([0-9]+).*/\1/p' \
    "$SRCDIR/common/exitcode.h"); do
	grep -qx "\.It $c" "$MAN/dispatcher.8" || fail "dispatcher.8 lacks exit code $c"
done

# The example is a configuration the dispatcher accepts.
sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' "$MAN/rules.cfg.5" | sed '1,/^\.Bd/d;/^\.Ed/d' |
    sed 's/\\e/\\/g' >"$TMP/example.cfg"
printf '10.9.9.9\n' >"$TMP/special.list"
"$BIN/dispatcher" -t -c "$TMP/example.cfg" >"$TMP/check" 2>&1 ||
    fail "the example of rules.cfg.5 is refused: $(cat "$TMP/check")"

# The shipped systemd units, as installed under a prefix (their ExecStart
# then names the dispatcher installed there, which exists), pass
# `systemd-analyze verify` without a word, man pages included; the socket
# unit listens on the example configuration's addresses, so that the two
# installed together fit.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null 2>&1 ||
    fail "no systemd-analyze (scripts/install-deps installs systemd)"
build=$(dirname "$BIN")
inst=$TMP/inst
cmake --install "$build" --prefix "$inst" >"$TMP/install.log" 2>&1 ||
    fail "cmake --install: $(cat "$TMP/install.log")"
units=$inst/lib/systemd/system
for f in dispatcher.service dispatcher.socket; do
	[ -f "$units/$f" ] || fail "no $units/$f"
done
grep -qx "ExecStart=$inst/sbin/dispatcher -c /etc/dispatcher/rules.cfg" \
    "$units/dispatcher.service" || fail "ExecStart: $(grep ^ExecStart "$units/dispatcher.service")"
grep -qx 'Type=notify' "$units/dispatcher.service" || fail "not Type=notify"

(cd "$TMP" && MANPATH=$inst/share/man \
    systemd-analyze verify "$units/dispatcher.socket" "$units/dispatcher.service") \
    >"$TMP/verify" 2>&1 || fail "systemd-analyze verify: $(cat "$TMP/verify")"
[ ! -s "$TMP/verify" ] || fail "systemd-analyze verify says: $(cat "$TMP/verify")"

# Each ListenStream= is a listener of the example.
for a in $(sed -n 's/^ListenStream=//p' "$units/dispatcher.socket"); do
	grep -E '^listen = ' "$SRCDIR/etc/rules.cfg" | grep -qF "\"$a\"" ||
	    fail "ListenStream=$a is no listener of etc/rules.cfg"
done

# dispatch-worker links neither PCRE2 nor libconfig: rules and
# configuration are the dispatcher's, and a worker, started many times
# over, loads only what serving a connection needs.
. "$(dirname "$0")/lib.sh"

DCMD="ldd $BIN/dispatch-worker"
libs=$(ldd "$BIN/dispatch-worker") || fail "ldd failed: $libs"
echo "$libs" | grep -q 'libc\.so' || fail "ldd names no libc: $libs"
if echo "$libs" | grep -Eq 'pcre2|libconfig'; then
	fail "dispatch-worker links $(echo "$libs" | grep -E 'pcre2|libconfig')"
fi

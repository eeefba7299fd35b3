# failmalloc.sh: running the dispatcher with tests/support/failmalloc.so
# (FAILMALLOC, set by CTest), for the out-of-memory tests; sourced after
# lib.sh.  Where the shim cannot work, sourcing it skips the test (77).
#
#   "${FAILMALLOC_ENV[@]}" VAR=VALUE... PROGRAM ARGS...
#                           run PROGRAM with the shim and these settings
#   failmalloc_run N ARGS...
#                           "dispatcher ARGS" with its Nth allocation
#                           failing: its exit status in FAILMALLOC_RC, its
#                           output in $TMP/failmalloc.out and .err
#   failmalloc_count ARGS...
#                           how many allocations "dispatcher ARGS" makes
#                           that the shim may fail

: "${FAILMALLOC:?FAILMALLOC must name failmalloc.so}"

# AddressSanitizer wants its runtime first among the libraries: the shim
# stands before it and hands every allocation on to it, which works once
# that check is off.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# libconfig 1.5 does not check its own allocations (its parser uses what
# it failed to get): nothing can survive those, so they are spared, and
# the tests aim at the code that can.
FAILMALLOC_ENV=(env LD_PRELOAD="$FAILMALLOC" FAILMALLOC_SPARE=libconfig.so)

failmalloc_run() {
	local n=$1
	shift
	FAILMALLOC_RC=0
	timeout 10 "${FAILMALLOC_ENV[@]}" FAILMALLOC_NTH="$n" \
	    "$BIN/dispatcher" "$@" >"$TMP/failmalloc.out" \
	    2>"$TMP/failmalloc.err" || FAILMALLOC_RC=$?
}

failmalloc_count() {
	failmalloc_run 999999999 "$@"
	sed -n 's/^failmalloc: \([0-9]*\) allocations counted, none failed$/\1/p' \
	    "$TMP/failmalloc.err"
}

if [ -z "$(failmalloc_count -V)" ]; then
	echo "SKIP: $FAILMALLOC does not work with $BIN/dispatcher here:" >&2
	cat "$TMP/failmalloc.err" >&2
	exit 77
fi

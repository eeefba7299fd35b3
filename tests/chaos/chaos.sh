# chaos.sh: helpers for the fault-injection scenarios (make chaos), on top
# of the integration tests' lib.sh.  Each scenario runs a real dispatcher
# under the bench's load generator, injects one kind of fault, and counts
# every connection the generator started as
#   served   a worker's reply ("... with CLASS priority ...")
#   refused  on purpose: the class's busy reply, or a connection the
#            dispatcher never accepted (refused, or reset by the kernel
#            when a stop closed the listener with it in the backlog)
#   lost     accepted, then closed without a reply, or no answer before
#            the generator's timeout
# and prints them as one "chaos: NAME served=N refused=N lost=N ..." line,
# also appended to $CHAOS_RESULTS when set (make chaos prints that file).
#
#   load NAME ARGS...     loadgen ARGS against $PORT in the background,
#                         closed loop, draining at its end
#   load_stop NAME        SIGINT: start no more, wait for those in flight
#   load_wait NAME [S]    wait (S seconds, 120) and read its summary into L
#   account [stop]        served, refused and lost from L; with "stop",
#                         refused and reset connects are refusals
#   figures NAME [TEXT]   print and record the line
#   fds PID               its open descriptors
#   open_fds              descriptors of the dispatcher and its workers

. "$(dirname "$0")/../integration/lib.sh"

LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
declare -A L LOADS
SERVED=0 REFUSED=0 LOST=0

load() {
	local name=$1
	shift
	"$LOADGEN" -q --drain "$@" "127.0.0.1:$PORT" >"$TMP/load-$name.out" \
	    2>"$TMP/load-$name.err" &
	LOADS[$name]=$!
}

load_stop() {
	kill -INT "${LOADS[$1]}" 2>/dev/null || true
}

load_wait() {
	local name=$1 pid=${LOADS[$1]} rc=0 kv
	poll "${2:-120}" eval '! alive "$pid"' ||
	    fail "load $name still running after ${2:-120} s"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "load $name: loadgen exited $rc: $(cat "$TMP/load-$name.err")"
	L=()
	for kv in $(grep '^summary ' "$TMP/load-$name.out"); do
		case $kv in
		normal.*=*) kv=${kv#normal.}; L[${kv%%=*}]=${kv#*=} ;;
		esac
	done
	[ -n "${L[started]-}" ] || fail "load $name: no summary line"
}

account() {
	local k
	SERVED=0
	for k in "${!L[@]}"; do
		case $k in class.*) SERVED=$((SERVED + L[$k])) ;; esac
	done
	REFUSED=${L[other]}
	LOST=$((L[empty] + L[timeouts] + L[unfinished]))
	if [ "${1-}" = stop ]; then
		REFUSED=$((REFUSED + L[connect_errors] + L[resets]))
	else
		LOST=$((LOST + L[connect_errors] + L[resets]))
	fi
	[ $((SERVED + REFUSED + LOST + L[aborted])) -eq "${L[started]}" ] ||
	    fail "accounting: $SERVED served + $REFUSED refused + $LOST lost + ${L[aborted]} aborted != ${L[started]} started"
}

figures() {
	local line
	line="chaos: $1 served=$SERVED refused=$REFUSED lost=$LOST${2:+ $2}"
	echo "$line"
	[ "$LOST" -eq 0 ] || grep -h '^summary ' "$TMP"/load-*.out >&2
	[ -z "${CHAOS_RESULTS-}" ] || echo "$line" >>"$CHAOS_RESULTS"
}

fds() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

open_fds() {
	local pid n=0
	for pid in $DPID $(live_workers); do
		n=$((n + $(fds "$pid")))
	done
	echo "$n"
}

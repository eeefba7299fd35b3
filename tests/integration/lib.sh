# lib.sh: helpers for the integration tests, sourced by every t_*.sh.
#
# A test is data: a configuration, a few clients and the replies and log
# lines it expects.  Every process a test starts is stopped when the test
# exits, whether it passes or fails, and its temporary directory goes too.
#
# Environment (set by CTest): BIN holds dispatcher and dispatch-worker,
# SRCDIR is the source root.
#
#   config FILE <<'EOF'     write a configuration; @PORT@ becomes $PORT
#                           and @PORT2@ $PORT2
#   start ARGS...           run "dispatcher ARGS..." and wait for "ready"
#   expect_exit STATUS ARGS...  run it to its end, expecting that status
#   ask SRC                 print the reply a client bound to SRC gets
#   send SRC                the same, the client sending stdin first
#   ask_bg SRC FILE         the same in the background; then wait_clients
#   expect_class SRC CLASS  the default reply of CLASS; $WORKER is its pid
#   expect_reply SRC ERE    a one-line reply matching ERE
#   reply_matches FILE ERE  the same test on a reply saved by ask_bg
#   expect_denied SRC       the connection is closed without a byte
#   expect_line TEXT        the log holds exactly this line
#   wait_log ERE [SECONDS]  wait for a log line matching ERE
#   logged_workers [CLASS]  pids of the "worker PID started" lines
#   WORKER_MATCH=ERE        what the command line of a worker holds
#                           (dispatch-worker; add a test's own programs)
#   cpu_ticks PID           the CPU time a process has used, in clock ticks
#   stop [SIGNAL [SECONDS]] stop; expect exit 0 and no worker left
#   check FILE              "dispatcher -t -c FILE"; sets CHECK_RC
#   ctl SOCKET LINE...      sends the lines on one connection to a control
#                           socket; prints the answers until it closes
#   expect_errors FILE 'LINE: MESSAGE'...   what "dispatcher -t" reports
#   scrape [FILE]           GET the metrics at 127.0.0.1:$PORT2 (or
#                           $METRICS_PORT) into FILE ($TMP/metrics by
#                           default); fails unless 200
#   metric 'NAME{LABELS}'   the value of that series in the last scrape
#   public_copies [PROGRAM...]  copies of the programs (and of each
#                           PROGRAM) in PUB, a directory nobody can read;
#                           sets BIN and CFG
#   unprivileged NOFILE [PROGRAM...]  the same, and later starts run as
#                           nobody with that descriptor limit
#   free_low_port           sets LOWPORT, a free port in 900-1000 that
#                           config writes for @LOWPORT@
#
# Clients are socat processes bound to a loopback source address, so that
# 127.0.0.100 can play a "special" peer; ::1 is the IPv6 client.

set -eu

: "${BIN:?BIN must name the directory holding dispatcher and dispatch-worker}"
: "${SRCDIR:?SRCDIR must name the source root}"
[ -x "$BIN/dispatcher" ] || { echo "FAIL: no $BIN/dispatcher" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dispatcher-it.XXXXXX")
CFG=$TMP/rules.cfg		# the usual configuration file
LOG=$TMP/dispatcher.log		# the dispatcher's (and its workers') stderr
OUT=$TMP/dispatcher.out		# its stdout
DPID=				# the running dispatcher
DCMD=				# how it was started, for failure reports
WORKER=				# pid named by the last expect_class
CLIENTS=()			# background clients (ask_bg)
AS_USER=()			# a command prefix that start runs the dispatcher with
CONFIGS=()			# files written by config, re-rendered on a new port
PUB=				# made by unprivileged, for files nobody reads
: >"$LOG"

fail() {
	local f
	echo "FAIL: $*" >&2
	[ -z "$DCMD" ] || echo "--- command: $DCMD" >&2
	for f in ${CONFIGS[@]+"${CONFIGS[@]}"}; do
		echo "--- $f" >&2
		cat -n "$f" >&2 2>/dev/null || true
	done
	echo "--- dispatcher log" >&2
	cat "$LOG" >&2 2>/dev/null || true
	echo "---" >&2
	exit 1
}

# True while the process exists and is not a zombie.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# What a worker's command line holds (an ERE): a test that runs programs
# of its own as workers adds theirs, so that they are checked and cleaned
# up as dispatch-worker is.
WORKER_MATCH=dispatch-worker
is_worker() {
	alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null |
	    grep -Eq -- "$WORKER_MATCH"
}

# Pids named by "worker PID started for class CLASS" lines (any class
# without an argument), in order.
logged_workers() {
	sed -nE "s/^dispatcher: info: worker ([0-9]+) started for class ${1:-.*}\$/\\1/p" \
	    "$LOG" 2>/dev/null || true
}

# Workers alive now: the dispatcher's children and every logged worker.
live_workers() {
	local pid
	{ [ -z "$DPID" ] || pgrep -P "$DPID" || true; logged_workers; } |
	    sort -un | while read -r pid; do
		if is_worker "$pid"; then echo "$pid"; fi
	done
}

# utime + stime of a process, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# Polls COMMAND every 0.05 s for at most SECONDS; returns its last status.
poll() {
	local tries
	tries=$(awk -v s="$1" 'BEGIN { print int(s * 20) + 1 }')
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

cleanup() {
	local rc=$? pid pids
	set +e
	trap - EXIT
	pids=$(live_workers)
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		poll 2 eval '! alive "$DPID"'
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	for pid in $pids $(live_workers); do
		if is_worker "$pid"; then kill -KILL "$pid" 2>/dev/null; fi
	done
	# Background clients and helpers: timeout(1) passes TERM to its child.
	pids=$(jobs -p)
	for pid in $pids; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $pids; do
		poll 2 eval '! alive "$pid"' || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$SANLOG_DIR" ]; then
		cp "$PUB"/sanitizer-logs/* "$SANLOG_DIR"/ 2>/dev/null
	fi
	rm -rf "$TMP" ${PUB:+"$PUB"}
	exit "$rc"
}
trap cleanup EXIT

# A port in 20000-60000 that no socket uses now.  Another program may take
# it before the dispatcher binds it: start retries on exit status 71.
free_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		if [ -z "$(ss -Htan "( sport = :$p )")" ]; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port found"
}
PORT=$(free_port)
PORT2=$(free_port)	# for a second listener: @PORT2@
LOWPORT=		# a port only root may bind: @LOWPORT@, see free_low_port

# free_low_port: sets LOWPORT to a port in 900-1000 that no socket uses
# now, from a random place in the range.
free_low_port() {
	local i p from=$RANDOM
	for i in $(seq 0 100); do
		p=$((900 + (from + i) % 101))
		if [ -z "$(ss -Htan "( sport = :$p )")" ]; then
			LOWPORT=$p
			return 0
		fi
	done
	fail "no free port in 900-1000"
}

template_of() {
	echo "$TMP/templates/$(echo "$1" | tr / _)"
}

render() {
	sed "s/@PORT@/$PORT/g; s/@PORT2@/$PORT2/g; s/@LOWPORT@/$LOWPORT/g" \
	    "$(template_of "$1")" >"$1"
}

# config FILE: writes stdin to FILE with @PORT@ replaced by $PORT.
config() {
	mkdir -p "$TMP/templates" "$(dirname "$1")"
	cat >"$(template_of "$1")"
	render "$1"
	case " ${CONFIGS[*]-} " in
	*" $1 "*) ;;
	*) CONFIGS+=("$1") ;;
	esac
}

# public_copies [PROGRAM...]: for a dispatcher that is nobody's, from its
# start or after it drops to that user.  nobody may not be able to enter
# the checkout, the build tree or $TMPDIR (a clone under a 0700
# directory): the programs are copied into PUB, a world-readable
# directory of its own under /tmp, and BIN names the copies, with any
# PROGRAM given to run "${AS_USER[@]}" "$BIN/NAME" as well; CFG moves
# there too.  Write the configuration (and any file it names) into PUB
# after this call.
public_copies() {
	umask 022	# what config writes there is read by nobody
	PUB=$(mktemp -d /tmp/dispatcher-pub.XXXXXX)
	chmod 755 "$PUB"
	mkdir "$PUB/bin"
	cp "$BIN/dispatcher" "$BIN/dispatch-worker" "$@" "$PUB/bin/"
	BIN=$PUB/bin
	CFG=$PUB/rules.cfg
	unprivileged_sanitizer_logs
}

# unprivileged NOFILE [PROGRAM...]: the dispatcher that start runs next is
# nobody's, with NOFILE descriptors at most (root is exempt from the limit
# on descriptors in flight), from public_copies.
unprivileged() {
	local nofile=$1
	shift
	public_copies "$@"
	AS_USER=(prlimit --nofile="$nofile:$nofile"
	    setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all)
}

# A sanitizer's log_path and suppressions (make test-asan) may be where
# the user nobody can neither read nor write: the suppressions are copied into
# PUB, the reports go there too, and cleanup brings them back.
SANLOG_DIR=
unprivileged_sanitizer_logs() {
	local path
	path=$(echo "${LSAN_OPTIONS-}" | sed -nE 's/(^|.*:)suppressions=([^:]*).*/\2/p')
	if [ -n "$path" ]; then
		cp "$path" "$PUB/lsan.supp"
		LSAN_OPTIONS=${LSAN_OPTIONS//suppressions=$path/suppressions=$PUB/lsan.supp}
		export LSAN_OPTIONS
	fi
	path=$(echo "${ASAN_OPTIONS-}" | sed -nE 's/(^|.*:)log_path=([^:]*).*/\2/p')
	[ -n "$path" ] || return 0
	SANLOG_DIR=$(dirname "$path")
	mkdir -m 1777 "$PUB/sanitizer-logs"
	ASAN_OPTIONS=${ASAN_OPTIONS//log_path=$SANLOG_DIR\//log_path=$PUB/sanitizer-logs/}
	UBSAN_OPTIONS=${UBSAN_OPTIONS//log_path=$SANLOG_DIR\//log_path=$PUB/sanitizer-logs/}
	export ASAN_OPTIONS UBSAN_OPTIONS
}

# start ARGS...: runs the dispatcher in the background, its stderr in $LOG,
# and waits (at most READY_SECONDS, 10) for its "ready" line.
READY_SECONDS=10
start() {
	local attempt rc f
	for attempt in 1 2 3 4 5; do
		: >"$LOG"
		DCMD="(cd $PWD && $BIN/dispatcher $*)"
		PATH="$BIN:$PATH" env --default-signal=INT,QUIT \
		    ${AS_USER[@]+"${AS_USER[@]}"} \
		    "$BIN/dispatcher" "$@" >"$OUT" 2>"$LOG" &
		DPID=$!
		if poll "$READY_SECONDS" eval 'grep -qx "dispatcher: info: ready" "$LOG" || ! alive "$DPID"' &&
		    alive "$DPID"; then
			return 0
		fi
		if alive "$DPID"; then
			fail "no \"ready\" line within $READY_SECONDS s"
		fi
		rc=0
		wait "$DPID" || rc=$?
		DPID=
		if [ "$rc" -ne 71 ] || [ "$attempt" -eq 5 ]; then
			fail "dispatcher exited with status $rc before \"ready\""
		fi
		# Port taken meanwhile: try another.
		PORT=$(free_port)
		PORT2=$(free_port)
		if [ -n "$LOWPORT" ]; then free_low_port; fi
		for f in ${CONFIGS[@]+"${CONFIGS[@]}"}; do
			render "$f"
		done
	done
}

# expect_exit STATUS ARGS...: runs "dispatcher ARGS..." (as start does,
# with AS_USER) in the foreground, its stderr in $LOG, and expects it to
# exit with STATUS within 10 s.
expect_exit() {
	local want=$1 rc=0
	shift
	DCMD="$BIN/dispatcher $*"
	timeout 10 ${AS_USER[@]+"${AS_USER[@]}"} "$BIN/dispatcher" "$@" \
	    >"$OUT" 2>"$LOG" || rc=$?
	[ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want"
}

# exit_status PID: sets RC to the exit status of the dispatcher PID, which
# has exited (upgrade.sh replaces it: a dispatcher an upgrade started is
# not the shell's child).
exit_status() {
	RC=0
	wait "$1" || RC=$?
}

# stop [SIGNAL [SECONDS]]: signals the dispatcher (TERM by default), expects
# it to exit with status 0 within SECONDS (10), leaving no worker alive.
stop() {
	local sig=${1:-TERM} secs=${2:-10} workers rc=0 pid
	[ -n "$DPID" ] || fail "stop: no dispatcher running"
	alive "$DPID" || fail "the dispatcher died before it was stopped"
	workers=$(live_workers)
	kill -s "$sig" "$DPID"
	poll "$secs" eval '! alive "$DPID"' ||
	    fail "dispatcher still running $secs s after SIG$sig"
	exit_status "$DPID"
	rc=$RC
	DPID=
	[ "$rc" -eq 0 ] || fail "dispatcher exited with status $rc after SIG$sig, expected 0"
	# A worker's failure (a sanitizer's report among them) is a failure.
	expect_no_log '^dispatcher: (info|warning): worker [0-9]+ \(class .*\) exited with status [1-9]'
	expect_no_log '^dispatch-worker\[[0-9]+\]: fatal: '
	expect_no_log ' runtime error: |Sanitizer'

	for pid in $workers $(logged_workers); do
		# An orphan may need a moment to be reaped; it must not go on.
		poll 1 eval '! is_worker "$pid"' ||
		    fail "worker $pid still alive after the dispatcher exited"
	done
	# In a SANITIZE=ON build: no report from either program.
	expect_no_log '^==[0-9]+==|runtime error: '
}

# The socat address of a client bound to SRC (127.x.y.z, or ::1).
client_addr() {
	case $1 in
	*:*) echo "TCP6:[::1]:$PORT,bind=[$1]" ;;
	*) echo "TCP:127.0.0.1:$PORT,bind=$1" ;;
	esac
}

# ask SRC: prints what a client bound to SRC receives before the close.
ask() {
	send "$1" </dev/null
}

# send SRC: the same for a client that sends its standard input first.
send() {
	timeout 10 socat -t 10 -T 5 - "$(client_addr "$1")" \
	    2>>"$TMP/clients.err" || true
}

# ask_bg SRC FILE: the same in the background, into FILE; see wait_clients.
ask_bg() {
	timeout 20 socat -t 10 -T 5 - "$(client_addr "$1")" </dev/null \
	    >"$2" 2>>"$TMP/clients.err" &
	CLIENTS+=($!)
}

# ask_held SRC FILE: like ask_bg, but the client keeps its side open (it
# only reads: no shutdown after an empty input), as a client waiting in a
# queue does.  The arrival time of the end of the reply, in ms since the
# epoch, goes to FILE.time.
ask_held() {
	{
		timeout 20 socat -T 15 -u "$(client_addr "$1")" - \
		    >"$2" 2>>"$TMP/clients.err"
		date +%s%3N >"$2.time"
	} &
	CLIENTS+=($!)
}

wait_clients() {
	local pid
	for pid in ${CLIENTS[@]+"${CLIENTS[@]}"}; do
		wait "$pid" || true
	done
	CLIENTS=()
}

# reply_matches FILE ERE: FILE is exactly one line, ended by a newline,
# matching ERE; sets WORKER to ERE's first group.
reply_matches() {
	local reply re
	reply=$(cat "$1"; echo .)
	reply=${reply%.}
	re="^($2)"$'\n''$'
	[[ $reply =~ $re ]] || return 1
	WORKER=${BASH_REMATCH[2]-}
}

# expect_reply SRC ERE: the reply is one line matching ERE.
expect_reply() {
	ask "$1" >"$TMP/last-reply"
	reply_matches "$TMP/last-reply" "$2" ||
	    fail "client $1: expected a line matching '$2', got $(printf %q "$(cat "$TMP/last-reply")")"
}

# expect_class SRC CLASS: the default reply of CLASS; sets WORKER.
expect_class() {
	local class=${2//./\\.}	# names hold [A-Za-z0-9_.-]: only "." is special
	expect_reply "$1" "Request handled with $class priority by worker ([0-9]+)"
	case " $(logged_workers "$class" | tr '\n' ' ') " in
	*" $WORKER "*) ;;
	*) fail "client $1: worker $WORKER is not a logged worker of class $2" ;;
	esac
}

# expect_denied SRC: the dispatcher closes the connection, without a byte,
# at once (well within socat's 5 s inactivity timeout).
expect_denied() {
	local t0 t1
	t0=$(date +%s%N)
	ask "$1" >"$TMP/last-reply"
	t1=$(date +%s%N)
	[ ! -s "$TMP/last-reply" ] ||
	    fail "client $1: expected no reply, got $(printf %q "$(cat "$TMP/last-reply")")"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] ||
	    fail "client $1: connection not closed within 3 s"
}

# wait_log ERE [SECONDS]: waits (10 s by default) for a matching log line.
wait_log() {
	poll "${2:-10}" grep -Eq -- "$1" "$LOG" ||
	    fail "no log line matching '$1' within ${2:-10} s"
}

# wait_log_count ERE N [SECONDS]: waits until N lines match.
wait_log_count() {
	local pattern=$1 count=$2
	poll "${3:-10}" eval '[ "$(grep -Ec -- "$pattern" "$LOG")" -ge "$count" ]' ||
	    fail "fewer than $2 log lines matching '$1' within ${3:-10} s"
}

# expect_line TEXT: the log holds exactly this line (waits up to 10 s).
expect_line() {
	poll 10 grep -Fqx -- "$1" "$LOG" || fail "no log line: $1"
}

expect_no_log() {
	if grep -Eq -- "$1" "$LOG"; then
		fail "unexpected log line matching '$1'"
	fi
}

count_log() {
	grep -Ec -- "$1" "$LOG" || true
}

# scrape [FILE]: the metrics endpoint a test configures on @PORT2@.
scrape() {
	local code
	code=$(curl -s --max-time 5 -o "${1:-$TMP/metrics}" -w '%{http_code}' \
	    "http://127.0.0.1:${METRICS_PORT:-$PORT2}/metrics") || true
	[ "$code" = 200 ] || fail "scrape: HTTP status '$code'"
}

# metric 'NAME{LABELS}': prints the series' value in the last scrape.
metric() {
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { exit !found }' \
	    "$TMP/metrics" || fail "no series $1 in the scrape"
}

# expect_metric 'NAME{LABELS}' VALUE: that series has that value.
expect_metric() {
	local v
	v=$(metric "$1")
	[ "$v" = "$2" ] || fail "$1 is $v, expected $2"
}

# ctl SOCKET LINE...: the lines, then the end of input, to the control
# socket; the dispatcher answers them all, then closes.
ctl() {
	local sock=$1
	shift
	printf '%s\n' "$@" | timeout 10 socat -t 5 - "UNIX-CONNECT:$sock" \
	    2>>"$TMP/clients.err"
}

# pyworker: the Python worker written from docs/WORKER-PROTOCOL.md for a
# class's "worker": PY is the interpreter itself (not a wrapper such as
# pyenv's shims), PYWORKER the script, and cleanup and stop see its
# processes as workers.
pyworker() {
	PY=$(python3 -c 'import sys; print(sys.executable)') || fail "no python3"
	PYWORKER=$SRCDIR/tests/support/pyworker.py
	WORKER_MATCH='dispatch-worker|pyworker\.py'
}

# pyworker_misbehaves MODE KEYS RE...: class "bad" (with KEYS, settings
# of its own or "") runs pyworker.py MODE beside class "normal"; each RE
# is logged, then the growing delay of a worker that keeps dying (100 ms,
# 200 ms), and "normal" still serves.
pyworker_misbehaves() {
	local mode=$1 keys=$2 re
	shift 2
	pyworker
	config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; },
            { name = "bad"; $keys
              worker = [ "$PY", "$PYWORKER", "$mode" ]; } );
EOF2
	start -c "$CFG"
	for re in "$@" \
	    '^dispatcher: warning: class bad: worker keeps dying; next start in 100 ms$' \
	    '^dispatcher: warning: class bad: worker keeps dying; next start in 200 ms$'; do
		wait_log "$re"
	done
	expect_class 127.0.0.1 normal
	stop
}

# check FILE: runs "dispatcher -t -c FILE"; sets CHECK_RC, output in
# $TMP/check.out and $TMP/check.err.
check() {
	CHECK_RC=0
	DCMD="$BIN/dispatcher -t -c $1"
	timeout 10 "$BIN/dispatcher" -t -c "$1" >"$TMP/check.out" \
	    2>"$TMP/check.err" || CHECK_RC=$?
	cp "$TMP/check.err" "$LOG"
}

# expect_errors FILE 'LINE: MESSAGE'...: "dispatcher -t" exits 78 and
# reports each FILE:LINE: MESSAGE (an ERE; LINE may be [0-9]+) and nothing
# else, every line of stderr being such an error, without a program prefix.
expect_errors() {
	local file=$1 e
	shift
	CONFIGS=("$file")	# the one to show if this check fails
	check "$file"
	[ "$CHECK_RC" -eq 78 ] || fail "$file: exit status $CHECK_RC, expected 78"
	for e in "$@"; do
		grep -Eq -- "^$file:$e" "$TMP/check.err" ||
		    fail "$file: no error '$file:$e'"
	done
	if grep -Ev -- "^$file:[0-9]+: " "$TMP/check.err" | grep -q .; then
		fail "$file: stderr lines not of the form FILE:LINE: message"
	fi
	[ "$(grep -c . "$TMP/check.err")" -eq $# ] ||
	    fail "$file: $(grep -c . "$TMP/check.err") errors reported, expected $#"
	if grep -q "configuration OK" "$TMP/check.out"; then
		fail "$file: \"configuration OK\" for a broken file"
	fi
}

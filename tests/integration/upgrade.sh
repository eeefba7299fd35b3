# upgrade.sh: helpers for the tests of SIGUSR2, sourced after lib.sh.
#
# The new dispatcher an upgrade starts is the old one's child, not the
# shell's, and outlives it: start_reaped runs the dispatcher under a
# subreaper (PR_SET_CHILD_SUBREAPER), which adopts the new one when the
# old one exits and writes how each process it reaps ended in $EXITS, so
# that stop can still expect exit status 0 of whichever runs.
#
#   start_reaped ARGS...  start, under the reaper; DPID is the dispatcher
#   upgrade               SIGUSR2: waits for the new dispatcher to serve
#                         and the old one to exit 0; DPID is the new one
#   exit_status PID       lib.sh's, from $EXITS: waits up to 15 s for PID
#                         to be reaped, its status in RC
#   new_workers           the workers logged since the last upgrade
#   own_binary            copies of the programs in $TMP/bin, which BIN
#                         names, the dispatcher also in $GOOD
#   install_binary FILE   FILE becomes $BIN/dispatcher, by a rename, as a
#                         package manager installs it
#   inodes [PORT]         the inodes of the sockets listening on PORT
#                         ($PORT by default), one a line, sorted
#   load_start ARGS...    a closed loop of 16 clients for 4 s, loadgen's
#                         ARGS added, each waited for at the end, in the
#                         background: LOAD; poll load_accepted N LANE
#                         until the metrics on PORT2 count N accepted on
#                         the lane of 127.0.0.1:PORT
#   load_lost_none MIN KIND...  after load_start: for each KIND (normal,
#                         special) more than MIN clients started, and each
#                         got its whole reply, of its class

EXITS=$TMP/exits

# The reaper: runs its arguments, then reaps every process it adopts.  On
# SIGTERM (lib.sh's cleanup) it stops them all, KILL after 1.5 s.
REAPER='
import ctypes, os, signal, sys, time
exits, pidfile, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("reaper: PR_SET_CHILD_SUBREAPER failed")
first = os.fork()
if first == 0:
    os.execvp(argv[0], argv)
with open(pidfile + ".new", "w") as f:
    f.write("%d\n" % first)
os.rename(pidfile + ".new", pidfile)

def children():
    me, kids = str(os.getpid()), []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2:].split()[1] == me:
            kids.append(int(p))
    return kids

def reaped(pid, status):
    code = os.waitstatus_to_exitcode(status)
    with open(exits, "a") as f:
        f.write("%d %d\n" % (pid, code if code >= 0 else 128 - code))

def term(sig, frame):
    deadline = time.time() + 1.5
    while True:
        kids = children()
        if not kids:
            sys.exit(143)
        for k in kids:
            os.kill(k, signal.SIGKILL if time.time() > deadline else signal.SIGTERM)
        time.sleep(0.05)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reaped(pid, status)

signal.signal(signal.SIGTERM, term)
rc = 0
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        break
    reaped(pid, status)
    if pid == first:
        rc = os.waitstatus_to_exitcode(status)
sys.exit(rc if rc >= 0 else 128 - rc)
'

start_reaped() {
	local as_user=(${AS_USER[@]+"${AS_USER[@]}"})
	rm -f "$TMP/reaper.pid"
	AS_USER=(python3 -c "$REAPER" "$EXITS" "$TMP/reaper.pid" ${AS_USER[@]+"${AS_USER[@]}"})
	start "$@"
	AS_USER=(${as_user[@]+"${as_user[@]}"})
	poll 5 test -s "$TMP/reaper.pid" || fail "the reaper did not start"
	DPID=$(cat "$TMP/reaper.pid")
}

exit_status() {
	local line
	poll 15 grep -q "^$1 " "$EXITS" 2>/dev/null ||
	    fail "dispatcher $1 was not reaped within 15 s"
	line=$(grep "^$1 " "$EXITS")
	RC=${line#* }
}

# The new dispatcher: "upgrade: dispatcher PID is ready and serves".
READY_RE='^dispatcher: info: upgrade: dispatcher ([0-9]+) is ready and serves; this one drains$'
UPGRADE_LINE=0		# the log's line count before the last upgrade

upgrade() {
	local old=$DPID n new
	n=$(count_log "$READY_RE")
	UPGRADE_LINE=$(wc -l <"$LOG")
	kill -USR2 "$old"
	wait_log_count "$READY_RE" $((n + 1)) 20
	new=$(sed -nE "s/$READY_RE/\\1/p" "$LOG" | tail -1)
	grep -Eq "^dispatcher: info: upgrade: started .* as dispatcher $new; handing it the listening sockets \([0-9]+\)\$" "$LOG" ||
	    fail "dispatcher $new is not the one the upgrade started"
	exit_status "$old"
	[ "$RC" -eq 0 ] || fail "the old dispatcher $old exited with status $RC"
	alive "$new" || fail "the new dispatcher $new is not running"
	DPID=$new
}

new_workers() {
	tail -n +"$((UPGRADE_LINE + 1))" "$LOG" |
	    sed -nE 's/^dispatcher: info: worker ([0-9]+) started for class .*/\1/p'
}

own_binary() {
	mkdir "$TMP/bin"
	cp "$BIN/dispatcher" "$BIN/dispatch-worker" "$TMP/bin/"
	GOOD=$TMP/dispatcher.good
	cp "$BIN/dispatcher" "$GOOD"
	BIN=$TMP/bin
}

install_binary() {
	cp "$1" "$BIN/dispatcher.new"
	chmod 755 "$BIN/dispatcher.new"
	mv "$BIN/dispatcher.new" "$BIN/dispatcher"
}

inodes() {
	ss -Hltne "( sport = :${1:-$PORT} )" | sed -nE 's/.* ino:([0-9]+) .*/\1/p' | sort
}

load_start() {
	LOADGEN=${LOADGEN:-$BIN/loadgen}
	[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
	timeout 60 "$LOADGEN" -q -d 4 -c 16 -t 10000 --drain --src 127.0.0.1 \
	    "$@" "127.0.0.1:$PORT" >"$TMP/load" 2>&1 &
	LOAD=$!
}

load_accepted() {
	scrape
	[ "$(metric 'dispatcher_connections_accepted_total{listener="127.0.0.1:'"$PORT"'",lane="'"$2"'"}')" -ge "$1" ]
}

load_lost_none() {
	local min=$1 summary kind k started
	shift
	wait "$LOAD" || fail "loadgen: $(cat "$TMP/load")"
	summary=$(grep '^summary ' "$TMP/load") || fail "no summary: $(cat "$TMP/load")"
	for kind in "$@"; do
		value() { sed -nE "s/.* $kind\\.$1=([0-9]+) .*/\\1/p" <<<"$summary"; }
		started=$(value started)
		[ "$started" -gt "$min" ] || fail "too little $kind load: $summary"
		for k in replies "class.$kind"; do
			[ "$(value "$k")" = "$started" ] ||
			    fail "$kind: $started clients, $(value "$k") $k: $summary"
		done
		for k in other empty connect_errors resets aborted timeouts unfinished; do
			[ "$(value "$k")" = 0 ] || fail "$kind: $(value "$k") $k: $summary"
		done
	done
}

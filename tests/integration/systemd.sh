# systemd.sh: helpers for the tests of socket activation and of the
# notifications, sourced after lib.sh.
#
#   activate ARGS... -- DARGS...  systemd-socket-activate ARGS runs
#                           "dispatcher DARGS" at the first connection, in
#                           its own process: DPID; output in $LOG.  Returns
#                           once it listens.
#   inode PORT              the inode of the one socket listening on
#                           127.0.0.1:PORT (fails unless exactly one)
#   exited SECONDS          waits for DPID to exit; its status in RC
#   notify_listen           a receiver on NOTIFY_SOCKET (exported), each
#                           datagram a line of $NOTES, newlines as "|"
#   wait_notes N [SECONDS]  waits until $NOTES has N lines

command -v systemd-socket-activate >/dev/null 2>&1 ||
    fail "no systemd-socket-activate (scripts/install-deps installs systemd)"

activate() {
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	: >"$LOG"
	DCMD="systemd-socket-activate ${args[*]} $BIN/dispatcher $*"
	PATH="$BIN:$PATH" env --default-signal=INT,QUIT \
	    systemd-socket-activate "${args[@]}" "$BIN/dispatcher" "$@" \
	    >"$OUT" 2>"$LOG" &
	DPID=$!
	wait_log '^Listening on '
}

inode() {
	local lines
	lines=$(ss -Hltne "( sport = :$1 )" | grep -F " 127.0.0.1:$1 ") ||
	    fail "nothing listens on 127.0.0.1:$1"
	[ "$(echo "$lines" | wc -l)" -eq 1 ] ||
	    fail "more than one socket listens on 127.0.0.1:$1: $lines"
	echo "$lines" | sed -nE 's/.* ino:([0-9]+) .*/\1/p'
}

exited() {
	poll "$1" eval '! alive "$DPID"' || fail "the dispatcher still runs after $1 s"
	RC=0
	wait "$DPID" || RC=$?
	DPID=
}

NOTES=$TMP/notes
notify_listen() {
	export NOTIFY_SOCKET=$TMP/notify
	: >"$NOTES"
	timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
' "$NOTIFY_SOCKET" "$NOTES" &
	poll 5 test -S "$NOTIFY_SOCKET" || fail "the notify socket is not there"
}

wait_notes() {
	local want=$1
	poll "${2:-10}" eval '[ "$(wc -l <"$NOTES")" -ge "$want" ]' ||
	    fail "fewer than $1 notifications within ${2:-10} s: $(cat "$NOTES")"
}

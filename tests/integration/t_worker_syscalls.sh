# A worker spends on a client socket only the system calls that change
# the outcome.  A client that sends nothing costs, without a delay, the
# reply, the shutdown and the close (whether input came that would turn
# the close into a reset, one poll a turn says for all the turn's
# replies); with a delay, the socket waits in epoll, which already says
# it: its registration, the reply, its removal, the shutdown and the
# close.  The shutdown sends the last bytes of the reply, held for it,
# with the FIN; the close alone would not while the dispatcher still holds
# the socket, and would drop them in a reset over bytes that came since
# the poll.  No read: the poll or epoll has answered.  Counted with
# strace over a fixed number of connections per class.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null 2>&1 || { echo "SKIP: no strace" >&2; exit 77; }
LOADGEN=${LOADGEN:-$BIN/loadgen}
[ -x "$LOADGEN" ] || fail "no load generator at $LOADGEN"
N=500

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; },
            { name = "slow"; workers = 1; delay_ms = 20; } );
rules = ( { address = "127.0.0.100"; class = "slow"; } );
EOF

start -c "$CFG"
expect_class 127.0.0.1 normal
expect_class 127.0.0.100 slow
normal=$(logged_workers normal)
slow=$(logged_workers slow)
nfds() { ls "/proc/$1/fd" | wc -l; }
fds_normal=$(nfds "$normal")
fds_slow=$(nfds "$slow")

strace -ff -o "$TMP/trace" -p "$normal" -p "$slow" \
    -e trace=%network,read,write,close,shutdown,epoll_ctl 2>"$TMP/strace.err" &
STRACE=$!
poll 10 eval '[ "$(grep -c " attached" "$TMP/strace.err")" -ge 2 ] || ! alive "$STRACE"' || true
if ! alive "$STRACE" || [ "$(grep -c " attached" "$TMP/strace.err")" -lt 2 ]; then
	echo "SKIP: strace cannot attach: $(cat "$TMP/strace.err")" >&2
	exit 77
fi

# Failures wait until strace has let go: a sanitizer build's worker
# cannot check for leaks at its exit while it is traced.
err=
for src in 127.0.0.1 127.0.0.100; do
	timeout 60 "$LOADGEN" -q --drain -n "$N" -c 32 --src "$src" \
	    "127.0.0.1:$PORT" >"$TMP/load.$src" 2>&1 ||
	    err="loadgen from $src: $(cat "$TMP/load.$src")"
	grep -q " normal.replies=$N " "$TMP/load.$src" ||
	    err="loadgen from $src: not $N replies: $(cat "$TMP/load.$src")"
done
# Every client socket closed: each worker holds what it held before.
poll 10 eval '[ "$(nfds "$normal")" = "$fds_normal" ] && [ "$(nfds "$slow")" = "$fds_slow" ]' ||
    err=${err:-"workers still hold client sockets"}
kill -INT "$STRACE"
wait "$STRACE" || true
[ -z "$err" ] || fail "$err"

# calls PID: "CONNECTIONS CALLS name=count..." on the sockets PID was
# handed (a CONN's descriptors, cmsg_data=[FD, ...]); the channel is not
# one.
calls() {
	awk '
	/cmsg_data=\[/ {
		fds = $0
		sub(/.*cmsg_data=\[/, "", fds)
		sub(/\].*/, "", fds)
		n = split(fds, f, /, */)
		for (i = 1; i <= n; i++)
			client[f[i]] = 1
		conns += n
		next
	}
	/^[a-z_0-9]+\(/ {
		name = $0
		sub(/\(.*/, "", name)
		args = $0
		sub(/^[^(]*\(/, "", args)
		split(args, a, /, */)
		fd = name == "epoll_ctl" ? a[3] : a[1]
		sub(/\).*/, "", fd)
		if (fd in client) {
			calls++
			per[name]++
		}
	}
	END {
		printf "%d %d", conns, calls
		for (name in per)
			printf " %s=%d", name, per[name]
		printf "\n"
	}' "$TMP/trace.$1"
}

# expect_calls PID CLASS MAX: N connections, at most MAX calls each.
expect_calls() {
	local got conns n
	got=$(calls "$1")
	read -r conns n _ <<<"$got"
	[ "$conns" -eq "$N" ] ||
	    fail "class $2: strace saw $conns connections, not $N: $got"
	echo "class $2: $N connections, $n calls on their sockets:${got#* * }"
	[ "$n" -le $(($3 * N)) ] ||
	    fail "class $2: $n calls on $N client sockets, more than $3 each: $got"
}
expect_calls "$normal" normal 3
expect_calls "$slow" slow 5
stop

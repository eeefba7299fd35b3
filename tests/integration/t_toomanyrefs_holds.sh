# Descriptors in flight to workers count against the sender's descriptor
# limit (root is exempt, so the dispatcher runs as nobody here): past it
# sendmsg fails with ETOOMANYREFS, and the class holds its connections,
# trying again now and then without spinning, until the workers take
# what is in flight; none is lost.
. "$(dirname "$0")/lib.sh"

unprivileged 64
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; queue = 30; } );
EOF

start -c "$CFG"
workers=$(logged_workers normal)
# shellcheck disable=SC2086
kill -STOP $workers

# Each stopped worker could hold 48 (64 less its reserve), but past 64 in
# flight for the user nothing more is sent: the rest wait in the queue.
n=90
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
wait_log '^dispatcher: warning: class normal: too many descriptors in flight to workers; holding its connections$'
# shellcheck disable=SC2086
kill -CONT $workers
served=0
for fd in "${fds[@]}"; do
	read -r -t 10 line <&"$fd" &&
	    [[ $line =~ ^"Request handled with normal priority by worker "([0-9]+)$ ]] &&
	    [[ " $(echo $workers) " == *" ${BASH_REMATCH[1]} "* ]] ||
	    fail "client $((served + 1)) of $n not served: '${line-}'"
	served=$((served + 1))
	exec {fd}<&-
done
expect_line 'dispatcher: info: class normal: sending again'
expect_class 127.0.0.1 normal
stop

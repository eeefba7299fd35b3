# Descriptors in flight to workers count against the sender's descriptor
# limit (root is exempt, so the dispatcher runs as nobody here): past it
# sendmsg fails with ETOOMANYREFS, and the dispatcher holds connections,
# without spinning, until a worker reports one done; none is lost.
. "$(dirname "$0")/lib.sh"

unprivileged 64
config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; queue = 30; } );
EOF

start -c "$CFG"
worker=$(logged_workers normal)
kill -STOP "$worker"

# Past 64 in flight, the rest wait in the queue.
n=90
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
wait_log '^dispatcher: warning: too many descriptors in flight to workers; holding connections until one is done$'
kill -CONT "$worker"
served=0
for fd in "${fds[@]}"; do
	read -r -t 10 line <&"$fd" &&
	    [[ $line == "Request handled with normal priority by worker $worker" ]] ||
	    fail "client $((served + 1)) of $n not served: '${line-}'"
	served=$((served + 1))
	exec {fd}<&-
done
expect_class 127.0.0.1 normal
stop

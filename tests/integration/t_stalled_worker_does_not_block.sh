# A worker that takes nothing from its channel (stopped) stalls its own
# class only: the dispatcher keeps accepting and serving other classes, and
# the stalled class's clients are served once the worker resumes.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 1; }, { name = "special"; } );
rules = ( { address = "127.0.0.1"; class = "special"; } );
EOF

start -c "$CFG"
special=$(logged_workers special)
kill -STOP "$special"

# More special clients than a channel's buffer holds, so that some wait in
# the class queue (bash's /dev/tcp connects from 127.0.0.1: special).
n=300
fds=()
for i in $(seq 1 $n); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
for i in $(seq 1 5); do
	expect_class 127.0.0.2 normal
done

kill -CONT "$special"
served=0
for fd in "${fds[@]}"; do
	if read -r -t 10 line <&"$fd" &&
	    [[ $line == "Request handled with special priority by worker $special" ]]; then
		served=$((served + 1))
	fi
	exec {fd}<&-
done
[ "$served" -eq "$n" ] || fail "$served of $n stalled special clients served after the worker resumed"
stop

# Reloads that replace the workers, under a steady load: every client
# gets a whole reply, from the old workers or the new, and the draining
# workers say nothing.  A drain closes a channel whatever is in flight in
# it: DONEs the dispatcher has not read yet make the worker's next read a
# reset, which is how the kernel tells it the dispatcher has closed, not
# a fault to warn about.
. "$(dirname "$0")/lib.sh"

reloads=30
write_config() {
	config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; reply = "reply $1 {class}\\n"; } );
EOF
}
write_config 0
start -c "$CFG"

# Load: clients one after another until the reloads are done, each
# reply (or NONE) a line of the loop's file.  Each waits up to 10 s after
# its half-close (ask), as the dispatcher is stopped at times.
load() {
	local i r
	for i in $(seq 1 3000); do
		[ ! -e "$TMP/stop" ] || break
		r=$(ask "127.0.0.$((10 + $1))")
		printf '%s\n' "${r:-NONE}" >>"$TMP/load$1"
	done
}
loops=2
loaders=()
for j in $(seq 1 $loops); do
	load "$j" &
	loaders+=($!)
done

# Each reload comes with a burst of connections that the dispatcher,
# stopped meanwhile, finds waiting with the reload: it hands them to the
# old workers, then reloads, so that their DONEs are on their way back
# while it closes the old workers' channels.
burst=30
bursts=0
for k in $(seq 1 $reloads); do
	kill -STOP "$DPID"
	fds=()
	for i in $(seq 1 $burst); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		fds+=("$fd")
	done
	write_config "$k"
	kill -HUP "$DPID"
	kill -CONT "$DPID"
	for fd in "${fds[@]}"; do
		if read -r -t 10 line <&"$fd" &&
		    [[ $line =~ ^reply\ [0-9]+\ normal$ ]]; then
			bursts=$((bursts + 1))
		fi
		exec {fd}<&-
	done
	wait_log_count '^dispatcher: info: reloaded ' "$k"
done
touch "$TMP/stop"
for pid in "${loaders[@]}"; do
	wait "$pid" || true
done

[ "$bursts" -eq $((reloads * burst)) ] ||
    fail "$bursts of $((reloads * burst)) burst clients got a reply"
total=$(cat "$TMP"/load* | wc -l)
good=$(grep -Ec '^reply [0-9]+ normal$' "$TMP"/load* | awk -F: '{ n += $2 } END { print n + 0 }')
[ "$total" -gt 0 ] && [ "$good" -eq "$total" ] ||
    fail "$good of $total load clients got a reply: $(grep -hvE '^reply [0-9]+ normal$' "$TMP"/load* | sort | uniq -c)"
expect_no_log '^dispatch-worker\[[0-9]+\]: warning: '
expect_reply 127.0.0.1 "reply $reloads normal"
stop

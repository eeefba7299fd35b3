# acceptors = 2 under load: four loops of clients run through three
# reloads (each changing the reply, so that workers are replaced and the
# old ones drain), and every client gets a whole reply, old or new.
# Then a stop right after a reload, while workers hold connections: every
# client the dispatcher accepted is served (the access log says so, and
# the client has its reply); the others were refused or reset by the
# kernel (their connection still in the backlog when the sockets closed),
# never accepted and dropped.
. "$(dirname "$0")/lib.sh"

# write_config WORD: the reply of the class names the configuration.
write_config() {
	config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
acceptors = 2;
access_log = "$TMP/access.log";
classes = ( { name = "normal"; workers = 4; delay_ms = $2;
  reply = "served by {pid} ($1)\n"; } );
EOF
}

# clients NAME COUNT: COUNT clients in a row, each from a new port, the
# reply of client I in $TMP/NAME.I and its errors in $TMP/NAME.I.err.
clients() {
	local i
	for i in $(seq "$2"); do
		timeout 10 socat -t 10 -T 5 - "TCP:127.0.0.1:$PORT,bind=127.0.0.1" \
		    </dev/null >"$TMP/$1.$i" 2>"$TMP/$1.$i.err" || true
	done
}

# loops PREFIX COUNT: four loops of clients in the background.
loops() {
	local k
	LOOPS=()
	for k in 1 2 3 4; do
		clients "$1$k" "$2" &
		LOOPS+=($!)
	done
}

loops_wait() {
	local pid
	for pid in "${LOOPS[@]}"; do
		wait "$pid"
	done
}

write_config a 20
start -v -c "$CFG"
# served: how many clients have their reply so far.
served() {
	cat "$TMP"/r[1-4].[0-9]* 2>/dev/null | grep -c '^served by ' || true
}

loops r 30
n=0
for word in b c d; do
	# Each reload when ten more clients came through the last one.
	want=$(($(served) + 10))
	poll 10 eval '[ "$(served)" -ge "$want" ]' || fail "clients stalled"
	write_config "$word" 20
	kill -HUP "$DPID"
	n=$((n + 1))
	wait_log_count '^dispatcher: info: reloaded ' "$n"
done
loops_wait
for f in "$TMP"/r[1-4].[0-9]*; do
	case $f in *.err) continue ;; esac
	reply_matches "$f" 'served by [0-9]+ \([abcd]\)' ||
	    fail "client ${f##*/}: $(printf %q "$(cat "$f")") $(cat "$f.err")"
done
[ "$(grep -c 'served by [0-9]* (d)' "$TMP"/r[1-4].[0-9]* | awk -F: '{ n += $2 } END { print n }')" -gt 0 ] ||
    fail "no client served by the last configuration"

# The stop, right after a reload, while workers hold connections (1 s).
write_config e 1000
kill -HUP "$DPID"
wait_log_count '^dispatcher: info: reloaded ' 4
loops s 20
wait_log_count 'connection [0-9]+ from .* -> default class normal$' $((4 * 30 + 10))
write_config f 1000
kill -HUP "$DPID"
stop TERM 15
loops_wait
accepted=0
for f in "$TMP"/s[1-4].[0-9]*; do
	case $f in *.err) continue ;; esac
	if reply_matches "$f" 'served by [0-9]+ \([ef]\)'; then
		accepted=$((accepted + 1))
		continue
	fi
	[ ! -s "$f" ] || fail "client ${f##*/}: a partial reply $(printf %q "$(cat "$f")")"
	grep -Eq 'Connection refused|Connection reset by peer' "$f.err" ||
	    fail "client ${f##*/} has no reply and was not refused: $(cat "$f.err")"
done
[ "$accepted" -gt 0 ] || fail "no client served during the stop"
echo "stop: $accepted of 80 clients served, the others refused" >&2
# Every connection accepted was served, none lost.
grep -q . "$TMP/access.log" || fail "empty access log"
! grep -v ' outcome=served ' "$TMP/access.log" | grep -q . ||
    fail "connections not served: $(grep -v ' outcome=served ' "$TMP/access.log" | head -3)"
served=$(grep -c ' outcome=served ' "$TMP/access.log")
replies=$(cat "$TMP"/r[1-4].[0-9]* "$TMP"/s[1-4].[0-9]* | grep -c '^served by ')
[ "$served" -eq "$replies" ] || fail "$served connections served in the access log, $replies replies"

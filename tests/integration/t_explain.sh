# dispatcher -e ADDRESS[:PORT] [-L LISTENER] says which rule matches and
# why, with the same compiled rules as the daemon, and exits 0.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = ( "127.0.0.1:@PORT@", { address = "[::1]:@PORT@"; name = "v6"; } );
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "192.0.2.1"; class = "special"; },
  { file = "blocked.list"; action = "deny"; },
  { regex = "^2001:db8:"; listener = "v6"; class = "special"; },
  { port = "22"; class = "special"; }
);
EOF
printf '# abuse\n203.0.113.0/24\n\n198.51.100.7\n' >"$TMP/blocked.list"

# explain ARGS... EXPECTED: dispatcher -e prints exactly EXPECTED.
explain() {
	local want=${*: -1} got rc=0
	got=$(timeout 10 "$BIN/dispatcher" -c "$CFG" "${@:1:$#-1}" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "-e ${*:1:$#-1}: exit status $rc: $got"
	[ "$got" = "$want" ] || fail "-e ${*:1:$#-1}: got '$got', expected '$want'"
}

explain -e 192.0.2.1 "192.0.2.1 -> rule #1 at $CFG:4 -> class special"
explain -e 198.51.100.7:5000 \
    "198.51.100.7 -> rule #2 at $CFG:5 (file $TMP/blocked.list:4) -> deny"
explain -e 203.0.113.9 \
    "203.0.113.9 -> rule #2 at $CFG:5 (file $TMP/blocked.list:2) -> deny"
explain -e 8.8.8.8 "8.8.8.8 -> default class normal"
explain -e 2001:db8::1 "2001:db8::1 -> default class normal"
explain -e 2001:db8::1 -L v6 "2001:db8::1 -> rule #3 at $CFG:6 -> class special"
explain -e '[2001:db8::1]:22' "2001:db8::1 -> rule #4 at $CFG:7 -> class special"
explain -e ::ffff:192.0.2.1 "192.0.2.1 -> rule #1 at $CFG:4 -> class special"

rc=0
"$BIN/dispatcher" -c "$CFG" -e 300.1.2.3 >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" -eq 64 ] || fail "-e 300.1.2.3: exit status $rc, expected 64"
rc=0
"$BIN/dispatcher" -c "$CFG" -e 1.2.3.4 -L nope >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" -eq 64 ] || fail "-L nope: exit status $rc, expected 64"

# "explain ADDRESS [LISTENER]" on the control socket answers what
# "dispatcher -e ADDRESS -L LISTENER" prints, from the live configuration.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = ( "127.0.0.1:@PORT@", { address = "[::1]:@PORT@"; name = "v6"; } );
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "192.0.2.1"; class = "special"; },
  { file = "blocked.list"; action = "deny"; },
  { regex = "^2001:db8:"; listener = "v6"; class = "special"; },
  { port = "22"; class = "special"; }
);
EOF
printf '# abuse\n203.0.113.0/24\n\n198.51.100.7\n' >"$TMP/blocked.list"
start -c "$CFG"

# same ADDRESS [LISTENER]: the control socket's answer is -e's, then ok.
same() {
	local want got
	want=$(timeout 10 "$BIN/dispatcher" -c "$CFG" -e "$1" ${2:+-L "$2"} 2>&1) ||
	    fail "dispatcher -e $*: $want"
	got=$(ctl "$SOCK" "explain $*")
	[ "$got" = "$want"$'\n'ok ] || fail "explain $*: got '$got', -e says '$want'"
}
same 192.0.2.1
same 198.51.100.7:5000
same 203.0.113.9
same 8.8.8.8
same 2001:db8::1
same 2001:db8::1 v6
same '[2001:db8::1]:22'
same ::ffff:192.0.2.1
[ "$(ctl "$SOCK" 'explain 192.0.2.1')" = "192.0.2.1 -> rule #1 at $CFG:5 -> class special"$'\n'ok ] ||
    fail "explain 192.0.2.1: $(ctl "$SOCK" 'explain 192.0.2.1')"

# What -e refuses, the control socket refuses with the same words.
[ "$(ctl "$SOCK" 'explain 300.1.2.3')" = 'error bad address "300.1.2.3": expected A.B.C.D[:PORT], V6 or [V6]:PORT' ] ||
    fail "explain 300.1.2.3: $(ctl "$SOCK" 'explain 300.1.2.3')"
[ "$(ctl "$SOCK" 'explain 1.2.3.4 nope')" = "error no listener \"nope\" in $CFG" ] ||
    fail "explain -L nope: $(ctl "$SOCK" 'explain 1.2.3.4 nope')"
[ "$(ctl "$SOCK" explain)" = "error usage: explain ADDRESS [LISTENER]" ] ||
    fail "explain alone: $(ctl "$SOCK" explain)"

# The live configuration: after a reload, the new rules.
config "$CFG" <<EOF
listen = ( "127.0.0.1:@PORT@", { address = "[::1]:@PORT@"; name = "v6"; } );
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "8.8.8.8"; action = "deny"; } );
EOF
[ "$(ctl "$SOCK" reload 'explain 8.8.8.8')" = ok$'\n'"8.8.8.8 -> rule #1 at $CFG:4 -> deny"$'\n'ok ] ||
    fail "explain after reload: $(ctl "$SOCK" 'explain 8.8.8.8')"
stop

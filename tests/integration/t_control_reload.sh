# "reload" on the control socket reloads as SIGHUP does and answers: ok,
# or every FILE:LINE problem and a final error line, the previous rules
# still serving; a listener that cannot be opened is named too.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
start -c "$CFG"
expect_class 127.0.0.100 special
expect_class 127.0.0.1   normal

# A good file: ok, and its rules route.
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.1"; class = "special"; } );
EOF
[ "$(ctl "$SOCK" reload)" = ok ] || fail "reload: $(ctl "$SOCK" reload)"
expect_line "dispatcher: info: reloaded $CFG"
expect_class 127.0.0.1   special; special=$WORKER
expect_class 127.0.0.100 normal;  normal=$WORKER

# A bad file: every error, the final line, and the rules of before.
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "127.0.0.100"; class = "gold"; },
  { address = "300.1.2.3";   class = "special"; },
  { address = "127.0.0.1";   action = "deny"; }
);
EOF
ctl "$SOCK" reload help >"$TMP/answer"
{
	echo "$CFG:5: unknown class \"gold\""
	echo "$CFG:6: bad address \"300.1.2.3\""
	echo "error reload failed; keeping the previous configuration"
	ctl "$SOCK" help
} >"$TMP/want"
diff -u "$TMP/want" "$TMP/answer" >&2 || fail "reload of a bad file: unexpected answer"
expect_line "dispatcher: warning: $CFG:5: unknown class \"gold\""
expect_line "dispatcher: warning: reload of $CFG failed; keeping the previous configuration"
expect_class 127.0.0.1   special; [ "$WORKER" = "$special" ] || fail "special: $special became $WORKER"
expect_class 127.0.0.100 normal;  [ "$WORKER" = "$normal" ]  || fail "normal: $normal became $WORKER"

# A listener that cannot be opened (the port is taken): named, with why.
busy=$(free_port)
socat TCP-LISTEN:"$busy",bind=127.0.0.1,reuseaddr,fork /dev/null &
poll 5 eval '[ -n "$(ss -Htln "( sport = :$busy )")" ]' || fail "no listener on $busy"
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@", "127.0.0.1:$busy" ];
control = "$SOCK";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
[ "$(ctl "$SOCK" reload)" = "$CFG: cannot listen on 127.0.0.1:$busy: Address already in use"$'\n'"error reload failed; keeping the previous configuration" ] ||
    fail "reload with a taken port: $(ctl "$SOCK" reload)"
expect_class 127.0.0.1 special

# Changed control settings: taking effect at the next start, said once.
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$TMP/other.sock";
classes = ( { name = "normal"; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF
[ "$(ctl "$SOCK" reload)" = ok ] || fail "reload with another control path: $(ctl "$SOCK" reload)"
expect_line "dispatcher: warning: $CFG: the control socket's settings changed; they take effect at the next start"
[ -S "$SOCK" ] && [ ! -e "$TMP/other.sock" ] || fail "the control socket moved on reload"
expect_class 127.0.0.100 special
stop

# The control socket file: mode 0600 by default, the owner and mode the
# configuration says; a dead dispatcher's leftover is replaced, a live
# one's (or a file that is not a socket) is left alone with a clear error;
# removed at exit.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/control.sock
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
classes = ( { name = "normal"; } );
EOF

# A leftover: a socket file whose process is gone.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || fail "no leftover socket made"
start -c "$CFG"
expect_line "dispatcher: info: control socket $SOCK: replaced the leftover of a process gone"
[ "$(stat -c '%a %u %g' "$SOCK")" = "600 $(id -u) $(id -g)" ] ||
    fail "mode and owner: $(stat -c '%a %u %g' "$SOCK")"
[ "$(ctl "$SOCK" help | tail -n 1)" = ok ] || fail "no answer on the control socket"

# A second dispatcher on the same control path, another port: refused,
# and the first one's socket is still there and answering.
config "$TMP/second.cfg" <<EOF
listen = [ "127.0.0.1:@PORT2@" ];
control = "$SOCK";
classes = ( { name = "normal"; } );
EOF
rc=0
timeout 10 "$BIN/dispatcher" -c "$TMP/second.cfg" >/dev/null 2>"$TMP/second.err" || rc=$?
[ "$rc" -eq 71 ] || fail "a second dispatcher on a live control socket: exit $rc: $(cat "$TMP/second.err")"
grep -Fqx "dispatcher: warning: control socket $SOCK: a running process answers on it; not taking it over" "$TMP/second.err" ||
    fail "second dispatcher: $(cat "$TMP/second.err")"
[ "$(ctl "$SOCK" help | tail -n 1)" = ok ] || fail "the first dispatcher lost its control socket"
expect_class 127.0.0.1 normal

# Removed at exit.
stop
[ ! -e "$SOCK" ] || fail "$SOCK still there after the exit"

# A file that is not a socket: left alone.
echo precious >"$SOCK"
rc=0
timeout 10 "$BIN/dispatcher" -c "$CFG" >/dev/null 2>"$TMP/file.err" || rc=$?
[ "$rc" -eq 71 ] || fail "a regular file at the control path: exit $rc: $(cat "$TMP/file.err")"
grep -Fqx "dispatcher: warning: control socket $SOCK: the file there is not a socket; not replacing it" "$TMP/file.err" ||
    fail "regular file: $(cat "$TMP/file.err")"
[ "$(cat "$SOCK")" = precious ] || fail "the regular file was changed"
rm "$SOCK"

# Owner and mode as configured.
config "$CFG" <<EOF
listen = [ "127.0.0.1:@PORT@" ];
control = "$SOCK";
control_user = "nobody";
control_group = "nogroup";
control_mode = "0660";
classes = ( { name = "normal"; } );
EOF
start -c "$CFG"
[ "$(stat -c '%a %U %G' "$SOCK")" = "660 nobody nogroup" ] ||
    fail "mode and owner: $(stat -c '%a %U %G' "$SOCK")"
stop
[ ! -e "$SOCK" ] || fail "$SOCK still there after the exit"

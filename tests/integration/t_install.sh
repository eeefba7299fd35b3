# An installed tree runs: `cmake --install` into a DESTDIR (what `make
# install` does) puts the dispatcher in sbin, its worker in
# libexec/dispatcher, where the installed dispatcher finds it, the man
# pages and an example configuration that `dispatcher -t` accepts; the
# installed dispatcher serves clients from there.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$BIN")
[ -f "$build/cmake_install.cmake" ] || fail "no $build/cmake_install.cmake"
root=$TMP/root
DESTDIR=$root cmake --install "$build" --prefix /usr >"$TMP/install.log" 2>&1 ||
    fail "cmake --install: $(cat "$TMP/install.log")"
for f in usr/sbin/dispatcher usr/libexec/dispatcher/dispatch-worker; do
	[ -x "$root/$f" ] || fail "no $f installed"
done
for f in usr/share/man/man8/dispatcher.8 usr/share/man/man8/dispatch-worker.8 \
    usr/share/man/man5/rules.cfg.5 usr/share/doc/dispatcher/examples/rules.cfg \
    usr/share/doc/dispatcher/examples/special.list; do
	[ -f "$root/$f" ] || fail "no $f installed"
done
[ ! -e "$root/usr/sbin/dispatch-worker" ] || fail "the worker installed beside the dispatcher"
"$root/usr/sbin/dispatcher" -t -c "$root/usr/share/doc/dispatcher/examples/rules.cfg" \
    >"$TMP/check" 2>&1 || fail "the example is refused: $(cat "$TMP/check")"

# The installed programs, and nothing of the build tree.
BIN=$root/usr/sbin
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2
start -c "$CFG"
for pid in $(logged_workers); do
	[ "$(readlink "/proc/$pid/exe")" = "$root/usr/libexec/dispatcher/dispatch-worker" ] ||
	    fail "worker $pid runs $(readlink "/proc/$pid/exe")"
done
expect_class 127.0.0.1 normal
expect_class 127.0.0.100 special
stop

# An installed tree runs, from `cmake --install` into a DESTDIR (what
# `make install` does) and from the Debian package (`make deb`) unpacked:
# the dispatcher in sbin, its worker in libexec/dispatcher, where the
# installed dispatcher finds it, the man pages and an example
# configuration that `dispatcher -t` accepts, the systemd units (the
# service running the installed dispatcher), libdispatch-worker's header
# and library; the installed dispatcher serves clients with the installed
# worker, and with the example worker built from the installed library.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$BIN")
[ -f "$build/cmake_install.cmake" ] || fail "no $build/cmake_install.cmake"
FILES="usr/sbin/dispatcher usr/libexec/dispatcher/dispatch-worker
usr/share/man/man8/dispatcher.8 usr/share/man/man8/dispatch-worker.8
usr/share/man/man5/rules.cfg.5 usr/share/doc/dispatcher/examples/rules.cfg
usr/share/doc/dispatcher/examples/special.list
usr/lib/systemd/system/dispatcher.service
usr/lib/systemd/system/dispatcher.socket
usr/include/dispatch_worker.h usr/lib/libdispatch-worker.a"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; }, { name = "special"; } );
rules = ( { address = "127.0.0.100"; class = "special"; } );
EOF2

sanitize=
if grep -qx 'SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
	sanitize=-fsanitize=address,undefined
fi

# check_tree ROOT: the installed files are there and run, with nothing of
# the build tree.
check_tree() {
	local root=$1 f pid
	for f in $FILES; do
		[ -f "$root/$f" ] || fail "$root: no $f"
	done
	[ ! -e "$root/usr/sbin/dispatch-worker" ] ||
	    fail "$root: the worker installed beside the dispatcher"
	grep -qx 'ExecStart=/usr/sbin/dispatcher -c /etc/dispatcher/rules.cfg' \
	    "$root/usr/lib/systemd/system/dispatcher.service" ||
	    fail "$root: the service does not run /usr/sbin/dispatcher"
	"$root/usr/sbin/dispatcher" -t -c \
	    "$root/usr/share/doc/dispatcher/examples/rules.cfg" >"$TMP/check" 2>&1 ||
	    fail "$root: the example is refused: $(cat "$TMP/check")"
	BIN=$root/usr/sbin
	start -c "$CFG"
	for pid in $(logged_workers); do
		[ "$(readlink "/proc/$pid/exe")" = "$root/usr/libexec/dispatcher/dispatch-worker" ] ||
		    fail "$root: worker $pid runs $(readlink "/proc/$pid/exe")"
	done
	expect_class 127.0.0.1 normal
	expect_class 127.0.0.100 special
	stop

	# A program of one's own, built against the installed files alone
	# (with the sanitizers the library was built with, if any).
	cc -o "$TMP/example" $sanitize -I"$root/usr/include" \
	    "$SRCDIR/examples/example_worker.c" -L"$root/usr/lib" \
	    -ldispatch-worker 2>"$TMP/cc.err" ||
	    fail "$root: the example does not build: $(cat "$TMP/cc.err")"
	config "$TMP/example.cfg" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; worker = [ "$TMP/example" ]; } );
EOF2
	WORKER_MATCH="dispatch-worker|$TMP/example"
	start -c "$TMP/example.cfg"
	expect_reply 127.0.0.1 'example worker ([0-9]+) of class normal'
	stop
	WORKER_MATCH=dispatch-worker
}

DESTDIR=$TMP/dest cmake --install "$build" --prefix /usr >"$TMP/install.log" 2>&1 ||
    fail "cmake --install: $(cat "$TMP/install.log")"
check_tree "$TMP/dest"

# The package: what it holds, then the same checks on it unpacked.
(cd "$build" && cpack -G DEB -B "$TMP/deb") >"$TMP/cpack.log" 2>&1 ||
    fail "cpack: $(cat "$TMP/cpack.log")"
deb=$(ls "$TMP"/deb/dispatcher_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no package made: $(cat "$TMP/cpack.log")"
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||' >"$TMP/contents"
for f in $FILES; do
	grep -qx "$f" "$TMP/contents" || fail "the package lacks $f"
done
[ "$(dpkg-deb -f "$deb" Package)" = dispatcher ] || fail "package name"
for dep in libconfig9 libpcre2-8-0 libsystemd0; do
	dpkg-deb -f "$deb" Depends | grep -qw "$dep" ||
	    fail "the package does not depend on $dep"
done
dpkg-deb -x "$deb" "$TMP/unpacked"
check_tree "$TMP/unpacked"

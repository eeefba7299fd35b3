# netns.sh: sourced first, before lib.sh, by a test that changes a
# network setting (a sysctl of net.*): it runs the test again in a network
# namespace of its own, with its loopback up, so that nothing else on the
# machine sees the change.  Without namespaces the test is skipped.
if [ -z "${DISPATCHER_TEST_NETNS:-}" ]; then
	if ! unshare --net true 2>/dev/null; then
		echo "SKIP: cannot make a network namespace (unshare --net)" >&2
		exit 77
	fi
	DISPATCHER_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up

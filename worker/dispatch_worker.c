/*
 * libdispatch-worker: the protocol of channel.c and the limits of
 * contract.c behind an interface of its own, so that its header is all a
 * program needs.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "contract.h"
#include "dispatch_worker.h"

_Static_assert(DISPATCH_WORKER_VERSION == CHANNEL_VERSION, "version");
_Static_assert(DISPATCH_WORKER_FD == CHANNEL_FD, "descriptor");
_Static_assert(DISPATCH_WORKER_CONN_MAX == CHANNEL_CONN_MAX, "CONN size");
_Static_assert(DISPATCH_WORKER_DONE_MAX == CHANNEL_DONE_MAX, "DONE size");

int
dispatch_worker_hello(int chan)
{
	struct channel_msg	 m;
	socklen_t		 len = sizeof(int);
	int			 type, flags;

	if (getsockopt(chan, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;
	if (type != SOCK_SEQPACKET) {
		errno = EPROTOTYPE;
		return -1;
	}
	if ((flags = fcntl(chan, F_GETFL)) == -1 ||
	    fcntl(chan, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(chan, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = (int32_t)getpid();
	return channel_send(chan, &m, NULL);
}

int
dispatch_worker_recv(int chan,
    struct dispatch_worker_conn conns[DISPATCH_WORKER_CONN_MAX])
{
	struct channel_msg	 m;
	int			 fds[CHANNEL_CONN_MAX];
	uint32_t		 i;
	int			 r;

	if ((r = channel_recv(chan, &m, fds)) != 1)
		return r;
	if (m.type != CHANNEL_CONN) {
		errno = EPROTO;
		return -1;
	}
	for (i = 0; i < m.u.conn.count; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].id = m.u.conn.c[i].id;
		conns[i].fd = fds[i];
		conns[i].class_idx = m.u.conn.c[i].class_idx;
		conns[i].entry = m.u.conn.c[i].entry;
		conns[i].listener = m.u.conn.c[i].listener;
		conns[i].rule = m.u.conn.c[i].rule;
		conns[i].peer = m.u.conn.c[i].peer;
		conns[i].local = m.u.conn.c[i].local;
	}
	return (int)m.u.conn.count;
}

int
dispatch_worker_done(int chan, const uint64_t *ids, size_t n)
{
	struct channel_msg	 m;

	if (n == 0 || n > CHANNEL_DONE_MAX) {
		errno = EINVAL;
		return -1;
	}
	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = (uint32_t)n;
	memcpy(m.u.done.id, ids, n * sizeof(ids[0]));
	return channel_send(chan, &m, NULL);
}

size_t
dispatch_worker_max_conn(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return contract_max_conn(0);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/* Failing, it leaves the limit as it was: read it again. */
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return contract_max_conn(0);
	}
	return contract_max_conn(rl.rlim_cur);
}

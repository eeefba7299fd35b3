/*
 * test_dispatch_worker: libdispatch-worker against the dispatcher's side
 * of the channel (channel.c), over a real SOCK_SEQPACKET socketpair.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "dispatch_worker.h"

static int	sv[2] = { -1, -1 };	/* the dispatcher's end, the worker's */

static void
setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv), 0);
}

static void
teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

TestSuite(dispatch_worker, .init = setup, .fini = teardown, .timeout = 30);

Test(dispatch_worker, hello_carries_our_pid)
{
	struct channel_msg	m;

	cr_assert_eq(dispatch_worker_hello(sv[1]), 0);
	cr_assert_eq(channel_recv(sv[0], &m, NULL), 1);
	cr_assert_eq(m.type, CHANNEL_HELLO);
	cr_assert_eq(m.u.hello.pid, getpid());
	cr_assert(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
}

Test(dispatch_worker, hello_needs_a_seqpacket_socket)
{
	int	st[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, st), 0);
	cr_assert_eq(dispatch_worker_hello(st[1]), -1);
	cr_assert_eq(errno, EPROTOTYPE);
	close(st[0]);
	close(st[1]);
}

/* A CONN's records and descriptors, in order; then the end of file. */
Test(dispatch_worker, conn_then_end_of_file)
{
	struct dispatch_worker_conn	 c[DISPATCH_WORKER_CONN_MAX];
	struct channel_msg		 m;
	struct sockaddr_in		*sin;
	int				 fds[2], pipefd[2];

	cr_assert_eq(pipe(pipefd), 0);
	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.count = 2;
	m.u.conn.c[0].id = 7;
	m.u.conn.c[0].entry = -1;
	m.u.conn.c[1].id = 8;
	m.u.conn.c[1].listener = 3;
	sin = (struct sockaddr_in *)&m.u.conn.c[1].peer;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4242);
	m.u.conn.c[0].peer.ss_family = AF_INET6;
	m.u.conn.c[0].local.ss_family = AF_INET6;
	m.u.conn.c[1].local.ss_family = AF_INET;
	fds[0] = pipefd[0];
	fds[1] = pipefd[1];
	cr_assert_eq(channel_send(sv[0], &m, fds), 0);
	cr_assert_eq(dispatch_worker_recv(sv[1], c), 2);
	cr_assert_eq(c[0].id, 7);
	cr_assert_eq(c[0].entry, -1);
	cr_assert_eq(c[1].id, 8);
	cr_assert_eq(c[1].listener, 3);
	cr_assert_eq(((struct sockaddr_in *)&c[1].peer)->sin_port, htons(4242));
	cr_assert_eq(write(c[1].fd, "x", 1), 1, "the pipe's ends, in order");
	cr_assert_eq(read(c[0].fd, (char[1]){ 0 }, 1), 1);
	close(c[0].fd);
	close(c[1].fd);
	close(pipefd[0]);
	close(pipefd[1]);
	cr_assert_eq(dispatch_worker_recv(sv[1], c), -1);
	cr_assert_eq(errno, EAGAIN);
	close(sv[0]);
	sv[0] = open("/dev/null", O_RDONLY);
	cr_assert_eq(dispatch_worker_recv(sv[1], c), 0);
}

/* A HELLO is no message for a worker. */
Test(dispatch_worker, unexpected_message)
{
	struct dispatch_worker_conn	 c[DISPATCH_WORKER_CONN_MAX];
	struct channel_msg		 m;

	channel_msg_init(&m, CHANNEL_HELLO);
	cr_assert_eq(channel_send(sv[0], &m, NULL), 0);
	cr_assert_eq(dispatch_worker_recv(sv[1], c), -1);
	cr_assert_eq(errno, EPROTO);
}

Test(dispatch_worker, done)
{
	struct channel_msg	m;
	uint64_t		ids[DISPATCH_WORKER_DONE_MAX + 1] = { 5, 6, 7 };

	cr_assert_eq(dispatch_worker_done(sv[1], ids, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(dispatch_worker_done(sv[1], ids,
	    DISPATCH_WORKER_DONE_MAX + 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(dispatch_worker_done(sv[1], ids, 3), 0);
	cr_assert_eq(channel_recv(sv[0], &m, NULL), 1);
	cr_assert_eq(m.type, CHANNEL_DONE);
	cr_assert_eq(m.u.done.count, 3);
	cr_assert_eq(m.u.done.id[2], 7);
}

/* The soft limit raised to the hard one, less the contract's reserve. */
Test(dispatch_worker, max_conn_is_the_contract)
{
	struct rlimit	rl;
	size_t		n;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 64;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	n = dispatch_worker_max_conn();
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(rl.rlim_cur, rl.rlim_max);
	cr_assert_eq(n, (size_t)rl.rlim_cur - 16);
}

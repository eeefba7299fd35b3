/*
 * test_channel: the wire protocol, over a real SOCK_SEQPACKET socketpair.
 * Malformed records are written with raw send()/sendmsg().
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"

static int	sv[2] = { -1, -1 };

static void
setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void
teardown(void)
{
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	sv[0] = sv[1] = -1;
}

TestSuite(channel, .init = setup, .fini = teardown, .timeout = 30);

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	cr_assert_not_null(d = opendir("/proc/self/fd"));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
set_inet(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void
conn_msg(struct channel_msg *m)
{
	channel_msg_init(m, CHANNEL_CONN);
	m->u.conn.count = 1;
	m->u.conn.c[0].id = 7;
	set_inet(&m->u.conn.c[0].peer, "192.0.2.1", 40000);
	set_inet(&m->u.conn.c[0].local, "127.0.0.1", 1337);
}

/* A valid DONE: one id. */
static void
done_msg(struct channel_msg *m)
{
	channel_msg_init(m, CHANNEL_DONE);
	m->u.done.count = 1;
	m->u.done.id[0] = 1;
}

/* Sends one raw record, with nfds copies of fd attached. */
static void
send_raw(const void *buf, size_t len, int fd, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	}		 cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	int		 i;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		for (i = 0; i < nfds; i++)
			memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &fd,
			    sizeof(int));
	}
	cr_assert_eq(sendmsg(sv[0], &msg, MSG_NOSIGNAL), (ssize_t)len,
	    "sendmsg: %s", strerror(errno));
}

/* The next record must be rejected with EPROTO and leave no descriptor. */
static void
expect_eproto(void)
{
	struct channel_msg	 m;
	int			 fd[CHANNEL_CONN_MAX] = { 12345 }, before;

	before = count_fds();
	errno = 0;
	cr_assert_eq(channel_recv(sv[1], &m, fd), -1);
	cr_assert_eq(errno, EPROTO, "errno %d (%s)", errno, strerror(errno));
	cr_assert_eq(fd[0], 12345, "a descriptor without a CONN");
	cr_assert_eq(count_fds(), before, "a rejected descriptor stayed open");
}

/* The pipe's read end, sent away and closed here, is closed everywhere. */
static void
expect_reader_closed(int writer)
{
	struct pollfd	 pfd = { .fd = writer, .events = POLLOUT };

	cr_assert_eq(poll(&pfd, 1, 0), 1);
	cr_assert(pfd.revents & POLLERR, "the read end is still open");
}

Test(channel, init_zeroes_everything_but_version_and_type)
{
	struct channel_msg	 m;
	const unsigned char	*p = (const unsigned char *)&m;
	size_t			 i;

	memset(&m, 0xa5, sizeof(m));
	channel_msg_init(&m, CHANNEL_DONE);
	cr_assert_eq(m.version, CHANNEL_VERSION);
	cr_assert_eq(m.type, CHANNEL_DONE);
	for (i = offsetof(struct channel_msg, reserved); i < sizeof(m); i++)
		cr_assert_eq(p[i], 0, "byte %zu not zeroed", i);
}

Test(channel, conn_carries_descriptor_and_metadata)
{
	struct channel_msg	 m, r;
	struct sockaddr_in	 sin;
	struct stat		 a, b;
	socklen_t		 len = sizeof(sin);
	char			 buf[8];
	int			 lfd, cfd, afd, fd[CHANNEL_CONN_MAX] = { -1 }, flags;

	/* A real TCP connection on loopback. */
	cr_assert_geq(lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(lfd, 1), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	cr_assert_geq(cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_geq(afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), 0);

	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.count = 1;
	m.u.conn.c[0].id = UINT64_C(0x0123456789abcdef);
	m.u.conn.c[0].class_idx = 3;
	m.u.conn.c[0].entry = -1;
	m.u.conn.c[0].listener = 2;
	m.u.conn.c[0].rule = 7;
	len = sizeof(m.u.conn.c[0].peer);
	cr_assert_eq(getpeername(afd, (struct sockaddr *)&m.u.conn.c[0].peer,
	    &len), 0);
	len = sizeof(m.u.conn.c[0].local);
	cr_assert_eq(getsockname(afd, (struct sockaddr *)&m.u.conn.c[0].local,
	    &len), 0);
	cr_assert_eq(channel_send(sv[0], &m, &afd), 0);

	memset(&r, 0xff, sizeof(r));
	cr_assert_eq(channel_recv(sv[1], &r, fd), 1);
	cr_assert_eq(r.version, CHANNEL_VERSION);
	cr_assert_eq(r.type, CHANNEL_CONN);
	cr_assert_eq(r.reserved, 0);
	cr_assert_eq(r.u.conn.c[0].id, UINT64_C(0x0123456789abcdef));
	cr_assert_eq(r.u.conn.c[0].class_idx, 3);
	cr_assert_eq(r.u.conn.c[0].entry, -1);
	cr_assert_eq(r.u.conn.c[0].listener, 2);
	cr_assert_eq(r.u.conn.c[0].rule, 7);
	cr_assert_eq(r.u.conn.reserved, 0);
	cr_assert_eq(memcmp(&r.u.conn.c[0].peer, &m.u.conn.c[0].peer,
	    sizeof(r.u.conn.c[0].peer)), 0);
	cr_assert_eq(memcmp(&r.u.conn.c[0].local, &m.u.conn.c[0].local,
	    sizeof(r.u.conn.c[0].local)), 0);
	cr_assert_eq(memcmp(&r, &m, sizeof(r)), 0);

	/* A new descriptor for the same socket, close-on-exec. */
	cr_assert_geq(fd[0], 0);
	cr_assert_neq(fd[0], afd);
	cr_assert_eq(fstat(afd, &a), 0);
	cr_assert_eq(fstat(fd[0], &b), 0);
	cr_assert_eq(a.st_dev, b.st_dev);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_geq(flags = fcntl(fd[0], F_GETFD), 0);
	cr_assert(flags & FD_CLOEXEC);

	/* And it works: the client reads what is written through it. */
	close(afd);
	cr_assert_eq(write(fd[0], "ok", 2), 2);
	cr_assert_eq(read(cfd, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "ok", 2), 0);
	close(fd[0]);
	close(cfd);
	close(lfd);
}

Test(channel, hello_round_trip)
{
	struct channel_msg	 m, r;
	int			 fd[CHANNEL_CONN_MAX] = { 12345 };

	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = 4242;
	cr_assert_eq(channel_send(sv[1], &m, NULL), 0);
	cr_assert_eq(channel_recv(sv[0], &r, fd), 1);
	cr_assert_eq(fd[0], 12345, "a descriptor without a CONN");
	cr_assert_eq(r.type, CHANNEL_HELLO);
	cr_assert_eq(r.version, CHANNEL_VERSION);
	cr_assert_eq(r.u.hello.pid, 4242);
}

Test(channel, done_round_trip)
{
	struct channel_msg	 m, r;
	int			 fd[CHANNEL_CONN_MAX] = { 12345 };

	done_msg(&m);
	m.u.done.count = CHANNEL_DONE_MAX;
	m.u.done.id[0] = UINT64_MAX;
	m.u.done.id[CHANNEL_DONE_MAX - 1] = 7;
	cr_assert_eq(channel_send(sv[1], &m, NULL), 0);
	cr_assert_eq(channel_recv(sv[0], &r, fd), 1);
	cr_assert_eq(fd[0], 12345, "a descriptor without a CONN");
	cr_assert_eq(r.type, CHANNEL_DONE);
	cr_assert_eq(r.u.done.count, CHANNEL_DONE_MAX);
	cr_assert_eq(r.u.done.id[0], UINT64_MAX);
	cr_assert_eq(r.u.done.id[CHANNEL_DONE_MAX - 1], 7);
}

/*
 * A DONE of no connection, or of more than fit, is malformed: the sender
 * refuses to write one, the receiver one written anyway.
 */
Test(channel, done_count_is_checked)
{
	struct channel_msg	 m;
	uint32_t		 bad[] = { 0, CHANNEL_DONE_MAX + 1 };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		done_msg(&m);
		m.u.done.count = bad[i];
		errno = 0;
		cr_assert_eq(channel_send(sv[1], &m, NULL), -1);
		cr_assert_eq(errno, EINVAL);
		send_raw(&m, offsetof(struct channel_msg, u.done.id) +
		    (bad[i] < CHANNEL_DONE_MAX ? bad[i] : CHANNEL_DONE_MAX) *
		    sizeof(uint64_t), -1, 0);
		expect_eproto();
	}
}

/* Distinct open files, to tell which descriptor arrived where. */
static void
make_pipes(int (*p)[2], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cr_assert_eq(pipe2(p[i], O_CLOEXEC), 0);
}

static void
close_pipes(int (*p)[2], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* A CONN of n connections, ids 100 + i, with peer port 1000 + i. */
static void
batch_msg(struct channel_msg *m, uint32_t n)
{
	uint32_t	i;

	channel_msg_init(m, CHANNEL_CONN);
	m->u.conn.count = n;
	for (i = 0; i < n; i++) {
		m->u.conn.c[i].id = 100 + i;
		m->u.conn.c[i].class_idx = i % 3;
		m->u.conn.c[i].entry = (int32_t)i - 1;
		set_inet(&m->u.conn.c[i].peer, "192.0.2.7", (uint16_t)(1000 + i));
		set_inet(&m->u.conn.c[i].local, "127.0.0.1", 1337);
	}
}

/* Every connection of a full CONN arrives with its own descriptor. */
Test(channel, conn_batch_round_trip)
{
	struct channel_msg	 m, r;
	struct stat		 a, b;
	int			 p[CHANNEL_CONN_MAX][2], send[CHANNEL_CONN_MAX];
	int			 fd[CHANNEL_CONN_MAX];
	size_t			 i;

	make_pipes(p, CHANNEL_CONN_MAX);
	for (i = 0; i < CHANNEL_CONN_MAX; i++)
		send[i] = p[i][0];
	batch_msg(&m, CHANNEL_CONN_MAX);
	cr_assert_eq(channel_send(sv[0], &m, send), 0);
	cr_assert_eq(channel_recv(sv[1], &r, fd), 1);
	cr_assert_eq(r.type, CHANNEL_CONN);
	cr_assert_eq(r.u.conn.count, CHANNEL_CONN_MAX);
	for (i = 0; i < CHANNEL_CONN_MAX; i++) {
		cr_assert_eq(r.u.conn.c[i].id, 100 + i);
		cr_assert_eq(r.u.conn.c[i].entry, (int32_t)i - 1);
		cr_assert_eq(memcmp(&r.u.conn.c[i].peer, &m.u.conn.c[i].peer,
		    sizeof(r.u.conn.c[i].peer)), 0);
		cr_assert_eq(fstat(fd[i], &a), 0);
		cr_assert_eq(fstat(p[i][0], &b), 0);
		cr_assert_eq(a.st_ino, b.st_ino, "descriptor %zu out of order",
		    i);
		close(fd[i]);
	}
	close_pipes(p, CHANNEL_CONN_MAX);
}

/*
 * A CONN whose descriptors do not match its count, whose count is out of
 * range, or with one bad record among good ones is refused whole, every
 * descriptor closed.
 */
Test(channel, conn_batch_is_checked_whole)
{
	struct channel_msg	 m;
	int			 p[2];
	size_t			 len;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	batch_msg(&m, 3);
	len = channel_msg_len(&m);
	send_raw(&m, len, p[0], 2);
	expect_eproto();
	send_raw(&m, len, p[0], 4);
	expect_eproto();

	batch_msg(&m, 3);
	m.u.conn.c[1].peer.ss_family = AF_UNIX;
	send_raw(&m, len, p[0], 3);
	expect_eproto();
	/* A record cut short, or one more than the count says. */
	batch_msg(&m, 3);
	send_raw(&m, len - 1, p[0], 3);
	expect_eproto();
	batch_msg(&m, 4);
	m.u.conn.count = 3;
	send_raw(&m, channel_msg_len(&m) + sizeof(m.u.conn.c[0]), p[0], 3);
	expect_eproto();

	batch_msg(&m, 1);
	m.u.conn.count = 0;
	errno = 0;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), -1);
	cr_assert_eq(errno, EINVAL);
	send_raw(&m, offsetof(struct channel_msg, u.conn.c), -1, 0);
	expect_eproto();
	m.u.conn.count = CHANNEL_CONN_MAX + 1;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), -1);
	send_raw(&m, sizeof(m), p[0], 4);
	expect_eproto();

	close(p[0]);
	expect_reader_closed(p[1]);
	close(p[1]);
}

/* The dispatcher takes no descriptor: a CONN sent to it is refused. */
Test(channel, conn_refused_without_room_for_descriptors)
{
	struct channel_msg	 m, r;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	batch_msg(&m, 1);
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), 0);
	close(p[0]);
	errno = 0;
	cr_assert_eq(channel_recv(sv[1], &r, NULL), -1);
	cr_assert_eq(errno, EPROTO);
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, records_stay_separate)
{
	struct channel_msg	 m, r;
	int			 fd[CHANNEL_CONN_MAX], i;

	for (i = 1; i <= 3; i++) {
		done_msg(&m);
		m.u.done.count = 1;
		m.u.done.id[0] = (uint64_t)i;
		cr_assert_eq(channel_send(sv[1], &m, NULL), 0);
	}
	for (i = 1; i <= 3; i++) {
		cr_assert_eq(channel_recv(sv[0], &r, fd), 1);
		cr_assert_eq(r.u.done.id[0], (uint64_t)i);
	}
}

Test(channel, eof_returns_zero)
{
	struct channel_msg	 r;
	int			 fd[CHANNEL_CONN_MAX] = { 12345 };

	close(sv[0]);
	sv[0] = -1;
	cr_assert_eq(channel_recv(sv[1], &r, fd), 0);
	cr_assert_eq(fd[0], 12345, "a descriptor without a CONN");
}

/*
 * A drain: the dispatcher closes its end with a DONE unread, while a CONN
 * and its descriptor wait on the worker's.  The reset comes first on
 * SOCK_SEQPACKET; the CONN must still arrive, with its descriptor, then
 * the end of file.
 */
Test(channel, peer_closing_with_unread_messages_loses_nothing)
{
	struct channel_msg	 m, r;
	struct stat		 st;
	int			 p[2], fd[CHANNEL_CONN_MAX] = { -1 };

	cr_assert_eq(pipe(p), 0);
	done_msg(&m);
	cr_assert_eq(channel_send(sv[1], &m, NULL), 0);
	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.count = 1;
	m.u.conn.c[0].id = 7;
	m.u.conn.c[0].peer.ss_family = AF_INET;
	m.u.conn.c[0].local.ss_family = AF_INET;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), 0);
	close(p[0]);
	close(sv[0]);
	sv[0] = -1;

	cr_assert_eq(channel_recv(sv[1], &r, fd), 1);
	cr_assert_eq(r.type, CHANNEL_CONN);
	cr_assert_eq(r.u.conn.c[0].id, 7);
	cr_assert_eq(fstat(fd[0], &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	close(fd[0]);
	cr_assert_eq(channel_recv(sv[1], &r, fd), 0);
	close(p[1]);
}

Test(channel, empty_channel_is_eagain)
{
	struct channel_msg	 r;
	int			 fd[CHANNEL_CONN_MAX] = { 12345 };

	errno = 0;
	cr_assert_eq(channel_recv(sv[1], &r, fd), -1);
	cr_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	cr_assert_eq(fd[0], 12345, "a descriptor without a CONN");
}

Test(channel, full_channel_is_eagain)
{
	struct channel_msg	 m;
	int			 i, r = 0;

	done_msg(&m);
	for (i = 0; i < 100000 && (r = channel_send(sv[0], &m, NULL)) == 0; i++)
		;
	cr_assert_eq(r, -1, "the channel never filled up");
	cr_assert(errno == EAGAIN || errno == EWOULDBLOCK, "errno %d (%s)",
	    errno, strerror(errno));
}

Test(channel, send_on_closed_channel_is_epipe)
{
	struct channel_msg	 m;

	/* MSG_NOSIGNAL: without it, this test would die of SIGPIPE. */
	close(sv[1]);
	sv[1] = -1;
	done_msg(&m);
	errno = 0;
	cr_assert_eq(channel_send(sv[0], &m, NULL), -1);
	cr_assert_eq(errno, EPIPE);
}

Test(channel, rejects_short_record)
{
	struct channel_msg	 m;

	done_msg(&m);
	send_raw(&m, channel_msg_len(&m) - 1, -1, 0);
	expect_eproto();
	send_raw(&m, 8, -1, 0);
	expect_eproto();
}

Test(channel, rejects_long_record)
{
	unsigned char		 buf[sizeof(struct channel_msg) + 16];
	struct channel_msg	 m;

	memset(buf, 0, sizeof(buf));
	done_msg(&m);
	memcpy(buf, &m, sizeof(m));
	send_raw(buf, channel_msg_len(&m) + 1, -1, 0);
	expect_eproto();
	send_raw(buf, sizeof(m) + 1, -1, 0);
	expect_eproto();
	send_raw(buf, sizeof(buf), -1, 0);
	expect_eproto();
}

Test(channel, rejects_wrong_version)
{
	struct channel_msg	 m;

	done_msg(&m);
	m.version = CHANNEL_VERSION + 1;
	send_raw(&m, channel_msg_len(&m), -1, 0);
	expect_eproto();
	m.version = 0;
	send_raw(&m, channel_msg_len(&m), -1, 0);
	expect_eproto();
}

Test(channel, rejects_unknown_type)
{
	struct channel_msg	 m;

	done_msg(&m);
	m.type = 0;
	send_raw(&m, 16, -1, 0);
	expect_eproto();
	m.type = CHANNEL_DONE + 1;
	send_raw(&m, 16, -1, 0);
	expect_eproto();
}

Test(channel, rejects_nonzero_reserved)
{
	struct channel_msg	 m;
	int			 p[2];

	done_msg(&m);
	m.reserved = 1;
	send_raw(&m, channel_msg_len(&m), -1, 0);
	expect_eproto();

	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.reserved = 1;
	send_raw(&m, channel_msg_len(&m), -1, 0);
	expect_eproto();

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	conn_msg(&m);
	m.u.conn.reserved = 0x80000000u;
	send_raw(&m, channel_msg_len(&m), p[0], 1);
	close(p[0]);
	expect_eproto();
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, rejects_conn_without_descriptor)
{
	struct channel_msg	 m;

	conn_msg(&m);
	send_raw(&m, channel_msg_len(&m), -1, 0);
	expect_eproto();
}

Test(channel, rejects_hello_with_descriptor_and_closes_it)
{
	struct channel_msg	 m;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = 1;
	send_raw(&m, channel_msg_len(&m), p[0], 1);
	close(p[0]);
	expect_eproto();
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, rejects_done_with_descriptor_and_closes_it)
{
	struct channel_msg	 m;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	done_msg(&m);
	send_raw(&m, channel_msg_len(&m), p[0], 1);
	close(p[0]);
	expect_eproto();
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, rejects_conn_with_two_descriptors_and_closes_both)
{
	struct channel_msg	 m;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	conn_msg(&m);
	send_raw(&m, channel_msg_len(&m), p[0], 2);
	close(p[0]);
	expect_eproto();
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, rejects_descriptor_on_short_record)
{
	struct channel_msg	 m;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	conn_msg(&m);
	send_raw(&m, 16, p[0], 1);
	close(p[0]);
	expect_eproto();
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, rejects_bad_address_family)
{
	struct channel_msg	 m;
	int			 p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);

	conn_msg(&m);
	m.u.conn.c[0].peer.ss_family = AF_UNIX;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), 0);
	expect_eproto();

	conn_msg(&m);
	m.u.conn.c[0].local.ss_family = AF_UNSPEC;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), 0);
	expect_eproto();

	close(p[0]);
	expect_reader_closed(p[1]);
	close(p[1]);
}

Test(channel, accepts_ipv6_addresses)
{
	struct channel_msg	 m, r;
	struct sockaddr_in6	*sin6;
	int			 p[2], fd[CHANNEL_CONN_MAX] = { -1 };

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	conn_msg(&m);
	sin6 = (struct sockaddr_in6 *)&m.u.conn.c[0].peer;
	memset(sin6, 0, sizeof(m.u.conn.c[0].peer));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	cr_assert_eq(channel_send(sv[0], &m, &p[0]), 0);
	cr_assert_eq(channel_recv(sv[1], &r, fd), 1);
	cr_assert_geq(fd[0], 0);
	cr_assert_eq(r.u.conn.c[0].peer.ss_family, AF_INET6);
	close(fd[0]);
	close(p[0]);
	close(p[1]);
}

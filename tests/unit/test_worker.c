/*
 * test_worker: the real dispatch-worker, with this test as its dispatcher.
 *
 * Clients are real TCP connections on loopback from 127.0.0.100, so the
 * peer a worker sees is known.  Every wait is bounded by a poll timeout
 * and every worker is reaped.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "child.h"
#include "contract.h"

#define CLIENT_ADDR	"127.0.0.100"

struct tcp {
	int			 lfd;
	struct sockaddr_in	 addr;
	/* The last accepted connection's addresses, as accept4 gave them. */
	struct sockaddr_storage	 peer;
	struct sockaddr_storage	 local;
};

/* Starts dispatch-worker with args after its name; see test_child_start. */
static void
worker_start_with(struct child *w, const char *const args[], int sndbuf,
    rlim_t nofile)
{
	char	*argv[16];
	int	 i;

	argv[0] = (char *)WORKER_PATH;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	test_child_start(w, argv, sndbuf, nofile);
}

static void
worker_start(struct child *w, const char *const args[])
{
	worker_start_with(w, args, 0, 0);
}

/*
 * The next n connections reported done, in the order reported, from as
 * many DONE messages as it takes; returns how many messages that was.
 * One message never reports more than asked for.
 */
static int
collect_done(struct child *w, uint64_t *ids, uint32_t n)
{
	struct channel_msg	 m;
	uint32_t		 got = 0, i;
	int			 msgs = 0;

	while (got < n) {
		test_child_expect(w, CHANNEL_DONE, &m);
		msgs++;
		cr_assert(m.u.done.count >= 1 && m.u.done.count <= n - got,
		    "DONE of %u connections, %u expected", m.u.done.count,
		    n - got);
		for (i = 0; i < m.u.done.count; i++)
			ids[got++] = m.u.done.id[i];
	}
	return msgs;
}

static void
expect_done(struct child *w, uint64_t id)
{
	uint64_t	got;

	collect_done(w, &got, 1);
	cr_assert_eq(got, id, "DONE %llu, expected %llu",
	    (unsigned long long)got, (unsigned long long)id);
}

/* a and b reported done, in any order. */
static void
expect_done_pair(struct child *w, uint64_t a, uint64_t b)
{
	uint64_t	got[2];

	collect_done(w, got, 2);
	cr_assert((got[0] == a && got[1] == b) || (got[0] == b && got[1] == a),
	    "DONE %llu and %llu, expected %llu and %llu",
	    (unsigned long long)got[0], (unsigned long long)got[1],
	    (unsigned long long)a, (unsigned long long)b);
}

/* Ids 1 to n reported done, in any order; returns the messages it took. */
static int
expect_done_set(struct child *w, uint64_t n)
{
	uint64_t	got[64], i, seen = 0;
	int		msgs;

	cr_assert_leq(n, 64);
	msgs = collect_done(w, got, (uint32_t)n);
	for (i = 0; i < n; i++) {
		cr_assert(got[i] >= 1 && got[i] <= n, "DONE %llu",
		    (unsigned long long)got[i]);
		cr_assert_eq(seen & (UINT64_C(1) << (got[i] - 1)), 0,
		    "DONE %llu twice", (unsigned long long)got[i]);
		seen |= UINT64_C(1) << (got[i] - 1);
	}
	return msgs;
}

static void
tcp_listen(struct tcp *t)
{
	socklen_t	 len = sizeof(t->addr);

	cr_assert_geq(t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	memset(&t->addr, 0, sizeof(t->addr));
	t->addr.sin_family = AF_INET;
	t->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(t->lfd, (struct sockaddr *)&t->addr,
	    sizeof(t->addr)), 0);
	cr_assert_eq(listen(t->lfd, 16), 0);
	cr_assert_eq(getsockname(t->lfd, (struct sockaddr *)&t->addr, &len), 0);
}

/*
 * A client from CLIENT_ADDR, connected; *server gets the accepted socket.
 * bufsize > 0 shrinks the client's receive and the server's send buffer.
 */
static int
tcp_connect(struct tcp *t, int *server, int bufsize)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	int			 cfd;

	cr_assert_geq(cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	if (bufsize > 0)
		cr_assert_eq(setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &bufsize,
		    sizeof(bufsize)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, CLIENT_ADDR, &sin.sin_addr), 1);
	cr_assert_eq(bind(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "bind %s: %s", CLIENT_ADDR, strerror(errno));
	cr_assert_eq(connect(cfd, (struct sockaddr *)&t->addr,
	    sizeof(t->addr)), 0, "connect: %s", strerror(errno));
	cr_assert(test_wait_fd(t->lfd, POLLIN, TEST_WAIT_MS) & POLLIN);
	len = sizeof(t->peer);
	cr_assert_geq(*server = accept4(t->lfd, (struct sockaddr *)&t->peer,
	    &len, SOCK_CLOEXEC), 0);
	len = sizeof(t->local);
	cr_assert_eq(getsockname(*server, (struct sockaddr *)&t->local, &len),
	    0);
	if (bufsize > 0)
		cr_assert_eq(setsockopt(*server, SOL_SOCKET, SO_SNDBUF,
		    &bufsize, sizeof(bufsize)), 0);
	return cfd;
}

/* The record of connection id accepted on t, as the dispatcher writes it. */
static void
conn_record(struct channel_conn *cc, const struct tcp *t, uint64_t id)
{
	cc->id = id;
	cc->class_idx = 1;
	cc->entry = 0;
	cc->peer = t->peer;
	cc->local = t->local;
}

/* Hands the accepted socket to the worker, as the dispatcher does. */
static void
send_conn(struct child *w, const struct tcp *t, uint64_t id, int server)
{
	struct channel_msg	 m;

	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.count = 1;
	conn_record(&m.u.conn.c[0], t, id);
	cr_assert_eq(channel_send(w->chan, &m, &server), 0, "channel_send: %s",
	    strerror(errno));
	close(server);
}

/* Reads up to EOF, within TEST_WAIT_MS; returns its length, NUL-ended. */
static size_t
read_reply(int cfd, char *buf, size_t cap)
{
	long	 end = test_now_ms() + TEST_WAIT_MS;
	size_t	 len = 0;
	ssize_t	 n;

	for (;;) {
		cr_assert(test_wait_fd(cfd, POLLIN, end - test_now_ms()) != 0,
		    "no end of reply after %zu bytes", len);
		cr_assert_lt(len, cap - 1, "reply too long");
		n = read(cfd, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		cr_assert_geq(n, 0, "read: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Waits until the worker has taken every message sent to it. */
static void
chan_wait_taken(struct child *w)
{
	long	 end = test_now_ms() + TEST_WAIT_MS;
	int	 outq;

	for (;;) {
		cr_assert_eq(ioctl(w->chan, SIOCOUTQ, &outq), 0);
		if (outq == 0)
			return;
		cr_assert_lt(test_now_ms(), end, "the worker does not read");
		usleep(5000);
	}
}

static void
expect_reply(int cfd, const char *want)
{
	char	 buf[1024];

	read_reply(cfd, buf, sizeof(buf));
	cr_assert_str_eq(buf, want);
}

static void
default_reply(char *buf, size_t len, const struct child *w)
{
	snprintf(buf, len, "Request handled with special priority by worker "
	    "%ld\n", (long)w->pid);
}

static void
setup(void)
{
	/* A test that writes to a dead client must not die of it. */
	signal(SIGPIPE, SIG_IGN);
}

TestSuite(worker, .init = setup, .timeout = 120);

Test(worker, says_hello_with_its_pid)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	test_child_expect_exit(&w, 0);
}

Test(worker, serves_default_reply_then_done)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 41, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 41);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, serves_many_connections_in_turn)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;
	uint64_t	 id;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	default_reply(want, sizeof(want), &w);
	for (id = 1; id <= 20; id++) {
		cfd = tcp_connect(&t, &sfd, 0);
		send_conn(&w, &t, id, sfd);
		expect_reply(cfd, want);
		close(cfd);
		expect_done(&w, id);
	}
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, expands_placeholders)
{
	const char	*args[] = { "-n", "special", "-r",
	    "{class}|{peer}|{pid}|{{|{{peer}|{{x}|}|{{\n", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 1, sfd);
	snprintf(want, sizeof(want), "special|%s|%ld|{|{peer}|{x}|}|{\n",
	    CLIENT_ADDR, (long)w.pid);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 1);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, empty_reply_just_closes)
{
	const char	*args[] = { "-n", "special", "-r", "", NULL };
	struct child	 w;
	struct tcp	 t;
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 5, sfd);
	expect_reply(cfd, "");
	close(cfd);
	expect_done(&w, 5);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, delay_holds_the_reply)
{
	const char	*args[] = { "-n", "special", "-d", "300", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	long		 start;
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	start = test_now_ms();
	send_conn(&w, &t, 9, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	cr_assert_geq(test_now_ms() - start, 270, "replied after %ld ms",
	    test_now_ms() - start);
	close(cfd);
	expect_done(&w, 9);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, delays_each_of_several_connections)
{
	const char	*args[] = { "-n", "special", "-d", "200", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	long		 start[4];
	int		 cfd[4], sfd, i;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	for (i = 0; i < 4; i++) {
		cfd[i] = tcp_connect(&t, &sfd, 0);
		start[i] = test_now_ms();
		send_conn(&w, &t, (uint64_t)i + 1, sfd);
		usleep(20000);
	}
	default_reply(want, sizeof(want), &w);
	for (i = 0; i < 4; i++) {
		expect_reply(cfd[i], want);
		cr_assert_geq(test_now_ms() - start[i], 180,
		    "connection %d replied after %ld ms", i + 1,
		    test_now_ms() - start[i]);
	}
	for (i = 0; i < 4; i++)
		close(cfd[i]);
	expect_done_set(&w, 4);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * A CONN received with no room for its descriptor would lose the client:
 * short of its descriptor limit the worker leaves CONN messages waiting
 * in the channel, and serves them all as connections close.
 */
/*
 * What one wake-up closes goes back in one DONE.  The worker is stopped
 * while twenty connections wait on its channel, their clients gone: it
 * takes them all in one wake-up, and each ends at once.
 */
Test(worker, one_wake_up_one_done)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	int		 cfd[20], sfd, i;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cr_assert_eq(kill(w.pid, SIGSTOP), 0);
	for (i = 0; i < 20; i++) {
		cfd[i] = tcp_connect(&t, &sfd, 0);
		send_conn(&w, &t, (uint64_t)i + 1, sfd);
	}
	for (i = 0; i < 20; i++)
		close(cfd[i]);
	cr_assert_eq(kill(w.pid, SIGCONT), 0);
	cr_assert_lt(expect_done_set(&w, 20), 20,
	    "twenty connections closed in one wake-up, twenty DONEs");
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * One CONN of CHANNEL_CONN_MAX connections: each socket gets the reply of
 * its own record (the peer written in it, 192.0.2.N for the N-th), and
 * each is reported done.
 */
Test(worker, serves_every_connection_of_a_batch)
{
	const char		*args[] = { "-n", "special", "-r", "{peer}\n",
	    NULL };
	struct child		 w;
	struct channel_msg	 m;
	struct tcp		 t;
	struct sockaddr_in	*sin;
	char			 want[64];
	int			 cfd[CHANNEL_CONN_MAX], sfd[CHANNEL_CONN_MAX];
	uint32_t		 i;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.count = CHANNEL_CONN_MAX;
	for (i = 0; i < CHANNEL_CONN_MAX; i++) {
		cfd[i] = tcp_connect(&t, &sfd[i], 0);
		conn_record(&m.u.conn.c[i], &t, i + 1);
		sin = (struct sockaddr_in *)&m.u.conn.c[i].peer;
		sin->sin_addr.s_addr = htonl(0xc0000201u + i);
	}
	cr_assert_eq(channel_send(w.chan, &m, sfd), 0, "channel_send: %s",
	    strerror(errno));
	for (i = 0; i < CHANNEL_CONN_MAX; i++) {
		close(sfd[i]);
		snprintf(want, sizeof(want), "192.0.2.%u\n", i + 1);
		expect_reply(cfd[i], want);
		close(cfd[i]);
	}
	expect_done_set(&w, CHANNEL_CONN_MAX);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, descriptor_limit_holds_connections_in_the_channel)
{
	const char	*args[] = { "-n", "special", "-d", "300", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd[40], sfd, i;

	worker_start_with(&w, args, 0, 32);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	for (i = 0; i < 40; i++) {
		cfd[i] = tcp_connect(&t, &sfd, 0);
		send_conn(&w, &t, (uint64_t)i + 1, sfd);
	}
	default_reply(want, sizeof(want), &w);
	for (i = 0; i < 40; i++) {
		expect_reply(cfd[i], want);
		close(cfd[i]);
	}
	expect_done_set(&w, 40);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * A worker that served one connection at a time would stay stuck on the
 * first: its client reads nothing and the reply, the longest class name
 * as many times as the longest template holds, is far larger than the
 * socket buffers.  The second must be served meanwhile, with a delay and
 * without one (the reply is then written as the socket arrives).  The
 * accepted sockets are blocking, as accept4 without SOCK_NONBLOCK gives
 * them.
 */
#define STALL_NAMES	(CONTRACT_MAX_REPLY / 7)	/* "{class}"s */

static void
stalled_client(const char *delay)
{
	char		 class[CONTRACT_MAX_NAME + 1];
	char		 tmpl[7 * STALL_NAMES + 1], *want, *got;
	const char	*args[] = { "-n", class, "-r", tmpl, "-d", delay,
	    NULL };
	struct child	 w;
	struct tcp	 t;
	size_t		 len, i;
	int		 a, b, sfd, inq;

	memset(class, 'c', sizeof(class) - 1);
	class[sizeof(class) - 1] = '\0';
	for (i = 0; i < STALL_NAMES; i++)
		memcpy(tmpl + 7 * i, "{class}", 7);
	tmpl[sizeof(tmpl) - 1] = '\0';
	len = STALL_NAMES * (sizeof(class) - 1);
	cr_assert_not_null(want = malloc(len + 1));
	for (i = 0; i < STALL_NAMES; i++)
		memcpy(want + i * (sizeof(class) - 1), class,
		    sizeof(class) - 1);
	want[len] = '\0';
	cr_assert_not_null(got = malloc(len + 2));

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	a = tcp_connect(&t, &sfd, 4096);
	send_conn(&w, &t, 1, sfd);
	b = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 2, sfd);

	cr_assert_eq(read_reply(b, got, len + 2), len);
	cr_assert_eq(memcmp(got, want, len), 0);
	close(b);
	expect_done(&w, 2);

	/* Connection 1 is still in hand, only part of its reply sent. */
	cr_assert_eq(ioctl(a, SIOCINQ, &inq), 0);
	cr_assert_lt((size_t)inq, len);
	cr_assert_eq(read_reply(a, got, len + 2), len);
	cr_assert_eq(memcmp(got, want, len), 0);
	close(a);
	expect_done(&w, 1);

	free(want);
	free(got);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, stalled_client_does_not_hold_up_others)
{
	stalled_client("100");
}

Test(worker, partial_reply_without_delay_completes)
{
	stalled_client("0");
}

/*
 * With a tiny channel send buffer and nobody reading the channel, most
 * DONE messages cannot go at once: they wait in the worker, none lost.
 */
Test(worker, done_waits_for_a_full_channel)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;
	uint64_t	 id;

	worker_start_with(&w, args, 1024, 0);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	default_reply(want, sizeof(want), &w);
	for (id = 1; id <= 60; id++) {
		cfd = tcp_connect(&t, &sfd, 0);
		send_conn(&w, &t, id, sfd);
		expect_reply(cfd, want);
		close(cfd);
	}
	expect_done_set(&w, 60);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/* A client sending while the worker lingers does not lose the reply. */
Test(worker, reply_survives_unread_client_bytes)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128], junk[1000];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	memset(junk, 'j', sizeof(junk));
	cr_assert_eq(write(cfd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	send_conn(&w, &t, 3, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 3);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * The reply's last bytes and the FIN leave in one segment: the client
 * receives the SYN-ACK and that one, where a send then a close would
 * send two.
 */
Test(worker, reply_and_fin_in_one_segment)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 3, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	memset(&ti, 0, sizeof(ti));
	cr_assert_eq(getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	cr_assert_eq(ti.tcpi_data_segs_in, 1);
	cr_assert_eq(ti.tcpi_segs_in, 2, "%u segments in: the FIN came apart",
	    ti.tcpi_segs_in);
	close(cfd);
	expect_done(&w, 3);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * The dispatcher may still hold its copy of the socket when the worker is
 * done with it (a worker that preempted it): the worker's close then
 * sends nothing, and the reply, held for the FIN, must leave anyway.
 */
Test(worker, reply_leaves_while_the_dispatcher_holds_the_socket)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd, copy;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	cr_assert_geq(copy = dup(sfd), 0);
	send_conn(&w, &t, 5, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	expect_done(&w, 5);
	close(copy);
	close(cfd);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * A client that sent more than the linger reads is reset, but only once
 * the reply, which waits in the socket for its FIN, has left: the client
 * reads it before the reset.
 */
Test(worker, reply_leaves_before_input_cut)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	static char	 junk[100 * 1024];
	char		 want[128], buf[256];
	size_t		 len = 0;
	ssize_t		 n;
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	memset(junk, 'j', sizeof(junk));
	cr_assert_eq(write(cfd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	send_conn(&w, &t, 4, sfd);
	default_reply(want, sizeof(want), &w);
	/* The reply, then the end of file or the reset. */
	for (;;) {
		cr_assert(test_wait_fd(cfd, POLLIN, TEST_WAIT_MS) != 0);
		cr_assert_lt(len, sizeof(buf) - 1, "reply too long");
		n = read(cfd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	cr_assert(n == 0 || errno == ECONNRESET, "read: %s", strerror(errno));
	buf[len] = '\0';
	cr_assert_str_eq(buf, want);
	close(cfd);
	expect_done(&w, 4);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * Bytes that come while the reply waits out its delay are reported by
 * epoll, not read: the close must still linger for them, or it would turn
 * the reply into a reset.
 */
Test(worker, reply_survives_bytes_sent_during_delay)
{
	const char	*args[] = { "-n", "special", "-d", "300", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128], junk[1000];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 6, sfd);
	chan_wait_taken(&w);
	memset(junk, 'j', sizeof(junk));
	cr_assert_eq(write(cfd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 6);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/* Without the client's EOF, the linger ends on its own. */
Test(worker, linger_is_bounded)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	long		 start, took;
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	/* A client that sends may send more: its close is waited for. */
	cr_assert_eq(write(cfd, "x", 1), 1);
	start = test_now_ms();
	send_conn(&w, &t, 4, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	expect_done(&w, 4);
	took = test_now_ms() - start;
	cr_assert(took >= 1800 && took < 5000, "linger ended after %ld ms",
	    took);
	close(cfd);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * A client that has sent nothing waits for the server to speak: nothing
 * of it can turn the close into a reset, so there is no linger, though
 * it keeps its socket open.
 */
Test(worker, silent_client_is_closed_at_once)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	long		 start;
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	start = test_now_ms();
	send_conn(&w, &t, 5, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	expect_done(&w, 5);
	cr_assert_lt(test_now_ms() - start, 1000, "closed after %ld ms",
	    test_now_ms() - start);
	close(cfd);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * Timer set for the first connection's linger, which ends early: the
 * second's linger, set to end later, must still end on time.
 */
Test(worker, linger_is_bounded_after_the_first_ends)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	long		 start, took;
	int		 a, b, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	default_reply(want, sizeof(want), &w);
	/* Both clients send a byte, so that both lingers run. */
	a = tcp_connect(&t, &sfd, 0);
	cr_assert_eq(write(a, "x", 1), 1);
	send_conn(&w, &t, 1, sfd);
	expect_reply(a, want);
	usleep(500000);
	b = tcp_connect(&t, &sfd, 0);
	cr_assert_eq(write(b, "x", 1), 1);
	start = test_now_ms();
	send_conn(&w, &t, 2, sfd);
	expect_reply(b, want);
	close(a);
	expect_done(&w, 1);
	expect_done(&w, 2);
	took = test_now_ms() - start;
	cr_assert(took >= 1800 && took < 5000,
	    "second linger ended after %ld ms", took);
	close(b);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * A client that has sent its EOF before the reply needs no linger: the
 * connection ends at once, though the client keeps its socket open.
 * junk bytes come first when junk > 0.
 */
static void
eof_first(struct child *w, struct tcp *t, uint64_t id, size_t junk)
{
	char	 want[128], buf[1000];
	long	 start;
	int	 cfd, sfd;

	cr_assert_leq(junk, sizeof(buf));
	cfd = tcp_connect(t, &sfd, 0);
	memset(buf, 'j', sizeof(buf));
	if (junk > 0)
		cr_assert_eq(write(cfd, buf, junk), (ssize_t)junk);
	cr_assert_eq(shutdown(cfd, SHUT_WR), 0);
	start = test_now_ms();
	send_conn(w, t, id, sfd);
	default_reply(want, sizeof(want), w);
	expect_reply(cfd, want);
	expect_done(w, id);
	cr_assert_lt(test_now_ms() - start, 1000, "DONE after %ld ms",
	    test_now_ms() - start);
	close(cfd);
}

Test(worker, client_eof_first_ends_without_linger)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	eof_first(&w, &t, 1, 0);
	eof_first(&w, &t, 2, 1000);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/*
 * The socket's file status flags are the dispatcher's as much as the
 * worker's: it comes blocking and must stay so.  The test keeps its own
 * copy to look at them after the worker's close.
 */
Test(worker, leaves_socket_flags_alone)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd, copy;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	cr_assert_geq(copy = dup(sfd), 0);
	send_conn(&w, &t, 1, sfd);
	default_reply(want, sizeof(want), &w);
	expect_done(&w, 1);
	cr_assert_eq(fcntl(copy, F_GETFL) & O_NONBLOCK, 0);
	close(copy);
	expect_reply(cfd, want);
	close(cfd);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

static void
client_reset(int cfd)
{
	struct linger	 l = { .l_onoff = 1, .l_linger = 0 };

	cr_assert_eq(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	close(cfd);
}

Test(worker, client_gone_before_reply_is_routine)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 a, b, c, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);

	/* Closed (FIN), then reset, both before the worker has the socket. */
	a = tcp_connect(&t, &sfd, 0);
	close(a);
	send_conn(&w, &t, 1, sfd);
	b = tcp_connect(&t, &sfd, 0);
	client_reset(b);
	usleep(20000);
	send_conn(&w, &t, 2, sfd);
	expect_done_pair(&w, 1, 2);

	c = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 3, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(c, want);
	close(c);
	expect_done(&w, 3);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, client_reset_during_delay_is_routine)
{
	const char	*args[] = { "-n", "special", "-d", "200", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 a, b, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	a = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 1, sfd);
	b = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 2, sfd);
	client_reset(a);

	default_reply(want, sizeof(want), &w);
	expect_reply(b, want);
	close(b);
	expect_done_pair(&w, 1, 2);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, malformed_message_exits_70)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	char		 junk[10] = "garbage";

	worker_start(&w, args);
	test_child_expect_hello(&w);
	cr_assert_eq(send(w.chan, junk, sizeof(junk), MSG_NOSIGNAL),
	    (ssize_t)sizeof(junk));
	test_child_expect_exit(&w, 70);
}

Test(worker, message_for_the_dispatcher_exits_70)
{
	const char		*args[] = { "-n", "special", NULL };
	struct child		 w;
	struct channel_msg	 m;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = 1;
	cr_assert_eq(channel_send(w.chan, &m, NULL), 0);
	test_child_expect_exit(&w, 70);
}

Test(worker, malformed_message_with_connection_in_hand_exits_70)
{
	const char		*args[] = { "-n", "special", "-d", "60000",
	    NULL };
	struct child		 w;
	struct channel_msg	 m;
	struct tcp		 t;
	char			 buf[16];
	int			 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 1, sfd);
	channel_msg_init(&m, CHANNEL_CONN);
	m.version = CHANNEL_VERSION + 1;
	cr_assert_eq(send(w.chan, &m, sizeof(m), MSG_NOSIGNAL),
	    (ssize_t)sizeof(m));
	test_child_expect_exit(&w, 70);
	/* The client's socket went with the worker, unanswered. */
	cr_assert_eq(read_reply(cfd, buf, sizeof(buf)), 0);
	close(cfd);
	close(t.lfd);
}

/* shutdown(SHUT_WR): no more work, but DONE can still be sent. */
Test(worker, channel_shutdown_finishes_work_and_exits_0)
{
	const char	*args[] = { "-n", "special", "-d", "200", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 8, sfd);
	cr_assert_eq(shutdown(w.chan, SHUT_WR), 0);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 8);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

/* close(): the connection in hand is still answered. */
Test(worker, channel_close_finishes_work_and_exits_0)
{
	const char	*args[] = { "-n", "special", "-d", "200", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 8, sfd);
	close(w.chan);
	w.chan = -1;
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, sigterm_exits_0_at_once)
{
	const char	*args[] = { "-n", "special", "-d", "60000", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 buf[16];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 1, sfd);
	chan_wait_taken(&w);
	cr_assert_eq(kill(w.pid, SIGTERM), 0);
	test_child_expect_exit(&w, 0);
	/* The connection in hand went with the worker, unanswered. */
	cr_assert_eq(read_reply(cfd, buf, sizeof(buf)), 0);
	close(cfd);
	close(t.lfd);
}

Test(worker, sigint_exits_0)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	cr_assert_eq(kill(w.pid, SIGINT), 0);
	test_child_expect_exit(&w, 0);
}

Test(worker, sighup_is_ignored)
{
	const char	*args[] = { "-n", "special", NULL };
	struct child	 w;
	struct tcp	 t;
	char		 want[128];
	int		 cfd, sfd;

	worker_start(&w, args);
	test_child_expect_hello(&w);
	cr_assert_eq(kill(w.pid, SIGHUP), 0);
	tcp_listen(&t);
	cfd = tcp_connect(&t, &sfd, 0);
	send_conn(&w, &t, 2, sfd);
	default_reply(want, sizeof(want), &w);
	expect_reply(cfd, want);
	close(cfd);
	expect_done(&w, 2);
	close(t.lfd);
	test_child_expect_exit(&w, 0);
}

Test(worker, bad_usage_exits_64)
{
	const char	*no_class[] = { "-r", "x", NULL };
	const char	*bad_delay[] = { "-n", "special", "-d", "soon", NULL };
	const char	*negative[] = { "-n", "special", "-d", "-5", NULL };
	const char	*extra[] = { "-n", "special", "extra", NULL };
	const char	*unknown[] = { "-n", "special", "-x", NULL };
	const char	*placeholder[] = { "-n", "special", "-r", "{x}", NULL };
	const char	*unterminated[] = { "-n", "special", "-r", "{", NULL };
	const char *const *cases[] = { no_class, bad_delay, negative, extra,
	    unknown, placeholder, unterminated };
	struct child	 w;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		worker_start(&w, cases[i]);
		test_child_expect_exit(&w, 64);
	}
}

/*
 * test_class: the hand-off of connections to a class's workers, over real
 * SOCK_SEQPACKET socketpairs and without processes: the choice of the
 * least-loaded worker, max_connections, backpressure, DONE accounting,
 * the queue's order, and resizing.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "class.h"
#include "contract.h"
#include "event.h"

#define NW	3
#define CLASS_TEST_NOFILE	65536	/* the workers' descriptor limit */

static int		 epfd = -1;
static struct class	*cls;
static int		 peer[NW];	/* the workers' ends of the channels */

/* A class of n workers whose channels lead to peer[]. */
static void
make_class(size_t n, int max_connections, int queue)
{
	struct config_class	conf;
	struct worker		*w;
	int			sv[2];
	size_t			i;

	memset(&conf, 0, sizeof(conf));
	conf.name = "normal";
	conf.reply = "hi\n";
	conf.workers = (int)n;
	conf.max_connections = max_connections;
	conf.queue = queue;
	conf.overflow = -1;
	cr_assert_neq(epfd = epoll_create1(EPOLL_CLOEXEC), -1);
	cr_assert_not_null(cls = class_new(&conf, epfd));
	cls->index = 0;
	cr_assert_eq(class_reserve(cls, n), 0);
	class_resize(cls, n);
	cr_assert_eq(cls->nworkers, n);
	for (i = 0; i < n; i++) {
		cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv), 0);
		w = cls->workers[i];
		w->chan = sv[0];
		w->hello = 1;
		w->cap = contract_max_conn(CLASS_TEST_NOFILE);
		peer[i] = sv[1];
		event_watch(epfd, EPOLL_CTL_ADD, w->chan, EPOLLIN, w);
	}
}

static void
teardown(void)
{
	size_t	i;

	if (cls == NULL)
		return;
	for (i = 0; i < cls->nworkers; i++) {
		class_channel_close(cls->workers[i]);
		close(peer[i]);
	}
	while (cls->nworkers > 0)
		class_worker_remove(cls, cls->nworkers - 1);
	class_free(cls);
	cls = NULL;
	close(epfd);
}

TestSuite(class, .fini = teardown, .timeout = 30);

/* A client connection: one end of a stream socketpair; *other the rest. */
static struct conn
client(uint64_t id, int *other)
{
	struct conn	cn;
	int		sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv), 0);
	memset(&cn, 0, sizeof(cn));
	cn.fd = sv[0];
	cn.id = id;
	cn.entry = -1;
	cn.peer.ss_family = AF_INET;
	cn.local.ss_family = AF_INET;
	*other = sv[1];
	return cn;
}

/*
 * The CONN waiting on worker i's channel: its ids in ids[] (up to
 * CHANNEL_CONN_MAX); returns how many, 0 for none.
 */
static size_t
received_batch(size_t i, uint64_t *ids)
{
	struct channel_msg	m;
	int			fds[CHANNEL_CONN_MAX];
	uint32_t		k;

	if (channel_recv(peer[i], &m, fds) != 1)
		return 0;
	cr_assert_eq(m.type, CHANNEL_CONN);
	for (k = 0; k < m.u.conn.count; k++) {
		ids[k] = m.u.conn.c[k].id;
		close(fds[k]);
	}
	return m.u.conn.count;
}

/* The id of the CONN of one waiting on worker i's channel, or 0. */
static uint64_t
received(size_t i)
{
	uint64_t	ids[CHANNEL_CONN_MAX];
	size_t		n;

	if ((n = received_batch(i, ids)) == 0)
		return 0;
	cr_assert_eq(n, 1, "a CONN of %zu connections", n);
	return ids[0];
}

/*
 * Sends connections ids first..first+n-1 in one call; the sockets are
 * closed.  *sent says how many went; order[] gets the ids as class_send
 * left them (sent first).
 */
static enum class_sent
send_batch(uint64_t first, size_t n, size_t *sent, uint64_t *order)
{
	struct conn	 cn[CLASS_SEND_MAX], *p[CLASS_SEND_MAX];
	int		 other[CLASS_SEND_MAX];
	enum class_sent	 r;
	size_t		 i;

	cr_assert_leq(n, CLASS_SEND_MAX);
	for (i = 0; i < n; i++) {
		cn[i] = client(first + i, &other[i]);
		p[i] = &cn[i];
	}
	r = class_send(cls, p, n, sent);
	for (i = 0; i < n; i++) {
		order[i] = p[i]->id;
		close(cn[i].fd);
		close(other[i]);
	}
	return r;
}

/* Sends connection id to the class; the dispatcher's copy is closed. */
static enum class_sent
send_one(uint64_t id)
{
	enum class_sent	 r;
	uint64_t	 order[1];
	size_t		 sent;

	r = send_batch(id, 1, &sent, order);
	cr_assert_eq(sent, r == CLASS_SENT ? 1u : 0u);
	return r;
}

static void
done(size_t i)
{
	struct channel_msg	m;

	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = 1;
	cr_assert_eq(class_message(cls->workers[i], &m), 0);
}

Test(class, least_loaded_then_in_turn)
{
	uint64_t	first;
	size_t		i;

	make_class(NW, 0, 0);
	/* Each worker once, in turn; then again in the same order. */
	for (i = 0; i < 2 * NW; i++)
		cr_assert_eq(send_one(i + 1), CLASS_SENT);
	cr_assert_eq(cls->inhand, 2 * NW);
	for (i = 0; i < NW; i++) {
		cr_assert_eq(cls->workers[i]->inhand, 2);
		first = received(i);
		cr_assert_eq(received(i), first + NW,
		    "worker %zu: not every NW-th connection", i);
	}
	/* The one with fewest in hand wins, whatever the turn. */
	done(1);
	cr_assert_eq(cls->inhand, 2 * NW - 1);
	cr_assert_eq(send_one(100), CLASS_SENT);
	cr_assert_eq(received(1), 100);
}

Test(class, max_connections)
{
	make_class(2, 2, 0);
	cr_assert_eq(send_one(1), CLASS_SENT);
	cr_assert_eq(send_one(2), CLASS_SENT);
	cr_assert_eq(send_one(3), CLASS_FULL);
	done(0);
	cr_assert_eq(send_one(4), CLASS_SENT);
	/* Ties go in turn from the worker after the last one picked. */
	cr_assert_eq(received(1), 1);
	cr_assert_eq(received(0), 2);
	cr_assert_eq(received(0), 4);
}

Test(class, unexpected_messages)
{
	struct channel_msg	m;

	make_class(1, 0, 0);
	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = 1;
	cr_assert_eq(class_message(cls->workers[0], &m), -1,
	    "a DONE with nothing in hand");
	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = 12345;
	cr_assert_eq(class_message(cls->workers[0], &m), -1,
	    "a HELLO from another pid");
	channel_msg_init(&m, CHANNEL_CONN);
	cr_assert_eq(class_message(cls->workers[0], &m), -1);
}

/* One DONE reports several connections, never more than are in hand. */
Test(class, done_in_batches)
{
	struct channel_msg	m;
	int			i;

	make_class(1, 0, 0);
	for (i = 1; i <= 3; i++)
		cr_assert_eq(send_one((uint64_t)i), CLASS_SENT);
	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = 4;
	cr_assert_eq(class_message(cls->workers[0], &m), -1,
	    "a DONE of more than in hand");
	cr_assert_eq(cls->inhand, 3);
	m.u.done.count = 2;
	cr_assert_eq(class_message(cls->workers[0], &m), 0);
	cr_assert_eq(cls->workers[0]->inhand, 1);
	cr_assert_eq(cls->inhand, 1);
}

/* A full channel: the worker is skipped and watched for EPOLLOUT. */
Test(class, backpressure)
{
	struct epoll_event	ev;
	unsigned		k;
	int			small = 1, n;

	make_class(2, 0, 0);
	cr_assert_eq(setsockopt(cls->workers[0]->chan, SOL_SOCKET, SO_SNDBUF,
	    &small, sizeof(small)), 0);
	cr_assert_eq(setsockopt(cls->workers[1]->chan, SOL_SOCKET, SO_SNDBUF,
	    &small, sizeof(small)), 0);
	for (n = 0; n < 10000 && send_one((uint64_t)n + 1) == CLASS_SENT; n++)
		;
	cr_assert_lt(n, 10000, "the channels never filled up");
	cr_assert(cls->workers[0]->blocked && cls->workers[1]->blocked);
	cr_assert_eq(cls->inhand, (unsigned)n);

	/* The worker reads what it was sent: its channel drains. */
	for (k = 0; received(0) != 0; k++)
		;
	cr_assert_eq(k, cls->workers[0]->inhand);
	cr_assert_eq(epoll_wait(epfd, &ev, 1, 1000), 1);
	cr_assert_eq(ev.data.ptr, cls->workers[0]);
	cr_assert(ev.events & EPOLLOUT);
	class_unblock(cls->workers[0]);
	cr_assert_eq(send_one(20000), CLASS_SENT);
	cr_assert_eq(cls->workers[0]->inhand, cls->inhand -
	    cls->workers[1]->inhand);
}

/* A worker whose process is gone: skipped, its connections uncounted. */
Test(class, lost_channel)
{
	make_class(2, 0, 0);
	cr_assert_eq(send_one(1), CLASS_SENT);
	cr_assert_eq(send_one(2), CLASS_SENT);
	close(peer[1]);
	peer[1] = -1;
	cr_assert_eq(send_one(3), CLASS_SENT);
	cr_assert_eq(send_one(4), CLASS_SENT);
	cr_assert_eq(cls->workers[1]->chan, -1);
	cr_assert_eq(cls->inhand, 3, "the lost worker's one is still counted");
	cr_assert_eq(received(0), 2);
	cr_assert_eq(received(0), 3);
	cr_assert_eq(received(0), 4);
}

/* A worker holding all that its descriptors allow is sent no more. */
Test(class, worker_cap)
{
	make_class(2, 0, 0);
	cls->workers[0]->cap = 1;
	cls->workers[1]->cap = 2;
	cr_assert_eq(send_one(1), CLASS_SENT);
	cr_assert_eq(send_one(2), CLASS_SENT);
	cr_assert_eq(send_one(3), CLASS_SENT);
	cr_assert_eq(send_one(4), CLASS_FULL, "both hold all they can");
	cr_assert_eq(cls->workers[0]->inhand, 1);
	cr_assert_eq(cls->workers[1]->inhand, 2);
	done(0);
	cr_assert_eq(send_one(5), CLASS_SENT);
	cr_assert_eq(cls->workers[0]->inhand, 1);
}

/*
 * A busy worker that reports nothing done within worker_timeout_ms is
 * hung: its channel closes and what it held is counted as lost.
 */
Test(class, hung_worker)
{
	struct worker	*a, *b;
	uint64_t	 since;

	make_class(2, 0, 0);
	cls->conf.worker_timeout_ms = 100;
	cr_assert_eq(class_deadline(cls), 0, "nothing in hand");
	cr_assert_eq(send_one(1), CLASS_SENT);
	a = cls->workers[cls->workers[0]->inhand == 1 ? 0 : 1];
	b = cls->workers[cls->workers[0]->inhand == 1 ? 1 : 0];
	since = a->progress_ms;
	cr_assert_neq(since, 0);
	cr_assert_eq(class_wake(cls), since + 100, "the timer is told");
	cr_assert_eq(class_wake(cls), 0, "once");
	cr_assert_eq(class_deadline(cls), since + 100);
	cr_assert_eq(send_one(2), CLASS_SENT);
	cr_assert_eq(b->inhand, 1);
	b->progress_ms = since + 50;

	class_watch(cls, since + 99);
	cr_assert_neq(a->chan, -1, "not yet");
	class_watch(cls, since + 100);
	cr_assert_eq(a->chan, -1);
	cr_assert_eq(cls->stats.hung, 1);
	cr_assert_eq(a->unfinished, 1, "lost when it is reaped");
	cr_assert_eq(cls->inhand, 1, "its slot is free");
	cr_assert_neq(b->chan, -1, "its sibling is not due");
	cr_assert_eq(class_deadline(cls), since + 150);

	cls->conf.worker_timeout_ms = 0;
	cr_assert_eq(class_deadline(cls), 0, "never hung with no timeout");
}

/*
 * A worker that has not said HELLO within worker_timeout_ms of its start
 * is hung, with nothing in hand: a program that does not speak the
 * protocol is replaced, not waited for.
 */
Test(class, no_hello_is_hung)
{
	struct worker	*w;

	make_class(1, 0, 0);
	w = cls->workers[0];
	cls->conf.worker_timeout_ms = 100;
	w->hello = 0;
	w->started_ms = 1000;
	cr_assert_eq(class_deadline(cls), 1100);
	class_watch(cls, 1099);
	cr_assert_neq(w->chan, -1, "not due yet");
	class_watch(cls, 1100);
	cr_assert_eq(w->chan, -1, "its channel is closed");
	cr_assert_eq(cls->stats.hung, 1);
	cr_assert_eq(class_deadline(cls), 0);
}

/* Why a message breaks the protocol, for the log. */
Test(class, check_says_why)
{
	struct channel_msg	m;
	struct worker		*w;

	make_class(1, 0, 0);
	w = cls->workers[0];
	w->hello = 0;
	w->pid = getpid();
	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = (int32_t)getpid() + 1;
	cr_assert_str_eq(class_check(w, &m),
	    "a HELLO with another pid than its own");
	m.u.hello.pid = (int32_t)getpid();
	cr_assert_null(class_check(w, &m));
	cr_assert_eq(class_message(w, &m), 0);
	cr_assert_str_eq(class_check(w, &m), "a second HELLO");
	channel_msg_init(&m, CHANNEL_DONE);
	m.u.done.count = 1;
	cr_assert_str_eq(class_check(w, &m),
	    "a DONE for more connections than it holds");
	channel_msg_init(&m, CHANNEL_CONN);
	cr_assert_str_eq(class_check(w, &m),
	    "a message only the dispatcher sends");
}

/* Queued: higher priority first, then the oldest, as slots free up. */
Test(class, queue_in_order)
{
	struct class_entry	*e;
	struct conn		 cn;
	int			 others[4], i;
	static const int	 prio[] = { 0, 5, 0, 5 };

	make_class(1, 1, 3);
	cr_assert_eq(send_one(1), CLASS_SENT);
	for (i = 0; i < 4; i++) {
		cn = client((uint64_t)i + 10, &others[i]);
		if (i < 3)
			cr_assert_eq(class_enqueue(cls, &cn, prio[i]), 0);
		else {
			errno = 0;
			cr_assert_eq(class_enqueue(cls, &cn, prio[i]), -1);
			cr_assert_eq(errno, EAGAIN, "the queue holds 3");
			close(cn.fd);
		}
	}
	cr_assert_eq(cls->queue.len, 3);
	cr_assert_eq(class_flush(cls), CLASS_FULL);
	cr_assert_eq(cls->queue.len, 3);

	done(0);
	cr_assert_eq(class_flush(cls), CLASS_FULL, "one slot, one sent");
	cr_assert_eq(cls->queue.len, 2);
	done(0);
	cr_assert_eq(class_flush(cls), CLASS_FULL);
	done(0);
	cr_assert_eq(class_flush(cls), CLASS_SENT, "the queue is empty");
	cr_assert_null(class_first(cls));
	cr_assert_eq(received(0), 1);
	cr_assert_eq(received(0), 11, "priority 5 first");
	cr_assert_eq(received(0), 10);
	cr_assert_eq(received(0), 12);

	/* A client that leaves: the entry goes, and its descriptor. */
	cn = client(20, &i);
	cr_assert_eq(class_enqueue(cls, &cn, 0), 0);
	cr_assert_not_null(e = class_first(cls));
	class_drop(e);
	cr_assert_eq(cls->queue.len, 0);
	errno = 0;
	cr_assert_eq(fcntl(cn.fd, F_GETFD), -1, "the queued copy stays open");
	class_gc(cls);
	close(i);
	for (i = 0; i < 4; i++)
		close(others[i]);
}

Test(class, resize_and_drain)
{
	make_class(2, 0, 0);
	cr_assert_eq(class_reserve(cls, 4), 0);
	cr_assert_eq(cls->nslots, 4);
	class_resize(cls, 3);
	cr_assert_eq(cls->nworkers, 3);
	class_unreserve(cls);
	cr_assert_eq(cls->nslots, 3);
	cr_assert_eq(cls->workers[2]->pid, 0, "a new slot waits to start");
	cr_assert_eq(cls->workers[2]->respawn_ms, 0, "and is due at once");

	/* A worker with a process drains; a slot without one just goes. */
	cls->workers[1]->pid = INT_MAX;
	cr_assert_eq(send_one(1), CLASS_SENT);
	class_resize(cls, 1);
	cr_assert_eq(class_live(cls), 1);
	cr_assert_eq(cls->nworkers, 2, "the worker with a process drains");
	cr_assert(cls->workers[1]->draining);
	cr_assert_eq(cls->workers[1]->chan, -1);
	cr_assert_eq(send_one(2), CLASS_SENT);
	cr_assert_eq(cls->workers[0]->inhand, cls->inhand,
	    "a draining worker's count against max_connections no more");
	cr_assert_eq(cls->workers[1]->inhand, 1);
	cr_assert_eq(class_busy(cls), 2, "a draining worker's are in hand");
	cls->workers[1]->pid = 0;
}

/*
 * A batch goes where one-by-one sends would go (least in hand, ties in
 * turn), each worker's share in one CONN, in the batch's order.
 */
Test(class, batch_spreads_as_one_by_one)
{
	uint64_t	order[7], ids[CHANNEL_CONN_MAX];
	unsigned	before[NW];
	size_t		sent, i, n, k, total = 0;

	make_class(NW, 0, 0);
	cr_assert_eq(send_batch(1, 7, &sent, order), CLASS_SENT);
	cr_assert_eq(sent, 7);
	cr_assert_eq(cls->inhand, 7);
	for (i = 0; i < NW; i++) {
		n = received_batch(i, ids);
		cr_assert_eq(n, cls->workers[i]->inhand);
		cr_assert(n == 2 || n == 3, "worker %zu: %zu of 7", i, n);
		for (k = 1; k < n; k++)
			cr_assert_eq(ids[k], ids[k - 1] + NW,
			    "worker %zu: not every NW-th connection", i);
		cr_assert_eq(received_batch(i, ids), 0, "one CONN a worker");
		total += n;
	}
	cr_assert_eq(total, 7);

	/* Two more: one each to the two with fewer, none to the fullest. */
	for (i = 0; i < NW; i++)
		before[i] = cls->workers[i]->inhand;
	cr_assert_eq(send_batch(10, 2, &sent, order), CLASS_SENT);
	for (i = 0; i < NW; i++)
		cr_assert_eq(cls->workers[i]->inhand, 3, "worker %zu had %u", i,
		    before[i]);
}

/* More than a CONN holds: CONNs of CHANNEL_CONN_MAX, then the rest. */
Test(class, batch_split_at_conn_max)
{
	uint64_t	order[40], ids[CHANNEL_CONN_MAX], next = 1;
	size_t		sent, n, k;

	make_class(1, 0, 0);
	cr_assert_eq(send_batch(1, 40, &sent, order), CLASS_SENT);
	cr_assert_eq(sent, 40);
	cr_assert_eq(received_batch(0, ids), CHANNEL_CONN_MAX);
	next += CHANNEL_CONN_MAX;
	cr_assert_eq(received_batch(0, ids), CHANNEL_CONN_MAX);
	next += CHANNEL_CONN_MAX;
	n = received_batch(0, ids);
	cr_assert_eq(n, 40 - 2 * CHANNEL_CONN_MAX);
	for (k = 0; k < n; k++)
		cr_assert_eq(ids[k], next + k);
}

/* max_connections: what fits goes, the rest comes back in order. */
Test(class, batch_stops_at_max_connections)
{
	uint64_t	order[8];
	size_t		sent, i;

	make_class(2, 5, 0);
	cr_assert_eq(send_batch(1, 8, &sent, order), CLASS_FULL);
	cr_assert_eq(sent, 5);
	cr_assert_eq(cls->inhand, 5);
	for (i = 0; i < 5; i++)
		cr_assert_leq(order[i], 5, "sent first: %llu",
		    (unsigned long long)order[i]);
	cr_assert_eq(order[5], 6);
	cr_assert_eq(order[6], 7);
	cr_assert_eq(order[7], 8);
}

/*
 * A worker whose channel is gone when its share is sent: its share goes
 * to the others in the same call, none lost, none sent twice.
 */
Test(class, batch_share_of_a_dead_worker_goes_to_the_others)
{
	uint64_t	order[6], ids[CHANNEL_CONN_MAX];
	size_t		sent, n, k;

	make_class(2, 0, 0);
	close(peer[1]);
	peer[1] = -1;
	cr_assert_eq(send_batch(1, 6, &sent, order), CLASS_SENT);
	cr_assert_eq(sent, 6);
	cr_assert_eq(cls->workers[1]->chan, -1, "lost");
	cr_assert_eq(cls->inhand, 6);
	cr_assert_eq(cls->workers[0]->inhand, 6);
	/* Its own share first, then the dead one's, each in order. */
	n = received_batch(0, ids);
	cr_assert_eq(n, 3);
	for (k = 0; k < n; k++)
		cr_assert_eq(ids[k], 2 * k + 1 + (ids[0] == 2));
	n = received_batch(0, ids);
	cr_assert_eq(n, 3);
	cr_assert_eq(received_batch(0, ids), 0);
}

/*
 * A worker's channel full: its share goes to the others; when none can
 * take, the rest comes back in order.
 */
Test(class, batch_meets_backpressure)
{
	uint64_t	order[CLASS_SEND_MAX];
	size_t		sent, total = 0;
	int		small = 1, i;

	make_class(2, 0, 0);
	cr_assert_eq(setsockopt(cls->workers[0]->chan, SOL_SOCKET, SO_SNDBUF,
	    &small, sizeof(small)), 0);
	for (i = 0; i < 1000; i++) {
		if (send_batch((uint64_t)i * CLASS_SEND_MAX + 1, CLASS_SEND_MAX,
		    &sent, order) != CLASS_SENT)
			break;
		total += sent;
	}
	cr_assert(cls->workers[0]->blocked);
	cr_assert_eq(total + sent, cls->inhand);
	cr_assert_gt(cls->workers[1]->inhand, cls->workers[0]->inhand,
	    "the worker with room took the share of the full one");
	for (i = 1; (size_t)i < CLASS_SEND_MAX - sent; i++)
		cr_assert_eq(order[sent + (size_t)i], order[sent] + (uint64_t)i,
		    "the unsent are in order");
}

/*
 * Descriptors in flight past RLIMIT_NOFILE (ETOOMANYREFS) in the middle
 * of a batch: what went stays counted, the class is held, and the rest
 * comes back in order for the caller to queue; nothing is lost.
 */
Test(class, batch_meets_toomanyrefs)
{
	struct conn	 cn[40], *p[40];
	struct rlimit	 rl, low;
	uint64_t	 ids[CHANNEL_CONN_MAX];
	int		 other[40];
	size_t		 sent, i;

	make_class(1, 0, 0);
	for (i = 0; i < 40; i++) {
		cn[i] = client(i + 1, &other[i]);
		p[i] = &cn[i];
	}
	/*
	 * The count in flight is per user, and a process with
	 * CAP_SYS_RESOURCE is exempt: a user of its own, without it.
	 */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = 4;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cr_assert_eq(setresuid(54321, 54321, 54321), 0);

	/* The first CONN finds nothing in flight; the second, 16 of them. */
	cr_assert_eq(class_send(cls, p, 40, &sent), CLASS_HELD);
	cr_assert_eq(sent, CHANNEL_CONN_MAX);
	cr_assert_eq(cls->inhand, CHANNEL_CONN_MAX);
	cr_assert_neq(cls->retry_ms, 0, "held");
	for (i = sent; i < 40; i++)
		cr_assert_eq(p[i]->id, i + 1, "the rest in order");
	cr_assert_eq(class_send(cls, p + sent, 40 - sent, &sent), CLASS_HELD,
	    "nothing sent while held");
	cr_assert_eq(sent, 0);

	/* The worker takes them: the class may send again, and does. */
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(received_batch(0, ids), CHANNEL_CONN_MAX);
	cr_assert_eq(class_retry(cls, 0), 1);
	cr_assert_eq(class_send(cls, p + CHANNEL_CONN_MAX, 1, &sent),
	    CLASS_SENT);
	cr_assert_eq(cls->hold_ms, 0, "sending again");
	for (i = 0; i < 40; i++) {
		close(cn[i].fd);
		close(other[i]);
	}
}

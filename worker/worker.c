/*
 * dispatch-worker: serves the connections its dispatcher hands over.
 *
 * The channel (a SOCK_SEQPACKET socket on CHANNEL_FD) brings CONN messages,
 * each with one client socket.  Every connection goes through the same
 * steps: an optional delay, the reply, a lingering close, then DONE back
 * to the dispatcher.  One thread and one epoll set; nothing blocks.
 *
 * All connections have the same delay and the same linger time, so their
 * deadlines come in arrival order: each timed step is a FIFO whose head
 * alone arms one timerfd.
 *
 * System calls are most of what a connection costs here, so a socket is
 * registered with epoll only when it has to wait: a fresh socket takes a
 * short reply in one send, and a client that has already closed when its
 * linger would begin is closed without ever being watched.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "contract.h"
#include "log.h"

#define WORKER_LINGER_MS	2000L		/* wait for the client's EOF */
#define WORKER_DISCARD_MAX	65536		/* client bytes read in linger */
#define WORKER_EVENTS		64		/* epoll events per wait */
#define WORKER_RECV_BATCH	64		/* channel messages per event */
#define WORKER_FD_RESERVE	16		/* descriptors not for connections */

enum worker_kind {
	WORKER_CHANNEL,
	WORKER_SIGNAL,
	WORKER_TIMER,
	WORKER_CONN,
};

/* First member of everything epoll reports: says what the pointer is. */
struct worker_src {
	enum worker_kind	 kind;
};

/* Each state is one queue; a connection is always in exactly one. */
enum worker_state {
	WORKER_DELAYED,		/* waiting for its reply time */
	WORKER_WRITING,		/* writing the reply, or waiting for EPOLLOUT */
	WORKER_SHUT,		/* replied and shut down, not yet read from */
	WORKER_LINGERING,	/* replied and shut down, discarding input */
	WORKER_CLOSED,		/* closed, its DONE not yet sent */
	WORKER_NSTATES,
};

struct worker_conn {
	struct worker_src	 src;
	TAILQ_ENTRY(worker_conn) entry;
	uint64_t		 id;
	int			 fd;
	enum worker_state	 state;
	int			 watched;	/* registered with epoll */
	uint32_t		 events;	/* as registered with epoll */
	struct timespec		 deadline;	/* DELAYED, SHUT, LINGERING */
	const char		*reply;
	char			*reply_buf;	/* own reply: it names the peer */
	size_t			 reply_len;
	size_t			 sent;
	size_t			 discarded;
	char			 peer[ADDR_STRLEN];
};

TAILQ_HEAD(worker_connq, worker_conn);

/* A FIFO of connections with increasing deadlines, and its timerfd. */
struct worker_timer {
	struct worker_src	 src;
	int			 fd;
	enum worker_state	 state;		/* the queue it watches */
	int			 armed;		/* set, and not yet fired */
	struct timespec		 when;		/* what it is set for */
};

struct worker {
	struct contract_args	 args;		/* class, reply template, delay */
	char			 pid[24];

	/*
	 * The reply, when it is the same for every connection; else its
	 * length without the peer, which it names npeer times.
	 */
	char			*reply;
	size_t			 reply_len;
	size_t			 npeer;

	int			 epfd;
	int			 sigfd;
	struct worker_src	 sig_src;
	int			 chan;
	struct worker_src	 chan_src;
	uint32_t		 chan_events;
	int			 chan_registered;
	int			 draining;	/* EOF seen: no new work */
	int			 chan_full;	/* DONE waits for EPOLLOUT */
	int			 chan_dead;	/* DONE can no longer be sent */

	struct worker_timer	 delay;
	struct worker_timer	 linger;
	struct worker_connq	 queues[WORKER_NSTATES];
	size_t			 nconn;		/* in hand: not yet closed */
	size_t			 max_conn;	/* what RLIMIT_NOFILE leaves room for */

	int			 quit;
	int			 status;
};

static _Noreturn void worker_usage(void);
static void	worker_args(struct worker *, int, char *[]);
static void	worker_setup(struct worker *);
static void	worker_free(struct worker *);
static int	worker_loop(struct worker *);
static void	worker_stop(struct worker *, int);
static size_t	worker_render(const struct worker *, const char *, char *,
		    size_t *);
static void	worker_deadline(struct timespec *, long);
static int	worker_expired(const struct timespec *,
		    const struct timespec *);
static void	worker_epoll_add(struct worker *, int, struct worker_src *);
static void	worker_timer_init(struct worker *, struct worker_timer *,
		    enum worker_state);
static void	worker_timer_update(struct worker *, struct worker_timer *);
static void	worker_timer_event(struct worker *, struct worker_timer *);
static void	worker_signal_event(struct worker *);
static void	worker_channel_event(struct worker *, uint32_t);
static void	worker_channel_read(struct worker *);
static void	worker_channel_update(struct worker *);
static void	worker_done_flush(struct worker *);
static void	worker_linger_start(struct worker *);
static void	worker_conn_new(struct worker *, const struct channel_msg *,
		    int);
static void	worker_conn_move(struct worker *, struct worker_conn *,
		    enum worker_state);
static int	worker_conn_watch(struct worker *, struct worker_conn *,
		    uint32_t);
static void	worker_conn_event(struct worker *, struct worker_conn *,
		    uint32_t);
static void	worker_conn_reply(struct worker *, struct worker_conn *);
static int	worker_conn_discard(struct worker *, struct worker_conn *);
static void	worker_conn_close(struct worker *, struct worker_conn *,
		    const char *);

int
main(int argc, char *argv[])
{
	static char	 prog[48];
	struct worker	 w;
	int		 status;

	snprintf(prog, sizeof(prog), "dispatch-worker[%ld]", (long)getpid());
	worker_args(&w, argc, argv);
	log_init(prog, w.args.verbose);
	worker_setup(&w);
	status = worker_loop(&w);
	worker_free(&w);
	return status;
}

static _Noreturn void
worker_usage(void)
{
	fprintf(stderr, "usage: dispatch-worker -n CLASS [-r REPLY] "
	    "[-d DELAY_MS] [-v]\n");
	exit(EXIT_USAGE);
}

static void
worker_args(struct worker *w, int argc, char *argv[])
{
	char	 err[128];

	memset(w, 0, sizeof(*w));
	if (contract_parse(argc, argv, &w->args, err, sizeof(err)) == -1) {
		fprintf(stderr, "dispatch-worker: %s\n", err);
		worker_usage();
	}
}

static void
worker_setup(struct worker *w)
{
	struct channel_msg	 m;
	struct rlimit		 rl;
	struct sigaction	 sa;
	sigset_t		 mask;
	socklen_t		 len;
	int			 flags, i, type;

	snprintf(w->pid, sizeof(w->pid), "%ld", (long)getpid());
	w->epfd = w->sigfd = w->delay.fd = w->linger.fd = -1;
	w->chan = CHANNEL_FD;
	for (i = 0; i < WORKER_NSTATES; i++)
		TAILQ_INIT(&w->queues[i]);

	/* First, before any descriptor of ours could take its number. */
	len = sizeof(type);
	if (getsockopt(w->chan, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		fatal("channel descriptor %d", CHANNEL_FD);
	if (type != SOCK_SEQPACKET)
		fatalx("channel descriptor %d: not a SOCK_SEQPACKET socket",
		    CHANNEL_FD);
	if ((flags = fcntl(w->chan, F_GETFL)) == -1)
		fatal("channel: fcntl");
	if ((flags & O_NONBLOCK) == 0 &&
	    fcntl(w->chan, F_SETFL, flags | O_NONBLOCK) == -1)
		fatal("channel: fcntl");
	if (fcntl(w->chan, F_SETFD, FD_CLOEXEC) == -1)
		fatal("channel: fcntl");

	/*
	 * Every connection in hand is a descriptor: allow all we may have,
	 * and stop reading the channel short of the limit, since a CONN
	 * received without room for its descriptor loses the client.  The
	 * dispatcher then sees a full channel and holds the connections.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/* Failing, it leaves the limit as it was: read it again. */
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit");
			if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
				fatal("getrlimit");
		}
	}
	w->max_conn = rl.rlim_cur > WORKER_FD_RESERVE ?
	    rl.rlim_cur - WORKER_FD_RESERVE : 1;

	/* SIGHUP is the dispatcher's business: blocked and ignored here. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		fatal("sigaction");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	sigdelset(&mask, SIGHUP);
	if ((w->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	/* Without {peer}, one reply serves every connection. */
	w->reply_len = worker_render(w, "", NULL, &w->npeer);
	if (w->npeer == 0) {
		if ((w->reply = malloc(w->reply_len + 1)) == NULL)
			fatal("malloc");
		worker_render(w, "", w->reply, NULL);
	}

	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	w->sig_src.kind = WORKER_SIGNAL;
	worker_epoll_add(w, w->sigfd, &w->sig_src);
	w->chan_src.kind = WORKER_CHANNEL;
	worker_epoll_add(w, w->chan, &w->chan_src);
	w->chan_registered = 1;
	w->chan_events = EPOLLIN;
	worker_timer_init(w, &w->delay, WORKER_DELAYED);
	worker_timer_init(w, &w->linger, WORKER_LINGERING);

	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = (int32_t)getpid();
	if (channel_send(w->chan, &m, -1) == -1)
		fatal("channel: HELLO");
	log_debug("class %s, delay %d ms: ready", w->args.class,
	    w->args.delay_ms);
}

static void
worker_free(struct worker *w)
{
	struct worker_conn	*c;
	int			 i;

	for (i = 0; i < WORKER_NSTATES; i++) {
		while ((c = TAILQ_FIRST(&w->queues[i])) != NULL) {
			TAILQ_REMOVE(&w->queues[i], c, entry);
			if (c->fd != -1)
				close(c->fd);
			free(c->reply_buf);
			free(c);
		}
	}
	free(w->reply);
	if (w->delay.fd != -1)
		close(w->delay.fd);
	if (w->linger.fd != -1)
		close(w->linger.fd);
	if (w->sigfd != -1)
		close(w->sigfd);
	if (w->epfd != -1)
		close(w->epfd);
	close(w->chan);
}

static int
worker_loop(struct worker *w)
{
	struct epoll_event	 ev[WORKER_EVENTS];
	struct worker_src	*src;
	int			 i, n;

	while (!w->quit) {
		if (w->draining && w->nconn == 0 &&
		    TAILQ_EMPTY(&w->queues[WORKER_CLOSED])) {
			log_debug("channel closed, nothing in hand: exiting");
			break;
		}
		if ((n = epoll_wait(w->epfd, ev, WORKER_EVENTS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			worker_stop(w, EXIT_OSERR);
			break;
		}
		for (i = 0; i < n && !w->quit; i++) {
			src = ev[i].data.ptr;
			switch (src->kind) {
			case WORKER_CHANNEL:
				worker_channel_event(w, ev[i].events);
				break;
			case WORKER_SIGNAL:
				worker_signal_event(w);
				break;
			case WORKER_TIMER:
				worker_timer_event(w,
				    (struct worker_timer *)(void *)src);
				break;
			case WORKER_CONN:
				worker_conn_event(w,
				    (struct worker_conn *)(void *)src,
				    ev[i].events);
				break;
			}
		}
		if (w->quit)
			break;
		worker_linger_start(w);
		/*
		 * Closed connections are freed only here, once their DONE is
		 * sent, so no event of this batch can point to freed memory.
		 */
		worker_done_flush(w);
	}
	return w->status;
}

static void
worker_stop(struct worker *w, int status)
{
	w->quit = 1;
	w->status = status;
}

/*
 * Expands the reply template for one peer into out (when not NULL) and
 * returns its length; counts in *npeer (when not NULL) the times it
 * names the peer.
 */
static size_t
worker_render(const struct worker *w, const char *peer, char *out,
    size_t *npeer)
{
	const char	*s = w->args.reply, *value;
	size_t		 len = 0, n, skip;

	if (npeer != NULL)
		*npeer = 0;
	for (; *s != '\0'; s += skip) {
		value = NULL;
		skip = 1;
		/* Every placeholder starts with '{': other bytes are copied. */
		if (*s == '{') {
			switch (contract_placeholder(s, &skip)) {
			case CONTRACT_BRACE:
				value = "{";
				break;
			case CONTRACT_CLASS:
				value = w->args.class;
				break;
			case CONTRACT_PID:
				value = w->pid;
				break;
			case CONTRACT_PEER:
				value = peer;
				if (npeer != NULL)
					(*npeer)++;
				break;
			case CONTRACT_NONE:
				/* Not in a template contract_parse took. */
				break;
			}
		}
		if (value == NULL) {
			if (out != NULL)
				out[len] = *s;
			len++;
			continue;
		}
		n = strlen(value);
		if (out != NULL)
			memcpy(out + len, value, n);
		len += n;
	}
	if (out != NULL)
		out[len] = '\0';
	return len;
}

static void
worker_deadline(struct timespec *ts, long ms)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) == -1)
		fatal("clock_gettime");
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int
worker_expired(const struct timespec *deadline, const struct timespec *now)
{
	return deadline->tv_sec < now->tv_sec ||
	    (deadline->tv_sec == now->tv_sec &&
	    deadline->tv_nsec <= now->tv_nsec);
}

static void
worker_epoll_add(struct worker *w, int fd, struct worker_src *src)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = src;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl");
}

static void
worker_timer_init(struct worker *w, struct worker_timer *t,
    enum worker_state state)
{
	t->src.kind = WORKER_TIMER;
	t->state = state;
	t->armed = 0;
	if ((t->fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	worker_epoll_add(w, t->fd, &t->src);
}

/*
 * Arms the timer for the head of its queue when it is idle or set for
 * later.  Deadlines only grow along a queue, so a timer set for a head
 * that has left since fires early, finds nothing due and is set again:
 * one call per expiry rather than one per connection.  An empty queue
 * leaves the timer as it is for the same reason.
 */
static void
worker_timer_update(struct worker *w, struct worker_timer *t)
{
	const struct worker_conn	*head;
	struct itimerspec		 its;

	head = TAILQ_FIRST(&w->queues[t->state]);
	if (head == NULL ||
	    (t->armed && worker_expired(&t->when, &head->deadline)))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value = head->deadline;
	if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	t->armed = 1;
	t->when = head->deadline;
}

static void
worker_timer_event(struct worker *w, struct worker_timer *t)
{
	struct worker_conn	*c;
	struct timespec		 now;
	uint64_t		 expirations;
	int			 fired;

	/* EAGAIN: set again since it fired, and not due yet. */
	fired = read(t->fd, &expirations, sizeof(expirations)) ==
	    (ssize_t)sizeof(expirations);
	if (!fired && errno != EAGAIN)
		log_warn("timerfd");
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		fatal("clock_gettime");
	/*
	 * Each step below takes the head out of this queue.  The timer still
	 * counts as set meanwhile, so that it is set once, for the head left.
	 */
	while ((c = TAILQ_FIRST(&w->queues[t->state])) != NULL &&
	    worker_expired(&c->deadline, &now)) {
		if (t->state == WORKER_DELAYED)
			worker_conn_reply(w, c);
		else
			worker_conn_close(w, c, "linger timeout");
	}
	if (fired)
		t->armed = 0;
	worker_timer_update(w, t);
}

static void
worker_signal_event(struct worker *w)
{
	struct signalfd_siginfo	 si;
	ssize_t			 n;

	while ((n = read(w->sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_debug("signal %u: exiting", si.ssi_signo);
			worker_stop(w, 0);
			return;
		}
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("signalfd");
}

static void
worker_channel_event(struct worker *w, uint32_t events)
{
	if (!w->draining && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		worker_channel_read(w);
	if (w->quit)
		return;
	if (events & EPOLLOUT)
		w->chan_full = 0;
	if (w->draining && (events & (EPOLLHUP | EPOLLERR))) {
		/* Closed on the other side too: DONE can no longer go. */
		w->chan_dead = 1;
	}
	/* After EPOLLOUT, the flush at the end of the batch sends DONE. */
	worker_channel_update(w);
}

static void
worker_channel_read(struct worker *w)
{
	struct channel_msg	 m;
	int			 i, fd, r;

	for (i = 0; i < WORKER_RECV_BATCH && w->nconn < w->max_conn; i++) {
		r = channel_recv(w->chan, &m, &fd);
		if (r == 1 && m.type == CHANNEL_CONN) {
			worker_conn_new(w, &m, fd);
			continue;
		}
		if (r == 1) {
			log_warnx("channel: unexpected message type %u",
			    (unsigned)m.type);
			worker_stop(w, EXIT_SOFTWARE);
			return;
		}
		if (r == 0) {
			log_debug("channel closed: finishing %zu connection(s)",
			    w->nconn);
			w->draining = 1;
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EPROTO) {
			log_warnx("channel: malformed message");
			worker_stop(w, EXIT_SOFTWARE);
			return;
		}
		log_warn("channel: receive");
		w->draining = 1;
		return;
	}
}

/* Registers the channel for what it is still needed for. */
static void
worker_channel_update(struct worker *w)
{
	struct epoll_event	 ev;
	uint32_t		 events = 0;

	if (!w->chan_registered)
		return;
	if (w->draining && w->chan_dead) {
		if (epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->chan, NULL) == -1)
			log_warn("channel: epoll_ctl");
		w->chan_registered = 0;
		return;
	}
	if (!w->draining && w->nconn < w->max_conn)
		events |= EPOLLIN;
	if (!w->chan_dead && !TAILQ_EMPTY(&w->queues[WORKER_CLOSED]))
		events |= EPOLLOUT;
	if (events == w->chan_events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = &w->chan_src;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->chan, &ev) == -1)
		fatal("channel: epoll_ctl");
	w->chan_events = events;
}

/* Sends DONE for closed connections, in order, and frees them. */
static void
worker_done_flush(struct worker *w)
{
	struct worker_connq	*q = &w->queues[WORKER_CLOSED];
	struct worker_conn	*c;
	struct channel_msg	 m;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		if (!w->chan_dead) {
			if (w->chan_full)
				break;
			channel_msg_init(&m, CHANNEL_DONE);
			m.u.done.id = c->id;
			if (channel_send(w->chan, &m, -1) == -1) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					w->chan_full = 1;
					break;
				}
				if (errno == EPIPE || errno == ECONNRESET)
					log_debug("channel: dispatcher gone");
				else
					log_warn("channel: DONE");
				w->chan_dead = 1;
			}
		}
		TAILQ_REMOVE(q, c, entry);
		free(c);
	}
	worker_channel_update(w);
}

/*
 * Gives each connection shut down in this turn of the loop its first read.
 * It waits until now because a client usually closes as soon as it has
 * the reply: the later the read, the more often it finds EOF, and such a
 * connection is closed without an epoll_ctl or a wake-up.  Those whose
 * client sent something join the lingering queue in order, so its
 * deadlines still grow.
 */
static void
worker_linger_start(struct worker *w)
{
	struct worker_conn	*c;

	while ((c = TAILQ_FIRST(&w->queues[WORKER_SHUT])) != NULL) {
		if (!worker_conn_discard(w, c))
			continue;
		/*
		 * A client that has sent nothing waits for us to speak first:
		 * it has no bytes in flight that could turn the close into a
		 * reset, and lingering is for clients that send (nginx, too,
		 * lingers only when more input may come).
		 */
		if (c->discarded == 0) {
			worker_conn_close(w, c, "replied");
			continue;
		}
		worker_conn_move(w, c, WORKER_LINGERING);
		if (worker_conn_watch(w, c, EPOLLIN | EPOLLRDHUP) == -1)
			worker_conn_close(w, c, "epoll_ctl failed");
	}
}

static void
worker_conn_new(struct worker *w, const struct channel_msg *m, int fd)
{
	struct worker_conn	*c;
	struct channel_msg	 done;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		/* No room to queue its DONE either: now or never. */
		log_warn("connection %" PRIu64 ": calloc", m->u.conn.id);
		close(fd);
		channel_msg_init(&done, CHANNEL_DONE);
		done.u.done.id = m->u.conn.id;
		if (w->chan_dead || w->chan_full ||
		    channel_send(w->chan, &done, -1) == -1)
			log_warnx("connection %" PRIu64 ": DONE lost",
			    m->u.conn.id);
		return;
	}
	c->src.kind = WORKER_CONN;
	c->id = m->u.conn.id;
	c->fd = fd;
	c->state = WORKER_WRITING;
	TAILQ_INSERT_TAIL(&w->queues[WORKER_WRITING], c, entry);
	w->nconn++;
	/* For the reply and the debug log only. */
	if ((w->reply == NULL || w->args.verbose) &&
	    addr_ntop((const struct sockaddr *)&m->u.conn.peer, c->peer,
	    sizeof(c->peer)) == NULL)
		snprintf(c->peer, sizeof(c->peer), "unknown");

	/*
	 * From here on, every failure ends in close, hence DONE.  The socket
	 * is left as it came, blocking or not: its file status flags may be
	 * shared, and every send and recv here says MSG_DONTWAIT.
	 */
	if (w->reply != NULL) {
		c->reply = w->reply;
		c->reply_len = w->reply_len;
	} else {
		c->reply_len = w->reply_len + w->npeer * strlen(c->peer);
		if ((c->reply_buf = malloc(c->reply_len + 1)) == NULL) {
			log_warn("connection %" PRIu64 ": malloc", c->id);
			worker_conn_close(w, c, "out of memory");
			return;
		}
		worker_render(w, c->peer, c->reply_buf, NULL);
		c->reply = c->reply_buf;
	}

	if (w->args.delay_ms > 0) {
		/* No events: a client that resets meanwhile still shows. */
		worker_deadline(&c->deadline, w->args.delay_ms);
		worker_conn_move(w, c, WORKER_DELAYED);
		if (worker_conn_watch(w, c, 0) == -1)
			worker_conn_close(w, c, "epoll_ctl failed");
	} else
		worker_conn_reply(w, c);
}

/* Moves a connection to the queue of a state; keeps both timers on time. */
static void
worker_conn_move(struct worker *w, struct worker_conn *c,
    enum worker_state state)
{
	if (state == c->state)
		return;
	TAILQ_REMOVE(&w->queues[c->state], c, entry);
	TAILQ_INSERT_TAIL(&w->queues[state], c, entry);
	c->state = state;
	worker_timer_update(w, &w->delay);
	worker_timer_update(w, &w->linger);
}

/* Registers the socket with epoll for events, or changes what it waits for. */
static int
worker_conn_watch(struct worker *w, struct worker_conn *c, uint32_t events)
{
	struct epoll_event	 ev;

	if (c->watched && events == c->events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = &c->src;
	if (epoll_ctl(w->epfd, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    c->fd, &ev) == -1) {
		log_warn("connection %" PRIu64 ": epoll_ctl", c->id);
		return -1;
	}
	c->watched = 1;
	c->events = events;
	return 0;
}

static void
worker_conn_event(struct worker *w, struct worker_conn *c, uint32_t events)
{
	switch (c->state) {
	case WORKER_DELAYED:
	case WORKER_WRITING:
		/* A reset or vanished client is routine: nothing to say. */
		if (events & (EPOLLHUP | EPOLLERR))
			worker_conn_close(w, c, "client gone");
		else if (c->state == WORKER_WRITING && (events & EPOLLOUT))
			worker_conn_reply(w, c);
		break;
	case WORKER_LINGERING:
		worker_conn_discard(w, c);
		break;
	case WORKER_SHUT:
		/* Its first read, before the next wait, tells all. */
	case WORKER_CLOSED:
	case WORKER_NSTATES:
		break;
	}
}

static void
worker_conn_reply(struct worker *w, struct worker_conn *c)
{
	ssize_t	 n;

	while (c->sent < c->reply_len) {
		n = send(c->fd, c->reply + c->sent, c->reply_len - c->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			c->sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			worker_conn_move(w, c, WORKER_WRITING);
			if (worker_conn_watch(w, c, EPOLLOUT) == -1)
				worker_conn_close(w, c, "epoll_ctl failed");
			return;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			worker_conn_close(w, c, "client gone");
		else {
			log_warn("connection %" PRIu64 ": send", c->id);
			worker_conn_close(w, c, "send failed");
		}
		return;
	}

	/*
	 * Closing with unread client bytes would send RST, which can destroy
	 * the reply before the client reads it: send FIN, then read and
	 * discard until the client closes too, or for a bounded time.
	 */
	if (shutdown(c->fd, SHUT_WR) == -1) {
		worker_conn_close(w, c, "client gone");
		return;
	}
	worker_deadline(&c->deadline, WORKER_LINGER_MS);
	worker_conn_move(w, c, WORKER_SHUT);
}

/* Reads and discards what the client sent; returns 0 once it is closed. */
static int
worker_conn_discard(struct worker *w, struct worker_conn *c)
{
	char	 buf[4096];
	ssize_t	 n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			c->discarded += (size_t)n;
			if (c->discarded >= WORKER_DISCARD_MAX) {
				worker_conn_close(w, c, "replied, input cut");
				return 0;
			}
			continue;
		}
		if (n == 0) {
			worker_conn_close(w, c, "replied");
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		worker_conn_close(w, c, "replied, client gone");
		return 0;
	}
}

/* Closes the client socket; the connection waits for its DONE. */
static void
worker_conn_close(struct worker *w, struct worker_conn *c, const char *how)
{
	/*
	 * Explicitly: another reference to the socket (the dispatcher's, in
	 * a race) would keep it in the epoll set after close.
	 */
	if (c->watched &&
	    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL) == -1)
		log_warn("connection %" PRIu64 ": epoll_ctl", c->id);
	c->watched = 0;
	close(c->fd);
	c->fd = -1;
	free(c->reply_buf);
	c->reply_buf = NULL;
	c->reply = NULL;
	log_debug("connection %" PRIu64 " from %s: done, %s", c->id, c->peer,
	    how);
	worker_conn_move(w, c, WORKER_CLOSED);
	w->nconn--;
}

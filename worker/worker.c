/*
 * dispatch-worker: serves the connections its dispatcher hands over.
 *
 * This file starts the worker and runs its loop: the command line, the
 * channel and the signals, and the DONE messages, sent in order as
 * connections close and held while the channel is full.  What happens to
 * one connection is in worker_conn.c; worker.h has the map.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "contract.h"
#include "log.h"
#include "worker.h"

#define WORKER_EVENTS		64		/* epoll events per wait */
#define WORKER_RECV_BATCH	64		/* channel messages per event */

static _Noreturn void worker_usage(void);
static void	worker_args(struct worker *, int, char *[]);
static void	worker_setup(struct worker *);
static void	worker_free(struct worker *);
static int	worker_loop(struct worker *);
static void	worker_stop(struct worker *, int);
static void	worker_signal_event(struct worker *);
static void	worker_channel_event(struct worker *, uint32_t);
static void	worker_channel_read(struct worker *);
static void	worker_channel_update(struct worker *);
static void	worker_done_flush(struct worker *);

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
	    "[-d DELAY_MS] [-w WRITE_TIMEOUT_MS] [-H reply|http] "
	    "[-T HTTP_TIMEOUT_MS] [-v]\n"
	    "       dispatch-worker -n CLASS -H exec [-x EXEC_TIMEOUT_MS] "
	    "[-v] -- PROGRAM [ARG...]\n");
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
	w->epfd = w->sigfd = w->delay.fd = w->write.fd = w->linger.fd =
	    w->reading.fd = -1;
	w->run.fd = w->stop.fd = -1;
	w->exec = strcmp(w->args.handler, CONTRACT_HANDLER_EXEC) == 0;
	w->http = strcmp(w->args.handler, CONTRACT_HANDLER_HTTP) == 0;
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
	w->max_conn = contract_max_conn(rl.rlim_cur);

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
	sigaddset(&mask, SIGCHLD);	/* a program's end, with "exec" */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	sigdelset(&mask, SIGHUP);
	if ((w->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	worker_conn_init(w);

	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	w->sig_src.kind = WORKER_SIGNAL;
	worker_epoll_add(w, w->sigfd, &w->sig_src);
	w->chan_src.kind = WORKER_CHANNEL;
	worker_channel_update(w);
	worker_timer_init(w, &w->delay, WORKER_DELAYED, w->args.delay_ms);
	worker_timer_init(w, &w->write, WORKER_WRITING,
	    w->args.write_timeout_ms);
	worker_timer_init(w, &w->linger, WORKER_LINGERING, WORKER_LINGER_MS);
	if (w->exec)
		worker_exec_init(w);
	worker_timer_init(w, &w->reading, WORKER_READING,
	    w->http ? w->args.http_timeout_ms : 0);

	channel_msg_init(&m, CHANNEL_HELLO);
	m.u.hello.pid = (int32_t)getpid();
	if (channel_send(w->chan, &m, NULL) == -1)
		fatal("channel: HELLO");
	if (w->exec)
		log_debug("class %s, exec %s, exec timeout %d ms: ready",
		    w->args.class, w->args.command[0],
		    w->args.exec_timeout_ms);
	else
		log_debug("class %s, delay %d ms, write timeout %d ms: ready",
		    w->args.class, w->args.delay_ms,
		    w->args.write_timeout_ms);
}

static void
worker_free(struct worker *w)
{
	struct worker_conn	*c;
	int			 i;

	if (w->exec)
		worker_exec_stop(w);
	for (i = 0; i < WORKER_NSTATES; i++) {
		while ((c = TAILQ_FIRST(&w->queues[i])) != NULL) {
			TAILQ_REMOVE(&w->queues[i], c, entry);
			if (c->fd != -1)
				close(c->fd);
			free(c->reply_buf);
			worker_http_free(c);
			free(c);
		}
	}
	free(w->reply);
	if (w->delay.fd != -1)
		close(w->delay.fd);
	if (w->write.fd != -1)
		close(w->write.fd);
	if (w->linger.fd != -1)
		close(w->linger.fd);
	if (w->run.fd != -1)
		close(w->run.fd);
	if (w->stop.fd != -1)
		close(w->stop.fd);
	free(w->env);
	if (w->reading.fd != -1)
		close(w->reading.fd);
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
		/*
		 * A full array may have left events in epoll's ready list:
		 * then what this wait reported is not all there is to know.
		 */
		w->events_full = n == WORKER_EVENTS;
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
		worker_conn_linger_start(w);
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

void
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
		if (si.ssi_signo == SIGCHLD)
			worker_exec_reap(w);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("signalfd");
}

static void
worker_channel_event(struct worker *w, uint32_t events)
{
	/*
	 * A hang-up or an error: the dispatcher has closed its end, so DONE
	 * can no longer go.  What it sent before is still there to read.
	 */
	if (events & (EPOLLHUP | EPOLLERR))
		w->chan_dead = 1;
	if (!w->draining && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		worker_channel_read(w);
	if (w->quit)
		return;
	if (events & EPOLLOUT)
		w->chan_full = 0;
	/* After EPOLLOUT, the flush at the end of the batch sends DONE. */
	worker_channel_update(w);
}

static void
worker_channel_read(struct worker *w)
{
	struct channel_msg	 m;
	int			 fds[CHANNEL_CONN_MAX];
	int			 i, r;
	uint32_t		 k;

	for (i = 0; i < WORKER_RECV_BATCH && w->nconn < w->max_conn; i++) {
		r = channel_recv(w->chan, &m, fds);
		if (r == 1 && m.type == CHANNEL_CONN) {
			for (k = 0; k < m.u.conn.count; k++) {
				if (w->exec)
					worker_exec_new(w, &m.u.conn.c[k],
					    fds[k]);
				else
					worker_conn_new(w, &m.u.conn.c[k],
					    fds[k]);
			}
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

/*
 * Registers the channel for what it is still needed for.  epoll reports
 * a hang-up whatever it is asked for: once the dispatcher has gone, a
 * channel with nothing to wait for leaves the set, or every wait would
 * return at once (a worker at its descriptor limit reads nothing until a
 * connection ends).  It comes back when there is room to read again.
 */
static void
worker_channel_update(struct worker *w)
{
	struct epoll_event	 ev;
	uint32_t		 events = 0;

	if (!w->draining && w->nconn < w->max_conn)
		events |= EPOLLIN;
	if (!w->chan_dead && !TAILQ_EMPTY(&w->queues[WORKER_CLOSED]))
		events |= EPOLLOUT;
	if (events == 0 && w->chan_dead) {
		if (w->chan_registered &&
		    epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->chan, NULL) == -1)
			log_warn("channel: epoll_ctl");
		w->chan_registered = 0;
		return;
	}
	if (w->chan_registered && events == w->chan_events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = &w->chan_src;
	if (epoll_ctl(w->epfd, w->chan_registered ? EPOLL_CTL_MOD :
	    EPOLL_CTL_ADD, w->chan, &ev) == -1)
		fatal("channel: epoll_ctl");
	w->chan_registered = 1;
	w->chan_events = events;
}

/*
 * Reports the closed connections, in order, up to CHANNEL_DONE_MAX a
 * DONE, and frees them: one message for all that one wake-up closed.
 */
static void
worker_done_flush(struct worker *w)
{
	struct worker_connq	*q = &w->queues[WORKER_CLOSED];
	struct worker_conn	*c;
	struct channel_msg	 m;
	uint32_t		 i, n;

	while (!TAILQ_EMPTY(q)) {
		if (!w->chan_dead) {
			if (w->chan_full)
				break;
			channel_msg_init(&m, CHANNEL_DONE);
			n = 0;
			TAILQ_FOREACH(c, q, entry) {
				m.u.done.id[n] = c->id;
				if (++n == CHANNEL_DONE_MAX)
					break;
			}
			m.u.done.count = n;
			if (channel_send(w->chan, &m, NULL) == -1) {
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
		} else
			n = CHANNEL_DONE_MAX;	/* nobody to tell */
		for (i = 0; i < n && (c = TAILQ_FIRST(q)) != NULL; i++) {
			TAILQ_REMOVE(q, c, entry);
			free(c);
		}
	}
	worker_channel_update(w);
}

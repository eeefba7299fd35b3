/*
 * worker_conn: one connection's way through the worker, a queue per
 * state: an optional delay, the reply (rendered once for all when it does
 * not name the peer), the write, then a lingering close; closed, it waits
 * in WORKER_CLOSED for worker.c to send its DONE.
 *
 * System calls are most of what a connection costs here, so a socket is
 * registered with epoll only when it has to wait: a fresh socket takes a
 * short reply in one send, and a client that has sent nothing is closed
 * without ever being watched.  A socket that does wait (its delay, or a
 * reply the client is slow to take) is watched for input as well, edge-
 * triggered: when its reply is done, epoll has already said whether the
 * client sent anything, and a silent client is closed without a read; the
 * sockets never watched are asked all at once, in one poll a turn.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "contract.h"
#include "log.h"
#include "worker.h"

#define WORKER_DISCARD_MAX	65536		/* client bytes read in linger */
#define WORKER_PROBE_MAX	64		/* sockets asked in one poll */
/* What says the client sent something: bytes, its EOF, or an error. */
#define WORKER_INPUT		(EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)

static size_t	worker_conn_render(const struct worker *, const char *,
		    char *, size_t *);
static int	worker_conn_wait(struct worker *, struct worker_conn *,
		    uint32_t);
static int	worker_conn_discard(struct worker *, struct worker_conn *);
static void	worker_conn_linger(struct worker *, struct worker_conn *);

/* What every connection shares: without {peer}, one reply serves all. */
void
worker_conn_init(struct worker *w)
{
	w->reply_len = worker_conn_render(w, "", NULL, &w->npeer);
	if (w->npeer == 0) {
		if ((w->reply = malloc(w->reply_len + 1)) == NULL)
			fatal("malloc");
		worker_conn_render(w, "", w->reply, NULL);
	}
}

/*
 * Expands the reply template for one peer into out (when not NULL) and
 * returns its length; counts in *npeer (when not NULL) the times it
 * names the peer.
 */
static size_t
worker_conn_render(const struct worker *w, const char *peer, char *out,
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

struct worker_conn *
worker_conn_add(struct worker *w, const struct channel_conn *cc, int fd)
{
	struct worker_conn	*c;
	struct channel_msg	 done;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		/* No room to queue its DONE either: now or never. */
		log_warn("connection %" PRIu64 ": calloc", cc->id);
		close(fd);
		channel_msg_init(&done, CHANNEL_DONE);
		done.u.done.id[0] = cc->id;
		done.u.done.count = 1;
		if (w->chan_dead || w->chan_full ||
		    channel_send(w->chan, &done, NULL) == -1)
			log_warnx("connection %" PRIu64 ": DONE lost",
			    cc->id);
		return NULL;
	}
	c->src.kind = WORKER_CONN;
	c->id = cc->id;
	c->fd = fd;
	c->state = WORKER_WRITING;
	TAILQ_INSERT_TAIL(&w->queues[WORKER_WRITING], c, entry);
	w->nconn++;
	/* For the reply and the log only. */
	if ((w->reply == NULL || w->exec || w->args.verbose) &&
	    addr_ntop((const struct sockaddr *)&cc->peer, c->peer,
	    sizeof(c->peer)) == NULL)
		snprintf(c->peer, sizeof(c->peer), "unknown");
	return c;
}

void
worker_conn_new(struct worker *w, const struct channel_conn *cc, int fd)
{
	struct worker_conn	*c;

	if ((c = worker_conn_add(w, cc, fd)) == NULL)
		return;

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
		worker_conn_render(w, c->peer, c->reply_buf, NULL);
		c->reply = c->reply_buf;
	}

	if (w->http)
		worker_http_start(w, c);
	else
		worker_conn_answer(w, c);
}

void
worker_conn_answer(struct worker *w, struct worker_conn *c)
{
	if (w->args.delay_ms > 0) {
		worker_timer_deadline(&c->deadline, w->args.delay_ms);
		worker_conn_move(w, c, WORKER_DELAYED);
		if (worker_conn_wait(w, c, 0) == -1)
			worker_conn_close(w, c, "epoll_ctl failed");
	} else
		worker_conn_reply(w, c);
}

void
worker_conn_move(struct worker *w, struct worker_conn *c,
    enum worker_state state)
{
	if (state == c->state)
		return;
	TAILQ_REMOVE(&w->queues[c->state], c, entry);
	TAILQ_INSERT_TAIL(&w->queues[state], c, entry);
	c->state = state;
	worker_timer_update(w, &w->delay);
	worker_timer_update(w, &w->write);
	worker_timer_update(w, &w->linger);
	worker_timer_update(w, &w->reading);
	worker_timer_update(w, &w->run);
	worker_timer_update(w, &w->stop);
}

int
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

/*
 * Registers a socket that has to wait, for out (EPOLLOUT or 0) and, until
 * the client has shown input, for that input.  Edge-triggered: the input
 * is left unread until the reply is done, and level-triggered it would be
 * reported at every wait.  An EPOLL_CTL_ADD or MOD reports what is already
 * there, so from here on every byte the client sends is known.
 */
static int
worker_conn_wait(struct worker *w, struct worker_conn *c, uint32_t out)
{
	return worker_conn_watch(w, c, EPOLLET | out |
	    (c->input ? 0 : EPOLLIN | EPOLLRDHUP));
}

void
worker_conn_event(struct worker *w, struct worker_conn *c, uint32_t events)
{
	if (events & WORKER_INPUT)
		c->input = 1;
	switch (c->state) {
	case WORKER_READING:
		worker_http_read(w, c);
		break;
	case WORKER_DELAYED:
	case WORKER_WRITING:
		/* A reset or vanished client is routine: nothing to say. */
		if (events & (EPOLLHUP | EPOLLERR)) {
			worker_conn_close(w, c, "client gone");
			break;
		}
		if (c->state == WORKER_WRITING && (events & EPOLLOUT))
			worker_conn_reply(w, c);
		/*
		 * Input known once is enough: a client trickling bytes would
		 * wake the worker for each while its reply waits.
		 */
		if ((c->state == WORKER_DELAYED ||
		    c->state == WORKER_WRITING) && c->input &&
		    (c->events & EPOLLIN) &&
		    worker_conn_wait(w, c, c->events & EPOLLOUT) == -1)
			worker_conn_close(w, c, "epoll_ctl failed");
		break;
	case WORKER_LINGERING:
		worker_conn_discard(w, c);
		break;
	case WORKER_REPLIED:
		/* The end of the turn reads it: input is noted above. */
	case WORKER_RUNNING:	/* a program's: never watched */
	case WORKER_STOPPING:
	case WORKER_KILLED:
	case WORKER_CLOSED:
	case WORKER_NSTATES:
		break;
	}
}

/*
 * The reply goes with MSG_MORE: its last bytes wait in the socket for the
 * FIN and leave with it, one segment where a send then a close make two,
 * each one the client's kernel takes in, acknowledges and wakes it for.
 * They wait a moment only: a whole reply moves the connection to
 * WORKER_REPLIED, and the end of the same turn shuts it down
 * (worker_conn_linger), which sends them.
 */
void
worker_conn_reply(struct worker *w, struct worker_conn *c)
{
	ssize_t	 n;

	while (c->sent < c->reply_len) {
		n = send(c->fd, c->reply + c->sent, c->reply_len - c->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
		if (n >= 0) {
			c->sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!c->watched || !(c->events & EPOLLOUT)) {
				/*
				 * Its first wait: the client has the write
				 * timeout from now on to take the rest.  A new
				 * connection is already last in WRITING, where
				 * it was queued, so the move leaves the write
				 * timer to be set here.
				 */
				worker_timer_deadline(&c->deadline,
				    w->args.write_timeout_ms);
				worker_conn_move(w, c, WORKER_WRITING);
				worker_timer_update(w, &w->write);
			}
			if (worker_conn_wait(w, c, EPOLLOUT) == -1)
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

	/* Input that comes in the rest of this turn is still seen. */
	worker_conn_move(w, c, WORKER_REPLIED);
}

/*
 * A client that does not read keeps a reply waiting, and TCP's zero-window
 * probes keep its connection alive: without a bound it would hold its
 * class's slot for ever.  A reset drops the unsent rest at once, where a
 * close would leave it to the kernel.  As nginx does at its send_timeout,
 * it is logged as information: the client's doing, not a fault here.
 */
void
worker_conn_write_timeout(struct worker *w, struct worker_conn *c)
{
	static const struct linger	 reset = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof(ss);
	char				 peer[ADDR_PORTSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == -1)
		ss.ss_family = AF_UNSPEC;
	addr_unmap(&ss);
	if (addr_format((struct sockaddr *)&ss, peer, sizeof(peer)) == NULL)
		snprintf(peer, sizeof(peer), "unknown");
	log_info("connection %" PRIu64 " from %s: reply not taken within "
	    "%d ms (%zu of %zu bytes sent); reset", c->id, peer,
	    w->args.write_timeout_ms, c->sent, c->reply_len);
	if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset,
	    sizeof(reset)) == -1)
		log_warn("connection %" PRIu64 ": SO_LINGER", c->id);
	worker_conn_close(w, c, "write timeout");
}

/*
 * Ends each connection replied in this turn of the loop, or starts its
 * linger.  Closing with unread client bytes would send RST, which can
 * destroy the reply before the client reads it; a client that has sent
 * nothing waits for us to speak first, has no bytes in flight that could
 * turn the close into a reset, and is closed once shut down (nginx, too,
 * lingers only when more input may come).
 *
 * Whether it sent anything: a watched socket's input has been reported by
 * the waits since it was registered, unless the last wait was cut short
 * by a full array; for the others, one poll over all of them says (one
 * system call for the turn's replies, not one each).  The poll waits
 * until now, the end of the turn, to let bytes the client sent with its
 * connect arrive.  Those whose client sent something are read (the
 * shutdown has shown the client the end of the reply, so that it closes)
 * and join the lingering queue in order, so its deadlines still grow.
 */
void
worker_conn_linger_start(struct worker *w)
{
	struct worker_conn	*c, *batch[WORKER_PROBE_MAX];
	struct pollfd		 pfd[WORKER_PROBE_MAX];
	size_t			 i, n, nprobe;

	while (!TAILQ_EMPTY(&w->queues[WORKER_REPLIED])) {
		n = nprobe = 0;
		TAILQ_FOREACH(c, &w->queues[WORKER_REPLIED], entry) {
			if (n == WORKER_PROBE_MAX)
				break;
			/* poll passes over a negative descriptor: epoll knows. */
			pfd[n].fd = c->watched && !w->events_full ? -1 : c->fd;
			pfd[n].events = POLLIN | POLLRDHUP;
			pfd[n].revents = 0;
			nprobe += pfd[n].fd != -1;
			batch[n++] = c;
		}
		/* Without an answer, each is read, as if it had sent bytes. */
		if (nprobe > 0 && poll(pfd, n, 0) == -1)
			for (i = 0; i < n; i++)
				pfd[i].revents = pfd[i].fd != -1 ? POLLIN : 0;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents != 0)
				batch[i]->input = 1;
			worker_conn_linger(w, batch[i]);
		}
	}
}

/*
 * After the poll: the shutdown sends the reply's last bytes with the FIN,
 * from here, where a close would not always: while the dispatcher still
 * holds its copy of the socket (a worker that preempted it), the close
 * sends nothing, and the reply would wait for the dispatcher's close and
 * cost it the sending; and a close over bytes that came since the poll
 * is a reset, which drops what the socket holds unsent.  Then a silent
 * client is closed, and one that sent something is read until it closes.
 */
static void
worker_conn_linger(struct worker *w, struct worker_conn *c)
{
	if (shutdown(c->fd, SHUT_WR) == -1) {
		worker_conn_close(w, c, "replied, client gone");
		return;
	}
	if (!c->input && !c->more) {
		worker_conn_close(w, c, "replied");
		return;
	}
	if (!worker_conn_discard(w, c))
		return;
	if (c->discarded == 0 && !c->more) {
		worker_conn_close(w, c, "replied");
		return;
	}
	worker_timer_deadline(&c->deadline, WORKER_LINGER_MS);
	worker_conn_move(w, c, WORKER_LINGERING);
	if (worker_conn_watch(w, c, EPOLLIN | EPOLLRDHUP | EPOLLET) == -1)
		worker_conn_close(w, c, "epoll_ctl failed");
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
void
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
	/* A program's connection was closed here when the program started. */
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->reply_buf);
	c->reply_buf = NULL;
	c->reply = NULL;
	worker_http_free(c);
	log_debug("connection %" PRIu64 " from %s: done, %s", c->id, c->peer,
	    how);
	worker_conn_move(w, c, WORKER_CLOSED);
	w->nconn--;
}

#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "metrics.h"

struct metrics_client {
	int				 type;	/* EVENT_METRICS_CLIENT, 0 once gone */
	struct metrics			*m;
	int				 fd;
	char				 req[METRICS_REQUEST_MAX];
	size_t				 reqlen;
	struct buf			 out;	/* what is left to write */
	uint64_t			 deadline_ms;
	TAILQ_ENTRY(metrics_client)	 entry;
};
TAILQ_HEAD(metrics_clients, metrics_client);

struct metrics {
	int			 type;		/* EVENT_METRICS */
	int			 fd;
	struct {
		int		 type;		/* EVENT_METRICS_TIMER */
		int		 fd;
	}			 timer;
	int			 epfd;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	metrics_render_fn	*render;
	void			*arg;
	struct metrics_clients	 clients;
	size_t			 nclients;
	struct metrics_clients	 dead;		/* freed by metrics_gc */
};

struct metrics *
metrics_open(const struct config_addr *a, int fd, int epfd,
    metrics_render_fn *render, void *arg)
{
	struct metrics	*m;
	int		 on = 1, saved;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		return NULL;
	}
	m->type = EVENT_METRICS;
	m->timer.type = EVENT_METRICS_TIMER;
	m->epfd = epfd;
	m->ss = a->ss;
	m->sslen = a->sslen;
	m->render = render;
	m->arg = arg;
	TAILQ_INIT(&m->clients);
	TAILQ_INIT(&m->dead);
	m->timer.fd = -1;
	m->fd = fd != -1 ? fd : socket(a->ss.ss_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd == -1 || (fd == -1 &&
	    (setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(m->fd, (const struct sockaddr *)&a->ss, a->sslen) == -1 ||
	    listen(m->fd, METRICS_MAX_CLIENTS * 2) == -1)) ||
	    (m->timer.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1) {
		saved = errno;
		if (m->fd != -1)
			close(m->fd);
		free(m);
		errno = saved;
		return NULL;
	}
	event_watch(epfd, EPOLL_CTL_ADD, m->fd, EPOLLIN, m);
	event_watch(epfd, EPOLL_CTL_ADD, m->timer.fd, EPOLLIN, &m->timer);
	return m;
}

int
metrics_fd(const struct metrics *m)
{
	return m->fd;
}

int
metrics_is(const struct metrics *m, const struct config_addr *a)
{
	return addr_same(&m->ss, m->sslen, &a->ss, a->sslen);
}

/* Arms the timer for the earliest deadline of a scrape in progress. */
static void
metrics_arm(struct metrics *m)
{
	struct metrics_client	*c;
	uint64_t		 when = 0;

	TAILQ_FOREACH(c, &m->clients, entry)
		if (when == 0 || c->deadline_ms < when)
			when = c->deadline_ms;
	clock_timer_at(m->timer.fd, when);
}

/* Ends a scrape; it is freed between batches of events (metrics_gc). */
static void
metrics_end(struct metrics_client *c)
{
	struct metrics	*m = c->m;

	close(c->fd);
	c->type = 0;
	buf_free(&c->out);
	TAILQ_REMOVE(&m->clients, c, entry);
	TAILQ_INSERT_TAIL(&m->dead, c, entry);
	/* Room again: the backlog may hold the next scrape. */
	if (m->nclients-- == METRICS_MAX_CLIENTS)
		event_watch(m->epfd, EPOLL_CTL_MOD, m->fd, EPOLLIN, m);
}

static void
metrics_accept(struct metrics *m)
{
	struct metrics_client	*c;
	int			 fd, sndbuf = METRICS_SNDBUF;

	while (m->nclients < METRICS_MAX_CLIENTS) {
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR)
				log_warn("metrics: accept");
			return;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_warn("metrics: scrape");
			close(fd);
			return;
		}
		c->type = EVENT_METRICS_CLIENT;
		c->m = m;
		c->fd = fd;
		buf_init(&c->out);
		c->deadline_ms = clock_ms() + METRICS_TIMEOUT_MS;
		TAILQ_INSERT_TAIL(&m->clients, c, entry);
		event_watch(m->epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c);
		if (++m->nclients == METRICS_MAX_CLIENTS)
			/* The others wait in the backlog, not in our memory. */
			event_watch(m->epfd, EPOLL_CTL_MOD, m->fd, 0, m);
	}
	metrics_arm(m);
}

/* Writes what the client takes now: 1 when all of it went. */
static int
metrics_write(struct metrics_client *c)
{
	ssize_t	n;

	while (c->out.len > 0) {
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		buf_consume(&c->out, (size_t)n);
	}
	return 1;
}

static void
metrics_status(struct buf *b, const char *status, const char *body)
{
	buf_printf(b, "HTTP/1.1 %s\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", status, strlen(body), body);
}

/* The answer to a whole request, in c->out. */
static void
metrics_answer(struct metrics_client *c)
{
	struct metrics	*m = c->m;
	struct buf	 body;
	char		*sp, *line = c->req;
	size_t		 n;
	int		 head;

	line[strcspn(line, "\r\n")] = '\0';
	if ((sp = strchr(line, ' ')) == NULL || strncmp(sp + 1, "/", 1) != 0 ||
	    strstr(sp + 1, " HTTP/1.") == NULL) {
		metrics_status(&c->out, "400 Bad Request", "bad request\n");
		return;
	}
	*sp = '\0';
	head = strcmp(line, "HEAD") == 0;
	if (!head && strcmp(line, "GET") != 0) {
		metrics_status(&c->out, "405 Method Not Allowed",
		    "only GET and HEAD\n");
		return;
	}
	n = strcspn(sp + 1, " ?");
	if (n != strlen("/metrics") || strncmp(sp + 1, "/metrics", n) != 0) {
		metrics_status(&c->out, "404 Not Found",
		    "the metrics are at /metrics\n");
		return;
	}
	buf_init(&body);
	m->render(m->arg, &body);
	if (body.failed) {
		buf_free(&body);
		metrics_status(&c->out, "503 Service Unavailable",
		    "out of memory\n");
		return;
	}
	buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", body.len);
	if (!head)
		buf_append(&c->out, body.data, body.len);
	buf_free(&body);
}

/*
 * Reads the request until its blank line; nothing after it is read, as
 * only GET and HEAD, which have no body, are answered.
 */
static void
metrics_read(struct metrics_client *c)
{
	ssize_t	n;
	int	rc;

	for (;;) {
		n = recv(c->fd, c->req + c->reqlen,
		    sizeof(c->req) - 1 - c->reqlen, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			metrics_end(c);
			return;
		}
		c->reqlen += (size_t)n;
		c->req[c->reqlen] = '\0';
		if (strstr(c->req, "\r\n\r\n") != NULL ||
		    strstr(c->req, "\n\n") != NULL)
			break;
		if (c->reqlen == sizeof(c->req) - 1) {
			metrics_status(&c->out,
			    "431 Request Header Fields Too Large",
			    "request too large\n");
			break;
		}
	}
	if (c->out.len == 0)
		metrics_answer(c);
	if ((rc = metrics_write(c)) != 0 || c->out.failed) {
		if (rc == 1)
			shutdown(c->fd, SHUT_WR);
		metrics_end(c);
		return;
	}
	event_watch(c->m->epfd, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
}

static void
metrics_expire(struct metrics *m)
{
	struct metrics_client	*c, *next;
	uint64_t		 ticks, now = clock_ms();

	(void)read(m->timer.fd, &ticks, sizeof(ticks));
	for (c = TAILQ_FIRST(&m->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->deadline_ms <= now) {
			log_debug("metrics: a scrape took over %d ms; closed",
			    METRICS_TIMEOUT_MS);
			metrics_end(c);
		}
	}
	metrics_arm(m);
}

void
metrics_event(struct metrics *m, void *ptr, uint32_t events)
{
	struct metrics_client	*c = ptr;

	switch (*(int *)ptr) {
	case EVENT_METRICS:
		metrics_accept(m);
		return;
	case EVENT_METRICS_TIMER:
		metrics_expire(m);
		return;
	case EVENT_METRICS_CLIENT:
		if (c->out.len == 0) {
			metrics_read(c);
			return;
		}
		if (events & (EPOLLERR | EPOLLHUP) || metrics_write(c) != 0) {
			shutdown(c->fd, SHUT_WR);
			metrics_end(c);
		}
		return;
	}
}

void
metrics_gc(struct metrics *m)
{
	struct metrics_client	*c;

	while ((c = TAILQ_FIRST(&m->dead)) != NULL) {
		TAILQ_REMOVE(&m->dead, c, entry);
		free(c);
	}
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	while (!TAILQ_EMPTY(&m->clients))
		metrics_end(TAILQ_FIRST(&m->clients));
	metrics_gc(m);
	close(m->timer.fd);
	/* Handed to an upgrade's new dispatcher, it lives on: see listener.c. */
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->fd, NULL);
	close(m->fd);
	free(m);
}

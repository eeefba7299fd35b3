/*
 * worker_http: the "http" handler.  A connection first waits in
 * WORKER_READING for its request head (http_head.c judges it as it comes),
 * for the class's HTTP timeout at most; then it is answered as HTTP: the
 * reply as the body of a 200 after the class's delay, or at once an error
 * status.  The answer is written, and the connection closed or lingered
 * on, as any reply (worker_conn.c).
 *
 * The head is read as it comes, edge-triggered, into a buffer of
 * HTTP_HEAD_MAX bytes of its own: what a client may make the worker hold
 * is that buffer, for that time.  A client that may still be sending (a
 * body announced, bytes after the head, or a head refused before its
 * end) gets the lingering close, so that its bytes do not turn the close
 * into a reset that could destroy the answer.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_head.h"
#include "log.h"
#include "worker.h"

#define WORKER_HTTP_STATUS_TIMEOUT	408

struct worker_http {
	struct http_head	 head;
	size_t			 len;	/* bytes in buf */
	char			 buf[HTTP_HEAD_MAX];
};

static void	worker_http_answer(struct worker *, struct worker_conn *, int);
static const char *worker_http_date(void);

void
worker_http_start(struct worker *w, struct worker_conn *c)
{
	if ((c->http = malloc(sizeof(*c->http))) == NULL) {
		log_warn("connection %" PRIu64 ": malloc", c->id);
		worker_conn_close(w, c, "out of memory");
		return;
	}
	http_head_init(&c->http->head);
	c->http->len = 0;
	worker_timer_deadline(&c->deadline, w->args.http_timeout_ms);
	worker_conn_move(w, c, WORKER_READING);
	/* The head most often came with the connection: no wait then. */
	worker_http_read(w, c);
}

void
worker_http_read(struct worker *w, struct worker_conn *c)
{
	struct worker_http	*h = c->http;
	enum http_head_status	 status = HTTP_HEAD_PARTIAL;
	ssize_t			 n;

	/* The parse ends before the buffer is full: there is always room. */
	while (status == HTTP_HEAD_PARTIAL) {
		n = recv(c->fd, h->buf + h->len, sizeof(h->buf) - h->len,
		    MSG_DONTWAIT);
		if (n > 0) {
			c->input = 1;
			h->len += (size_t)n;
			status = http_head_parse(&h->head, h->buf, h->len);
			continue;
		}
		if (n == 0) {
			if (h->len == 0) {
				worker_conn_close(w, c, "no request");
				return;
			}
			/* The client has ended its side within the head. */
			status = HTTP_HEAD_BAD;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (worker_conn_watch(w, c,
			    EPOLLIN | EPOLLRDHUP | EPOLLET) == -1)
				worker_conn_close(w, c, "epoll_ctl failed");
			return;
		}
		worker_conn_close(w, c, "client gone");
		return;
	}
	worker_http_answer(w, c, status);
}

void
worker_http_timeout(struct worker *w, struct worker_conn *c)
{
	worker_http_answer(w, c, WORKER_HTTP_STATUS_TIMEOUT);
}

void
worker_http_free(struct worker_conn *c)
{
	free(c->http);
	c->http = NULL;
}

/*
 * Replaces the connection's reply with the HTTP answer of that status:
 * the reply as its body for 200, a line saying the status for the others,
 * and no body at all for a HEAD.  A 200 waits for the class's delay; an
 * error goes at once.
 */
static void
worker_http_answer(struct worker *w, struct worker_conn *c, int status)
{
	const struct http_head	*head = &c->http->head;
	char			 hdr[512], line[64];
	const char		*body = c->reply, *reason;
	size_t			 body_len = c->reply_len, n;
	char			*out;
	int			 len;

	reason = http_head_reason(status);
	if (status != HTTP_HEAD_OK) {
		snprintf(line, sizeof(line), "%d %s\n", status, reason);
		body = line;
		body_len = strlen(line);
	}
	len = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "Connection: close\r\n\r\n", status, reason, worker_http_date(),
	    body_len, status == HTTP_HEAD_METHOD ? "Allow: GET, HEAD\r\n" : "");
	/* The status of a head judged whole says whether a body may follow. */
	c->more = status != HTTP_HEAD_OK || head->body ||
	    c->http->len > head->len;
	if (status == HTTP_HEAD_OK && head->head)
		body_len = 0;
	n = (size_t)len + body_len;
	log_debug("connection %" PRIu64 " from %s: HTTP %d", c->id, c->peer,
	    status);
	worker_http_free(c);
	if ((out = malloc(n + 1)) == NULL) {
		log_warn("connection %" PRIu64 ": malloc", c->id);
		worker_conn_close(w, c, "out of memory");
		return;
	}
	memcpy(out, hdr, (size_t)len);
	memcpy(out + len, body, body_len);
	out[n] = '\0';
	free(c->reply_buf);
	c->reply_buf = out;
	c->reply = out;
	c->reply_len = n;
	if (status == HTTP_HEAD_OK)
		worker_conn_answer(w, c);
	else
		worker_conn_reply(w, c);
}

/*
 * The Date field (RFC 9110 6.6.1), made once a second: the worker is one
 * thread, and the string serves every answer of that second.
 */
static const char *
worker_http_date(void)
{
	static char	 date[40];
	static time_t	 made = -1;
	struct tm	 tm;
	time_t		 now = time(NULL);

	if (now != made && gmtime_r(&now, &tm) != NULL &&
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	    &tm) > 0)
		made = now;
	return date;
}

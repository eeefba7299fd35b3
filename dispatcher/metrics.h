/*
 * metrics: the Prometheus endpoint, an HTTP/1.x server of one page
 * (GET /metrics) run from the dispatcher's event loop.
 *
 * It never blocks the loop: non-blocking sockets, at most
 * METRICS_MAX_CLIENTS scrapes at once (further ones wait in the
 * listening socket's backlog), each given METRICS_TIMEOUT_MS for its
 * request and the answer, whose body is rendered in one go and written
 * as the client takes it.  Every answer closes its connection.
 */
#ifndef METRICS_H
#define METRICS_H

#include <sys/socket.h>

#include "buf.h"

#define METRICS_MAX_CLIENTS	8
#define METRICS_TIMEOUT_MS	5000
#define METRICS_REQUEST_MAX	4096	/* the request line and headers */
/*
 * The kernel's buffer for a scrape's answer: loopback's would take
 * megabytes of a client that does not read.
 */
#define METRICS_SNDBUF		65536

struct config_addr;
struct metrics;

/* Writes the page's body. */
typedef void	 metrics_render_fn(void *arg, struct buf *);

/*
 * Listens on the address, watched by epfd: NULL with errno set when it
 * cannot (the caller says so).  With fd other than -1, that socket,
 * listening on the address already (an upgrade's), is taken instead,
 * and closed on failure.
 */
struct metrics	*metrics_open(const struct config_addr *, int fd, int epfd,
		    metrics_render_fn *, void *arg);
/* Its listening socket, for an upgrade to pass on. */
int		 metrics_fd(const struct metrics *);
/* Closes the listening socket and every scrape in progress. */
void		 metrics_close(struct metrics *);
/* Whether it listens on that address. */
int		 metrics_is(const struct metrics *, const struct config_addr *);
/* An event on one of its descriptors (EVENT_METRICS*: what ptr is). */
void		 metrics_event(struct metrics *, void *ptr, uint32_t events);
/* Frees the scrapes that ended in the last batch of events. */
void		 metrics_gc(struct metrics *);

#endif

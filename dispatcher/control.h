/*
 * control: the control socket, a Unix stream socket on which an operator
 * (socat - UNIX-CONNECT:PATH) asks the running dispatcher what it does,
 * served from the dispatcher's own event loop.
 *
 * The protocol: one command a line (CONTROL_LINE_MAX bytes at most, the
 * newline included; a "\r" before it is ignored, as are empty lines),
 * several a connection.  Every answer is zero or more lines of data,
 * then one line that ends it: "ok", or "error " and why.  An unknown
 * command gets its error line; an overlong line gets one and the
 * connection is closed.  At the end of its input, a client gets the
 * answers still due, then the close.
 *
 * Nothing a client does can stall the daemon: every write is
 * non-blocking, and answers not taken wait in a buffer of at most
 * CONTROL_OUT_MAX bytes, beyond which the client is dropped.  At most
 * CONTROL_CLIENTS_MAX clients at once (the next get an error line and
 * the close), none idle for longer than CONTROL_IDLE_MS.  None counts
 * against the routing path's limits.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"

#define CONTROL_LINE_MAX	1024
#define CONTROL_OUT_MAX		(1024 * 1024)
#define CONTROL_CLIENTS_MAX	8
#define CONTROL_IDLE_MS		60000
#define CONTROL_PAUSE_MS	100	/* out of descriptors: no accept */

struct control;
struct pool;

/*
 * Reloads the configuration as SIGHUP does, handing each problem to
 * report as well as to the log: 0 when the new one runs, -1 when the
 * previous one goes on.
 */
typedef int	 control_reload_fn(void *arg, config_report_fn *report,
		    void *report_arg);
/* Writes the metrics (stats.h), which "stats" shows without comments. */
typedef void	 control_stats_fn(void *arg, struct buf *);
/* Writes "workers"' lines: control_pool_workers for each pool. */
typedef void	 control_workers_fn(void *arg, FILE *);

/*
 * One line per worker of the pool, retired classes' included; a shard's
 * (shard >= 0) end with "shard=N".
 */
void		 control_pool_workers(FILE *, const struct pool *, int shard);

/*
 * Makes cf's control socket and watches it on epfd; NULL (logged) when
 * it cannot: a live dispatcher answers on that path, a file that is not
 * a socket is there, or a system call failed.  A socket file that no
 * process answers on is the leftover of a dead dispatcher: replaced.
 * With fd other than -1, that socket, listening on the file at the path
 * already (an upgrade's), is taken instead, with the file.
 * The configuration, and any the dispatcher reloads (control_configure),
 * must outlive their use.
 */
struct control	*control_open(const struct config *cf, int fd, int epfd,
		    control_reload_fn *, control_stats_fn *,
		    control_workers_fn *, void *arg);

/* Its listening socket, for an upgrade to pass on. */
int		 control_fd(const struct control *ctl);

/*
 * The file is another process's now (an upgrade's new dispatcher):
 * control_close leaves it where it is.  ctl may be NULL.
 */
void		 control_disown(struct control *ctl);

/*
 * The dispatcher runs next, from old: the socket stays as it was made,
 * and a change to its settings is logged as taking effect at the next
 * start.  ctl may be NULL (no socket).
 */
void		 control_configure(struct control *ctl,
		    const struct config *old, const struct config *next);

/* An event on an object of type EVENT_CONTROL_*. */
void		 control_event(struct control *, void *ptr, uint32_t events);

/*
 * Between batches of events: runs the reloads asked for (a reload frees
 * what other events of the batch may point at) and frees the clients
 * gone.  ctl may be NULL.
 */
void		 control_settle(struct control *ctl);

/* Closes every client and the socket, and removes its file. */
void		 control_close(struct control *ctl);

#endif

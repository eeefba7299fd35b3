/*
 * worker: what the files of dispatch-worker share; private to worker/.
 *
 * The channel (a SOCK_SEQPACKET socket on CHANNEL_FD) brings CONN messages,
 * each with one client socket.  Every connection goes through the same
 * steps: an optional delay, the reply, a lingering close, then DONE back
 * to the dispatcher.  One thread and one epoll set; nothing blocks.
 *
 *   worker.c        main, start-up, the loop, signals, the channel and
 *                   the DONE messages
 *   worker_conn.c   one connection's states: delay, reply, write,
 *                   lingering close
 *   worker_timer.c  the delay, write and linger deadlines, one timerfd
 *                   each
 *   worker_exec.c   "-H exec": a program run per connection, its
 *                   environment, its time limit, its exit
 *   worker_http.c   handler "http": the request head read first, then an
 *                   HTTP answer (http_head.c judges the head)
 */
#ifndef WORKER_H
#define WORKER_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "channel.h"
#include "contract.h"

#define WORKER_LINGER_MS	2000L		/* wait for the client's EOF */

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
	WORKER_READING,		/* reading its HTTP request head */
	WORKER_DELAYED,		/* waiting for its reply time */
	WORKER_WRITING,		/* writing the reply, or waiting for EPOLLOUT */
	WORKER_REPLIED,		/* replied; closed or lingers at the turn's end */
	WORKER_LINGERING,	/* replied and shut down, discarding input */
	WORKER_RUNNING,		/* its program runs, within exec_timeout_ms */
	WORKER_STOPPING,	/* its program had SIGTERM: SIGKILL is next */
	WORKER_KILLED,		/* its program had SIGKILL: waiting for its end */
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
	int			 input;		/* epoll saw bytes, EOF or an error */
	struct timespec		 deadline;	/* of a timed state */
	const char		*reply;
	char			*reply_buf;	/* own reply: it names the peer */
	size_t			 reply_len;
	size_t			 sent;
	size_t			 discarded;
	int			 more;		/* may still send: linger */
	struct worker_http	*http;		/* its head, while it is read */
	char			 peer[ADDR_STRLEN];
	pid_t			 pid;		/* its program's, with "exec" */
};

TAILQ_HEAD(worker_connq, worker_conn);

struct worker_http;

/* A FIFO of connections with increasing deadlines, and its timerfd. */
struct worker_timer {
	struct worker_src	 src;
	int			 fd;
	enum worker_state	 state;		/* the queue it watches */
	int			 armed;		/* set, and not yet fired */
	struct timespec		 when;		/* what it is set for */
};

struct worker {
	struct contract_args	 args;		/* class, reply, delay, timeout */
	int			 http;		/* handler "http" */
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
	int			 events_full;	/* the last wait filled its array */

	struct worker_timer	 delay;
	struct worker_timer	 write;		/* none without a write timeout */
	struct worker_timer	 linger;
	struct worker_timer	 run;		/* exec_timeout_ms; none without */
	struct worker_timer	 stop;		/* the SIGTERM's grace */
	int			 exec;		/* the "exec" handler */
	char			**env;		/* worker_exec.c's, or NULL */
	size_t			 nenv;		/* inherited, kept for programs */
	struct worker_timer	 reading;	/* none without handler "http" */
	struct worker_connq	 queues[WORKER_NSTATES];
	size_t			 nconn;		/* in hand: not yet closed */
	size_t			 max_conn;	/* what RLIMIT_NOFILE leaves room for */

	int			 quit;
	int			 status;
};

/* worker.c: watches fd for EPOLLIN, reported as src. */
void	worker_epoll_add(struct worker *, int fd, struct worker_src *src);

/*
 * worker_conn.c.  Every step that ends a connection closes its socket and
 * moves it to WORKER_CLOSED, where it waits for its DONE; nothing here
 * frees it.
 */
/* Renders the reply once, when it is the same for every connection. */
void	worker_conn_init(struct worker *);
/* Takes over one connection of a CONN: replies at once or queues it. */
void	worker_conn_new(struct worker *, const struct channel_conn *, int fd);
/*
 * A new connection in hand, in WORKER_WRITING; NULL when there is no
 * memory for it, its socket then closed and its DONE sent or lost.
 */
struct worker_conn *worker_conn_add(struct worker *,
	    const struct channel_conn *, int fd);
/* Moves a connection to the queue of a state; keeps the timers on time. */
void	worker_conn_move(struct worker *, struct worker_conn *,
	    enum worker_state);
void	worker_conn_event(struct worker *, struct worker_conn *,
	    uint32_t events);
/* Moves it to the state's queue: keeps the timers on time. */
void	worker_conn_move(struct worker *, struct worker_conn *,
	    enum worker_state);
/* Registers the socket with epoll for events, or changes them: 0 or -1. */
int	worker_conn_watch(struct worker *, struct worker_conn *,
	    uint32_t events);
/* Its reply, after the class's delay. */
void	worker_conn_answer(struct worker *, struct worker_conn *);
/* Writes what is left of the reply; then the connection is REPLIED. */
void	worker_conn_reply(struct worker *, struct worker_conn *);
/* Resets a connection whose client has not taken its reply in time. */
void	worker_conn_write_timeout(struct worker *, struct worker_conn *);
/* Closes, or starts the linger of, each connection replied in this turn. */
void	worker_conn_linger_start(struct worker *);
void	worker_conn_close(struct worker *, struct worker_conn *,
	    const char *how);

/*
 * worker_exec.c: the "exec" handler.  A connection's program runs in
 * WORKER_RUNNING, is stopped past its time limit, and its exit, reaped on
 * SIGCHLD, closes the connection.
 */
/* The environment the programs inherit; the run and stop timers. */
void	worker_exec_init(struct worker *);
/* Runs the program for one connection of a CONN. */
void	worker_exec_new(struct worker *, const struct channel_conn *, int fd);
/* SIGTERM for a program past exec_timeout_ms, SIGKILL past its grace. */
void	worker_exec_timeout(struct worker *, struct worker_conn *);
/* Reaps every program that has ended: their connections are done. */
void	worker_exec_reap(struct worker *);
/* The worker is going: SIGTERM to every program still running. */
void	worker_exec_stop(struct worker *);

/*
 * worker_http.c, for handler "http".  A connection reads its head in
 * WORKER_READING, then takes its answer as its reply.
 */
/* Starts reading the head of a new connection, its reply rendered. */
void	worker_http_start(struct worker *, struct worker_conn *);
/* Reads what came; answers once the head is judged. */
void	worker_http_read(struct worker *, struct worker_conn *);
/* Answers a connection whose head did not come in time: 408. */
void	worker_http_timeout(struct worker *, struct worker_conn *);
void	worker_http_free(struct worker_conn *);

/*
 * worker_timer.c: the reading, delay, write, linger, run and stop timers,
 * set for their queue's head.  A timer without a time limit has no timerfd (fd -1).
 */
void	worker_timer_deadline(struct timespec *, long ms);
/* A timer for the state's deadlines, ms after entry; none for 0 ms. */
void	worker_timer_init(struct worker *, struct worker_timer *,
	    enum worker_state, long ms);
/* Sets the timer again when its queue's head changed. */
void	worker_timer_update(struct worker *, struct worker_timer *);
/* Takes every due connection out of the timer's queue. */
void	worker_timer_event(struct worker *, struct worker_timer *);

#endif

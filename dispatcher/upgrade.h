/*
 * upgrade: a new binary takes over the listening sockets of the running
 * one, without a moment when the ports are closed.
 *
 * The old dispatcher, on SIGUSR2, starts the program at its own path
 * (upgrade_save) with its own command line and UPGRADE_ENV naming the
 * descriptor of the new one's end of a SOCK_SEQPACKET socketpair, and
 * sends on it one struct upgrade_msg per listening socket, the socket in
 * SCM_RIGHTS: each listener's lanes in group order, the metrics
 * endpoint's, the control socket's, then UPGRADE_END.  The new one reads
 * them before it opens anything (upgrade_init), takes those its
 * configuration has (upgrade_listener, upgrade_metrics, upgrade_control),
 * starts its workers and sends UPGRADE_READY with its pid
 * (upgrade_ready).  Only then does the old one close its copies, which
 * leaves every socket, and the connections waiting in it, to the new one,
 * and drain.  A new one that exits, closes the channel or says nothing
 * within the time limit is killed and reaped; the old one serves on as
 * it was.
 */
#ifndef UPGRADE_H
#define UPGRADE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define UPGRADE_ENV		"DISPATCHER_UPGRADE_FD"
#define UPGRADE_FD		3	/* the new one's end of the channel */
#define UPGRADE_RECV_MS		10000	/* for the old one's sockets to come */
#define UPGRADE_SOCKETS_MAX	65536	/* received, at most */
/* A listener's sockets: a lane each a shard. */
#define UPGRADE_GROUP_MAX	(LANES_MAX * CONFIG_MAX_ACCEPTORS)
#define UPGRADE_NAME_MAX	128	/* an address or a socket file's path */

/* What one message of the channel carries. */
enum upgrade_kind {
	UPGRADE_LANE = 1,	/* a lane of the listener at name */
	UPGRADE_METRICS,	/* the metrics endpoint listening at name */
	UPGRADE_CONTROL,	/* the control socket whose file is name */
	UPGRADE_END,		/* no socket: every one is sent */
	UPGRADE_READY,		/* no socket, new to old: pid serves */
};

struct upgrade_msg {
	uint32_t	kind;
	uint32_t	lane;		/* UPGRADE_LANE: its place in the group */
	int32_t		pid;		/* UPGRADE_READY: the new dispatcher */
	char		name[UPGRADE_NAME_MAX];	/* NUL-terminated */
};

struct config;
struct config_addr;
struct config_listener;
struct control;
struct listener;
struct metrics;

/*
 * At the start of main, before getopt moves anything: the command line
 * to run again, and the path of the program (argv[0] made absolute,
 * looked up in PATH if it has no slash, symbolic links left as they
 * are), which is where the new binary will be.
 */
void	upgrade_save(int argc, char *argv[]);

/*
 * The old side.
 *
 * upgrade_start, on SIGUSR2: starts the new dispatcher and begins sending
 * it the sockets, watched by epfd.  Returns 0, or -1 (logged) when it
 * cannot or an upgrade is in progress already.  The listeners, metrics
 * and control given must stay open until upgrade_event returns the new
 * one's pid or the upgrade ends otherwise (upgrade_busy).
 */
int	upgrade_start(int epfd, int timeout_ms, struct listener *const *,
	    size_t, const struct metrics *, const struct control *);

/* Whether an upgrade is in progress: started and not reaped. */
int	upgrade_busy(void);

/*
 * An event on the channel or the timer (EVENT_UPGRADE*), safe amid a
 * batch of events: returns the new dispatcher's pid when it said it is
 * ready (the caller then stops accepting and drains), else 0.  A
 * failure is logged and the new one killed, but for one that closed its
 * channel: it is given until the time limit to exit.
 */
pid_t	upgrade_event(void *ptr, uint32_t events);

/*
 * A child that is no worker was reaped (pool_reap): if it was the new
 * dispatcher, how it ended is logged and the upgrade is over.
 */
void	upgrade_reaped(pid_t, int status);

/* Stopping: a new dispatcher that is not ready yet is killed. */
void	upgrade_abort(void);

/*
 * The new side.
 *
 * upgrade_init: with UPGRADE_ENV set, reads every socket the old one
 * sends (UPGRADE_RECV_MS at most) and removes the variable, so that no
 * worker sees it.  Returns 0 (nothing to read, or all of it read), or -1
 * logged.
 */
int	upgrade_init(void);

/*
 * The listener made of the sockets received for cl's address, which it
 * now owns, with a sibling a shard of nshards (shard.h); or NULL when
 * none were received, or (logged) when they do not divide among the
 * shards or memory runs out.  A lone socket, a dispatcher's without
 * lanes or shards, is the first shard's only.
 */
struct listener	*upgrade_listener(const struct config_listener *cl,
		    size_t nshards);

/* The socket received for the metrics at a, or for the control socket
 * at path, now the caller's; or -1. */
int	upgrade_metrics(const struct config_addr *a);
int	upgrade_control(const char *path);

/*
 * Once serving: closes the sockets of listeners no longer configured
 * (a control socket's file with them) and tells the old dispatcher it
 * is ready.
 */
void	upgrade_ready(void);

/* Closes what is left: the channel, any socket not taken. */
void	upgrade_free(void);

#endif

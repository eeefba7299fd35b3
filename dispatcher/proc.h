/*
 * proc: the workers' processes: start with a channel on CHANNEL_FD,
 * back off when they keep dying, log how they ended, signal them.
 */
#ifndef PROC_H
#define PROC_H

#include "class.h"
#include "contract.h"

#define PROC_RESPAWN_MIN_MS	100	/* first delay for a worker that keeps dying */
#define PROC_RESPAWN_MAX_MS	10000
#define PROC_STABLE_MS		1000	/* a worker that lived this long is fine */

/*
 * Starts the worker's process with those arguments and a new channel,
 * which it watches on epfd; on failure (logged) the next attempt is
 * scheduled by proc_later.
 */
void	proc_start(struct worker *, const struct contract_args *, int epfd);

/*
 * A channel to a child: a SOCK_SEQPACKET socketpair, non-blocking and
 * close-on-exec, whose sv[1], the child's, is not descriptor fd (dup2 onto
 * itself would keep FD_CLOEXEC).  0, or -1 with errno set.
 */
int	proc_channel(int sv[2], int fd);

/*
 * posix_spawn of program with argv and env, chan on descriptor fd of the
 * child, with the attributes of spawnattr.c: 0, or an errno.
 */
int	proc_spawn_with(pid_t *, const char *program, char *const argv[],
	    char *const env[], int chan, int fd);

/* Schedules the next start of a worker that failed to start or died. */
void	proc_later(struct worker *);

/* How many connections in its hands a worker's end lost (wait status). */
unsigned proc_lost(const struct worker *, int status);

/* Logs how a worker ended: as information when expected and clean. */
void	proc_log_exit(const struct worker *, int status, int expected);

/* Gives a running worker its class's scheduling policy (sched_batch). */
void	proc_sched(const struct worker *);

/* Sends sig to the worker's process, if it has one. */
void	proc_signal(const struct worker *, int sig);

#endif

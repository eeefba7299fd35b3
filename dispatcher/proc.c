#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "clock.h"
#include "event.h"
#include "log.h"
#include "proc.h"
#include "spawnattr.h"

extern char **environ;

void
proc_later(struct worker *w)
{
	uint64_t	now = clock_ms(), delay = 0;
	unsigned	i;

	/* One that never said HELLO failed, however long it took to. */
	if (w->hello && w->started_ms != 0 &&
	    now - w->started_ms >= PROC_STABLE_MS)
		w->fails = 0;
	else
		w->fails++;
	/* The first quick death is restarted at once, then 100 ms, 200 ms... */
	if (w->fails > 1) {
		delay = PROC_RESPAWN_MIN_MS;
		for (i = 2; i < w->fails && delay < PROC_RESPAWN_MAX_MS; i++)
			delay *= 2;
		if (delay > PROC_RESPAWN_MAX_MS)
			delay = PROC_RESPAWN_MAX_MS;
		log_warnx("class %s: worker keeps dying; next start in "
		    "%" PRIu64 " ms", w->cls->conf.name, delay);
	}
	w->pid = 0;
	w->started_ms = 0;
	w->respawn_ms = now + delay;
}

/*
 * The class's settings (av->env), then our environment without the
 * variables they replace; NULL when out of memory.
 */
static char **
proc_env(const struct contract_argv *av)
{
	char	**env;
	size_t	  i, j, k, n = 0, len;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + CONTRACT_ENV_MAX + 1, sizeof(*env))) == NULL)
		return NULL;
	for (k = 0; av->env[k] != NULL; k++)
		env[k] = av->env[k];
	for (i = 0; i < n; i++) {
		for (j = 0; av->env[j] != NULL; j++) {
			len = strcspn(av->env[j], "=") + 1;
			if (strncmp(environ[i], av->env[j], len) == 0)
				break;
		}
		if (av->env[j] == NULL)
			env[k++] = environ[i];
	}
	return env;
}

int
proc_spawn_with(pid_t *pid, const char *program, char *const argv[],
    char *const env[], int chan, int fd)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	int				 rc;

	/* The file action is allocated: without it the child has no channel. */
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, chan, fd)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/*
	 * The dispatcher blocks the signals it reads from its signalfd; a
	 * group of its own: Ctrl-C in a shell, or kill -- -PGID, signals the
	 * dispatcher's group, and the dispatcher alone decides how its
	 * children stop (gracefully, as for SIGTERM).
	 */
	if ((rc = spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	rc = posix_spawn(pid, program, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* The scheduling policy its class's workers run with. */
static int
proc_policy(const struct worker *w)
{
	return w->cls->conf.sched_batch ? SCHED_BATCH : SCHED_OTHER;
}

/* posix_spawn with the worker's end of the channel on CHANNEL_FD. */
static int
proc_spawn(pid_t *pid, int chan, const struct contract_args *args)
{
	struct contract_argv	 av;
	char			**env;
	int			 rc;

	contract_argv(args, &av);
	if ((env = proc_env(&av)) == NULL)
		return ENOMEM;
	rc = proc_spawn_with(pid, args->program, av.argv, env, chan,
	    CHANNEL_FD);
	free(env);
	return rc;
}

int
proc_channel(int sv[2], int fd)
{
	int	moved;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		return -1;
	if (sv[1] == fd) {
		if ((moved = fcntl(sv[1], F_DUPFD_CLOEXEC, fd + 1)) == -1) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		close(sv[1]);
		sv[1] = moved;
	}
	return 0;
}

void
proc_start(struct worker *w, const struct contract_args *args, int epfd)
{
	struct rlimit	rl;
	int		sv[2], rc;

	if (proc_channel(sv, CHANNEL_FD) == -1) {
		log_warn("class %s: could not start a worker: socketpair",
		    w->cls->conf.name);
		proc_later(w);
		return;
	}
	rc = proc_spawn(&w->pid, sv[1], args);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		errno = rc;
		log_warn("class %s: could not start worker %s",
		    w->cls->conf.name, args->program);
		proc_later(w);
		return;
	}

	/*
	 * glibc's posix_spawn sets no policy but SCHED_OTHER, FIFO and RR:
	 * the worker takes SCHED_BATCH from here, before any connection.
	 */
	if (w->cls->conf.sched_batch)
		proc_sched(w);

	/*
	 * It raises its descriptor limit to the hard one it inherits, as
	 * main raised ours: it can hold what our limit leaves room for.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	w->cap = contract_max_conn(rl.rlim_cur);
	w->chan = sv[0];
	w->hello = 0;
	w->started_ms = clock_ms();
	w->respawn_ms = 0;
	event_watch(epfd, EPOLL_CTL_ADD, w->chan, EPOLLIN, w);
	log_info("worker %d started for class %s", (int)w->pid,
	    w->cls->conf.name);
}

unsigned
proc_lost(const struct worker *w, int status)
{
	/*
	 * What it held when its channel closed dies with it, unreplied,
	 * unless it exits cleanly: it then finished them.
	 */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return w->unfinished;
}

void
proc_log_exit(const struct worker *w, int status, int expected)
{
	void	(*say)(const char *, ...) = expected ? log_info : log_warnx;
	char	 lost[64] = "";
	unsigned n = proc_lost(w, status);

	if (n > 0)
		snprintf(lost, sizeof(lost), "; %u connection%s in hand lost",
		    n, n == 1 ? "" : "s");
	if (WIFSIGNALED(status))
		say("worker %d (class %s) killed by signal %d%s", (int)w->pid,
		    w->cls->conf.name, WTERMSIG(status), lost);
	else
		say("worker %d (class %s) exited with status %d%s",
		    (int)w->pid, w->cls->conf.name, WEXITSTATUS(status), lost);
}

void
proc_sched(const struct worker *w)
{
	struct sched_param	sp = { .sched_priority = 0 };

	/* A worker that has just exited is reaped later: ESRCH is no news. */
	if (w->pid > 0 &&
	    sched_setscheduler(w->pid, proc_policy(w), &sp) == -1 &&
	    errno != ESRCH)
		log_warn("worker %d (class %s): sched_setscheduler",
		    (int)w->pid, w->cls->conf.name);
}

void
proc_signal(const struct worker *w, int sig)
{
	if (w->pid > 0)
		kill(w->pid, sig);
}

/*
 * worker_exec: the "exec" handler.  As tcpserver does, each connection
 * runs the class's program (no shell) with the client socket as its
 * standard input and output, its standard error the worker's (the
 * dispatcher's log), and the UCSPI-TCP variables in its environment.
 *
 * The program's exit is the connection's end: the worker closes its copy
 * of the socket as soon as the program has its own, so that the client
 * sees the end of file when the program exits, and a DONE follows the
 * reaping, so that the class's max_connections bounds the programs
 * running.  Past exec_timeout_ms the program's process group has
 * SIGTERM, and CONTRACT_EXEC_KILL_MS later SIGKILL.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "contract.h"
#include "log.h"
#include "spawnattr.h"
#include "worker.h"

/* PROTO, four TCP and four TCP6 names, DISPATCH_CLASS, DISPATCH_RULE. */
#define WORKER_EXEC_NVARS	11
#define WORKER_EXEC_VARLEN	(32 + ADDR_STRLEN + CONTRACT_MAX_NAME)

extern char	**environ;

/* The states of a connection whose program has started and not ended. */
static const enum worker_state	 worker_exec_states[] = {
	WORKER_RUNNING, WORKER_STOPPING, WORKER_KILLED
};
#define WORKER_EXEC_NSTATES \
	(sizeof(worker_exec_states) / sizeof(worker_exec_states[0]))

/*
 * The names a program has from us or not at all: one inherited from the
 * dispatcher's environment (started under tcpserver, say) would describe
 * another connection.  The host names and TCPREMOTEINFO are never set:
 * there is no DNS or ident lookup, as with tcpserver -H -R.
 */
static const char *const worker_exec_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST",
	"TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO",
	"TCP6LOCALIP", "TCP6LOCALPORT", "TCP6LOCALHOST", "TCP6REMOTEIP",
	"TCP6REMOTEPORT", "TCP6REMOTEHOST", "TCP6INTERFACE",
	"DISPATCH_CLASS", "DISPATCH_RULE", NULL
};

static int	worker_exec_ours(const char *);
static void	worker_exec_env(struct worker *, const struct channel_conn *,
		    char [][WORKER_EXEC_VARLEN]);
static int	worker_exec_spawn(struct worker *, const struct channel_conn *,
		    struct worker_conn *);
static struct worker_conn *worker_exec_find(struct worker *, pid_t);
static void	worker_exec_ended(struct worker *, struct worker_conn *, int);

/* Whether an environment entry, NAME=VALUE, has one of our names. */
static int
worker_exec_ours(const char *entry)
{
	size_t	i, len = strcspn(entry, "=");

	for (i = 0; worker_exec_names[i] != NULL; i++)
		if (strlen(worker_exec_names[i]) == len &&
		    strncmp(entry, worker_exec_names[i], len) == 0)
			return 1;
	return 0;
}

void
worker_exec_init(struct worker *w)
{
	size_t	i, n;

	/*
	 * Pointers into environ, which nothing here changes: each program's
	 * variables go after them, in the room left at the end.
	 */
	for (n = 0; environ[n] != NULL; n++)
		continue;
	if ((w->env = calloc(n + WORKER_EXEC_NVARS + 1,
	    sizeof(*w->env))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		if (!worker_exec_ours(environ[i]))
			w->env[w->nenv++] = environ[i];
	worker_timer_init(w, &w->run, WORKER_RUNNING,
	    w->args.exec_timeout_ms);
	worker_timer_init(w, &w->stop, WORKER_STOPPING, CONTRACT_EXEC_KILL_MS);
}

/*
 * Puts one connection's variables after the inherited ones, as
 * ucspi-tcp6's tcpserver sets them: the TCP names always, and for an
 * IPv6 client PROTO=TCP6 and the TCP6 names as well.  An IPv4 client of
 * a dual-stack listener is an IPv4 client (PROTO=TCP, a dotted quad).
 */
static void
worker_exec_env(struct worker *w, const struct channel_conn *cc,
    char vars[][WORKER_EXEC_VARLEN])
{
	struct sockaddr_storage	 peer = cc->peer, local = cc->local;
	const struct sockaddr	*p = (const struct sockaddr *)&peer;
	const struct sockaddr	*l = (const struct sockaddr *)&local;
	const char		*proto;
	char			 rip[ADDR_STRLEN], lip[ADDR_STRLEN];
	size_t			 n = 0, i;

	addr_unmap(&peer);
	addr_unmap(&local);
	/* The channel takes only AF_INET and AF_INET6: these do not fail. */
	if (addr_ntop(p, rip, sizeof(rip)) == NULL)
		snprintf(rip, sizeof(rip), "unknown");
	if (addr_ntop(l, lip, sizeof(lip)) == NULL)
		snprintf(lip, sizeof(lip), "unknown");
	proto = peer.ss_family == AF_INET6 ? "TCP6" : "TCP";
	snprintf(vars[n++], WORKER_EXEC_VARLEN, "PROTO=%s", proto);
	for (i = 0; i < (peer.ss_family == AF_INET6 ? 2 : 1); i++) {
		proto = i == 0 ? "TCP" : "TCP6";
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "%sREMOTEIP=%s",
		    proto, rip);
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "%sREMOTEPORT=%u",
		    proto, addr_port(p));
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "%sLOCALIP=%s",
		    proto, lip);
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "%sLOCALPORT=%u",
		    proto, addr_port(l));
	}
	snprintf(vars[n++], WORKER_EXEC_VARLEN, "DISPATCH_CLASS=%s",
	    w->args.class);
	if (cc->rule == 0)
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "DISPATCH_RULE=default");
	else
		snprintf(vars[n++], WORKER_EXEC_VARLEN, "DISPATCH_RULE=%" PRIu32,
		    cc->rule);
	for (i = 0; i < n; i++)
		w->env[w->nenv + i] = vars[i];
	w->env[w->nenv + n] = NULL;
}

/*
 * Starts the program on c's socket: 0, or an errno value.  posix_spawn
 * reports a program that could not be executed as well.
 */
static int
worker_exec_spawn(struct worker *w, const struct channel_conn *cc,
    struct worker_conn *c)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	char				 vars[WORKER_EXEC_NVARS]
					    [WORKER_EXEC_VARLEN];
	int				 flags, fd, rc;

	/*
	 * Blocking, as a program expects of its standard input and output.
	 * The open file is the program's alone from now on: the dispatcher
	 * has closed its copy, and ours goes once the program has started.
	 */
	if ((flags = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		return errno;
	/* dup2 onto itself would keep FD_CLOEXEC: 0 or 1 must move first. */
	if (c->fd <= STDOUT_FILENO) {
		if ((fd = fcntl(c->fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) ==
		    -1)
			return errno;
		close(c->fd);
		c->fd = fd;
	}
	worker_exec_env(w, cc, vars);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, c->fd,
	    STDIN_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, c->fd,
	    STDOUT_FILENO)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/*
	 * What the worker blocks or ignores is its own business: a program
	 * starts with the defaults (SIGPIPE kills a writer to a gone client,
	 * as it would under tcpserver).  A process group of its own, so that
	 * the time limit reaches what the program started too (a shell's
	 * children, holding the socket as well).
	 */
	if ((rc = spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	rc = posix_spawn(&c->pid, w->args.command[0], &fa, &attr,
	    w->args.command, w->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

void
worker_exec_new(struct worker *w, const struct channel_conn *cc, int fd)
{
	struct worker_conn	*c;
	int			 rc;

	if ((c = worker_conn_add(w, cc, fd)) == NULL)
		return;
	if ((rc = worker_exec_spawn(w, cc, c)) != 0) {
		errno = rc;
		log_warn("connection %" PRIu64 " from %s: could not run %s",
		    c->id, c->peer, w->args.command[0]);
		c->pid = 0;
		worker_conn_close(w, c, "program not started");
		return;
	}
	close(c->fd);
	c->fd = -1;
	log_debug("connection %" PRIu64 " from %s: program %ld started",
	    c->id, c->peer, (long)c->pid);
	worker_timer_deadline(&c->deadline, w->args.exec_timeout_ms);
	worker_conn_move(w, c, WORKER_RUNNING);
}

/*
 * The time limit: like the write timeout, the client's or the program's
 * doing, told as information; a program that ignores SIGTERM is a fault,
 * told as a warning.
 */
void
worker_exec_timeout(struct worker *w, struct worker_conn *c)
{
	if (c->state == WORKER_RUNNING) {
		log_info("connection %" PRIu64 " from %s: program %ld still "
		    "running after %d ms; terminating it", c->id, c->peer,
		    (long)c->pid, w->args.exec_timeout_ms);
		if (kill(-c->pid, SIGTERM) == -1 && errno != ESRCH)
			log_warn("program %ld: SIGTERM", (long)c->pid);
		worker_timer_deadline(&c->deadline, CONTRACT_EXEC_KILL_MS);
		worker_conn_move(w, c, WORKER_STOPPING);
		return;
	}
	log_warnx("connection %" PRIu64 " from %s: program %ld still running "
	    "%d ms after SIGTERM; killing it", c->id, c->peer, (long)c->pid,
	    CONTRACT_EXEC_KILL_MS);
	if (kill(-c->pid, SIGKILL) == -1 && errno != ESRCH)
		log_warn("program %ld: SIGKILL", (long)c->pid);
	worker_conn_move(w, c, WORKER_KILLED);
}

/*
 * The connection whose program has that pid.  A linear search: a reap
 * costs far less than the fork and exec before it.
 */
static struct worker_conn *
worker_exec_find(struct worker *w, pid_t pid)
{
	struct worker_conn	*c;
	size_t			 i;

	for (i = 0; i < WORKER_EXEC_NSTATES; i++)
		TAILQ_FOREACH(c, &w->queues[worker_exec_states[i]], entry)
			if (c->pid == pid)
				return c;
	return NULL;
}

/*
 * A program's end.  Its exit status is its own answer, and what it
 * wanted to say about it is on its standard error, in the log already:
 * the status is a debug line.  A signal other than the time limit's is
 * a crash, a warning.
 */
static void
worker_exec_ended(struct worker *w, struct worker_conn *c, int status)
{
	char	 how[64];

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "program %ld exited with status %d",
		    (long)c->pid, WEXITSTATUS(status));
	else {
		snprintf(how, sizeof(how), "program %ld killed by signal %d",
		    (long)c->pid, WTERMSIG(status));
		if (c->state == WORKER_RUNNING)
			log_warnx("connection %" PRIu64 " from %s: %s", c->id,
			    c->peer, how);
	}
	c->pid = 0;
	worker_conn_close(w, c, how);
}

void
worker_exec_reap(struct worker *w)
{
	struct worker_conn	*c;
	pid_t			 pid;
	int			 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = worker_exec_find(w, pid)) == NULL) {
			log_warnx("process %ld reaped: no connection's",
			    (long)pid);
			continue;
		}
		worker_exec_ended(w, c, status);
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("waitpid");
}

/*
 * The worker exits (SIGTERM from the dispatcher, past its stop's grace):
 * its programs are told to stop too, rather than left to run unbounded
 * with nobody to reap them or keep their time limit.
 */
void
worker_exec_stop(struct worker *w)
{
	struct worker_conn	*c;
	size_t			 i;

	for (i = 0; i < WORKER_EXEC_NSTATES; i++)
		TAILQ_FOREACH(c, &w->queues[worker_exec_states[i]], entry)
			if (c->pid > 0 && kill(-c->pid, SIGTERM) == -1 &&
			    errno != ESRCH)
				log_warn("program %ld: SIGTERM", (long)c->pid);
}

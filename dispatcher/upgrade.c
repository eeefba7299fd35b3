#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "upgrade.h"

extern char **environ;

/* A socket sent, or received, with its message. */
struct upgrade_socket {
	struct upgrade_msg	 msg;
	int			 fd;		/* -1 once taken or closed */
	struct sockaddr_storage	 ss;		/* received: where it listens */
	socklen_t		 sslen;
};

/* The command line of the start, and the program's path. */
static char			**upgrade_argv;
static char			 *upgrade_path;

/*
 * The old side: the upgrade in progress, from the start of the new
 * dispatcher (pid) to its reaping.  The sockets to send are the
 * listeners', which stay open meanwhile (upgrade_start).
 */
static struct {
	struct {
		int		 type;		/* EVENT_UPGRADE */
		int		 fd;		/* -1: closed */
	}			 chan;
	struct {
		int		 type;		/* EVENT_UPGRADE_TIMER */
		int		 fd;
	}			 timer;
	int			 epfd;
	int			 timeout_ms;
	pid_t			 pid;		/* 0: none in progress */
	int			 ready;		/* it said so: it serves */
	struct upgrade_socket	*out;		/* to send, UPGRADE_END last */
	size_t			 nout;
	size_t			 sent;
} upgrade_old = { { EVENT_UPGRADE, -1 }, { EVENT_UPGRADE_TIMER, -1 },
    -1, 0, 0, 0, NULL, 0, 0 };

/* The new side: the channel and what came on it. */
static int			 upgrade_chan = -1;
static struct upgrade_socket	*upgrade_in;
static size_t			 upgrade_nin;

/*
 * Where the program was started from: argv[0] made absolute against the
 * working directory, or looked up in PATH as execvp did.  Symbolic links
 * are not resolved, unlike /proc/self/exe: a link switched to a new
 * release must start the new one.  NULL when it cannot be found.
 */
static char *
upgrade_which(const char *argv0)
{
	char		 cwd[PATH_MAX], *dirs, *dir, *save, *path;
	const char	*env;

	if (argv0[0] == '/')
		return strdup(argv0);
	if (strchr(argv0, '/') != NULL) {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    asprintf(&path, "%s/%s", cwd, argv0) == -1)
			return NULL;
		return path;
	}
	if ((env = getenv("PATH")) == NULL || (dirs = strdup(env)) == NULL)
		return NULL;
	path = NULL;
	for (dir = strtok_r(dirs, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;	/* the working directory's: not ours */
		if (asprintf(&path, "%s/%s", dir, argv0) == -1) {
			path = NULL;
			break;
		}
		if (access(path, X_OK) == 0)
			break;
		free(path);
		path = NULL;
	}
	free(dirs);
	return path;
}

void
upgrade_save(int argc, char *argv[])
{
	int	i;

	/* Out of memory here: no upgrade later (upgrade_start says so). */
	if ((upgrade_argv = calloc((size_t)argc + 1, sizeof(*upgrade_argv)))
	    == NULL)
		return;
	for (i = 0; i < argc; i++)
		upgrade_argv[i] = argv[i];
	upgrade_path = argc > 0 ? upgrade_which(argv[0]) : NULL;
}

/* Where a listening socket listens, for messages: "ADDRESS:PORT", a path. */
static void
upgrade_describe(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)ss;

	if (ss->ss_family == AF_UNIX)
		snprintf(buf, len, "%.*s", (int)sizeof(sun->sun_path),
		    sun->sun_path);
	else
		addr_format((const struct sockaddr *)ss, buf, len);
}

/* Sends msg, with fd unless it is -1: 0, or -1 (errno). */
static int
upgrade_send_msg(int chan, const struct upgrade_msg *msg, int fd)
{
	return channel_send_fds(chan, msg, sizeof(*msg), &fd, fd != -1);
}

/*
 * Receives one message, its descriptor (if any) in *fd: 1, 0 at the end
 * of the channel, or -1 with errno (EAGAIN: none yet; EPROTO: one of
 * another size, with more than one descriptor, or a name without its
 * NUL, every descriptor closed).
 */
static int
upgrade_recv_msg(int chan, struct upgrade_msg *msg, int *fd)
{
	int	fds[CHANNEL_FDS_MAX];
	size_t	i, nfds;
	ssize_t	n;

	*fd = -1;
	if ((n = channel_recv_fds(chan, msg, sizeof(*msg), fds, &nfds)) <= 0)
		return (int)n;
	if ((size_t)n != sizeof(*msg) || nfds > 1 ||
	    memchr(msg->name, '\0', sizeof(msg->name)) == NULL) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		errno = EPROTO;
		return -1;
	}
	if (nfds == 1)
		*fd = fds[0];
	return 1;
}

/* How a child ended, for messages. */
static void
upgrade_how(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* Adds a socket to send, described by where it listens. */
static void
upgrade_add(enum upgrade_kind kind, uint32_t lane, int fd)
{
	struct upgrade_socket	*s = &upgrade_old.out[upgrade_old.nout++];

	s->msg.kind = kind;
	s->msg.lane = lane;
	s->fd = fd;
	s->sslen = sizeof(s->ss);
	if (fd != -1 && getsockname(fd, (struct sockaddr *)&s->ss,
	    &s->sslen) == 0)
		upgrade_describe(&s->ss, s->msg.name, sizeof(s->msg.name));
}

/* What upgrade_start sends, in order: -1 when out of memory. */
static int
upgrade_collect(struct listener *const *l, size_t n,
    const struct metrics *m, const struct control *ctl)
{
	const struct listener	*sib;
	size_t			 i, j, g, total = 3;	/* metrics, control, end */

	for (i = 0; i < n; i++)
		for (sib = l[i]; sib != NULL; sib = sib->sibling)
			total += sib->nlanes;
	if ((upgrade_old.out = calloc(total, sizeof(*upgrade_old.out)))
	    == NULL)
		return -1;
	upgrade_old.nout = upgrade_old.sent = 0;
	/*
	 * In the order the group holds them: every shard's socket of a lane
	 * before the next lane's (listen.c).
	 */
	for (i = 0; i < n; i++)
		for (j = 0, g = 0; j < LANES_MAX; j++)
			for (sib = l[i]; sib != NULL; sib = sib->sibling)
				if (j < sib->nlanes)
					upgrade_add(UPGRADE_LANE, (uint32_t)g++,
					    sib->lane[j].fd);
	if (m != NULL)
		upgrade_add(UPGRADE_METRICS, 0, metrics_fd(m));
	if (ctl != NULL)
		upgrade_add(UPGRADE_CONTROL, 0, control_fd(ctl));
	upgrade_add(UPGRADE_END, 0, -1);
	return 0;
}

/*
 * The new dispatcher's environment: ours, with UPGRADE_ENV naming its
 * channel, and without WATCHDOG_PID, which names this process: with it,
 * libsystemd would not let the new one ping the watchdog.
 */
static char **
upgrade_env(void)
{
	static char	  var[sizeof(UPGRADE_ENV) + 16];
	char		**env;
	size_t		  i, k = 0, n = 0;

	snprintf(var, sizeof(var), "%s=%d", UPGRADE_ENV, UPGRADE_FD);
	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "WATCHDOG_PID=", 13) != 0 &&
		    strncmp(environ[i], UPGRADE_ENV "=",
		    sizeof(UPGRADE_ENV)) != 0)
			env[k++] = environ[i];
	env[k] = var;
	return env;
}

/* Closes the channel; the new one may still run. */
static void
upgrade_hangup(void)
{
	if (upgrade_old.chan.fd != -1)
		close(upgrade_old.chan.fd);	/* also leaves the epoll set */
	upgrade_old.chan.fd = -1;
	free(upgrade_old.out);
	upgrade_old.out = NULL;
	upgrade_old.nout = upgrade_old.sent = 0;
}

/*
 * The new dispatcher will not serve: killed (kill9), or left to end on
 * its own, as one that closed its channel does, until the time limit.
 * Reaping it ends the upgrade (upgrade_reaped).
 */
static void
upgrade_fail(int kill9, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
upgrade_fail(int kill9, const char *fmt, ...)
{
	va_list	ap;
	char	why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("upgrade: dispatcher %ld %s%s", (long)upgrade_old.pid, why,
	    kill9 ? "; killing it" : "");
	upgrade_hangup();
	if (kill9) {
		clock_timer_at(upgrade_old.timer.fd, 0);
		kill(upgrade_old.pid, SIGKILL);
	}
}

/* Sends what the channel takes now; the rest when it is writable. */
static void
upgrade_send(void)
{
	struct upgrade_socket	*s;

	while (upgrade_old.sent < upgrade_old.nout) {
		s = &upgrade_old.out[upgrade_old.sent];
		if (upgrade_send_msg(upgrade_old.chan.fd, &s->msg, s->fd)
		    == -1) {
			if (errno == EAGAIN)
				return;
			upgrade_fail(1, "cannot be sent the sockets: %s",
			    strerror(errno));
			return;
		}
		upgrade_old.sent++;
	}
	event_watch(upgrade_old.epfd, EPOLL_CTL_MOD, upgrade_old.chan.fd,
	    EPOLLIN, &upgrade_old.chan);
}

int
upgrade_start(int epfd, int timeout_ms, struct listener *const *l, size_t n,
    const struct metrics *m, const struct control *ctl)
{
	char	**env;
	pid_t	  pid;
	int	  sv[2], rc;

	/* After the hand-over this one drains, and SIGUSR2 is not asked. */
	if (upgrade_old.pid != 0) {
		log_warnx("upgrade: dispatcher %ld is being started already; "
		    "SIGUSR2 ignored", (long)upgrade_old.pid);
		return -1;
	}
	if (upgrade_path == NULL) {
		log_warnx("upgrade: the program's path is not known (\"%s\" "
		    "was not found, or memory ran out, at the start); not "
		    "upgrading", upgrade_argv != NULL && upgrade_argv[0] != NULL ?
		    upgrade_argv[0] : "");
		return -1;
	}
	if (upgrade_old.timer.fd == -1 && (upgrade_old.timer.fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC))
	    != -1)
		event_watch(epfd, EPOLL_CTL_ADD, upgrade_old.timer.fd, EPOLLIN,
		    &upgrade_old.timer);
	if (upgrade_old.timer.fd == -1 || upgrade_collect(l, n, m, ctl) == -1) {
		log_warn("upgrade: not upgrading");
		return -1;
	}
	if ((env = upgrade_env()) == NULL ||
	    proc_channel(sv, UPGRADE_FD) == -1) {
		log_warn("upgrade: not upgrading");
		free(env);
		upgrade_hangup();
		return -1;
	}
	rc = proc_spawn_with(&pid, upgrade_path, upgrade_argv, env, sv[1],
	    UPGRADE_FD);
	close(sv[1]);
	free(env);
	if (rc != 0) {
		errno = rc;
		log_warn("upgrade: cannot start %s; not upgrading",
		    upgrade_path);
		close(sv[0]);
		upgrade_hangup();
		return -1;
	}
	upgrade_old.epfd = epfd;
	upgrade_old.timeout_ms = timeout_ms;
	upgrade_old.pid = pid;
	upgrade_old.ready = 0;
	upgrade_old.chan.fd = sv[0];
	event_watch(epfd, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLOUT,
	    &upgrade_old.chan);
	clock_timer_at(upgrade_old.timer.fd, clock_ms() + (uint64_t)timeout_ms);
	log_info("upgrade: started %s as dispatcher %ld; handing it the "
	    "listening sockets (%zu)", upgrade_path, (long)pid,
	    upgrade_old.nout - 1);
	upgrade_send();
	return 0;
}

int
upgrade_busy(void)
{
	return upgrade_old.pid != 0;
}

/* What the new dispatcher says: 1 when it is ready, 0 for nothing yet. */
static int
upgrade_answer(void)
{
	struct upgrade_msg	msg;
	int			fd, rc;

	rc = upgrade_recv_msg(upgrade_old.chan.fd, &msg, &fd);
	if (rc == -1 && errno == EAGAIN)
		return 0;
	if (rc == 0) {
		/* It exits, most likely: its reaping says how. */
		upgrade_fail(0, "closed its channel before it was ready");
		return 0;
	}
	if (rc == -1) {
		upgrade_fail(1, "channel: %s", strerror(errno));
		return 0;
	}
	if (fd != -1)
		close(fd);
	if (fd != -1 || msg.kind != UPGRADE_READY ||
	    msg.pid != (int32_t)upgrade_old.pid ||
	    upgrade_old.sent < upgrade_old.nout) {
		upgrade_fail(1, "sent a message other than \"ready\"");
		return 0;
	}
	return 1;
}

pid_t
upgrade_event(void *ptr, uint32_t events)
{
	uint64_t	ticks;

	if (ptr == &upgrade_old.timer) {
		if (read(upgrade_old.timer.fd, &ticks, sizeof(ticks)) > 0 &&
		    upgrade_old.pid != 0 && !upgrade_old.ready)
			upgrade_fail(1, "was not ready within %d ms",
			    upgrade_old.timeout_ms);
		return 0;
	}
	/* Failed earlier in this batch of events. */
	if (upgrade_old.chan.fd == -1)
		return 0;
	if ((events & EPOLLOUT) && upgrade_old.sent < upgrade_old.nout)
		upgrade_send();
	if (upgrade_old.chan.fd == -1 ||
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0 ||
	    !upgrade_answer())
		return 0;
	upgrade_old.ready = 1;
	upgrade_hangup();
	clock_timer_at(upgrade_old.timer.fd, 0);
	return upgrade_old.pid;
}

void
upgrade_reaped(pid_t pid, int status)
{
	char	how[64];

	if (pid != upgrade_old.pid || pid == 0)
		return;
	upgrade_how(status, how, sizeof(how));
	if (upgrade_old.ready)
		log_warnx("upgrade: the new dispatcher %ld %s", (long)pid, how);
	else
		log_warnx("upgrade failed: dispatcher %ld %s before it was "
		    "ready; serving on as before", (long)pid, how);
	upgrade_hangup();
	clock_timer_at(upgrade_old.timer.fd, 0);
	upgrade_old.pid = 0;
	upgrade_old.ready = 0;
}

void
upgrade_abort(void)
{
	if (upgrade_old.pid != 0 && !upgrade_old.ready)
		upgrade_fail(1, "is not ready, and this one stops");
}

/* Checks one socket received and keeps it: 0, or -1 (logged, closed). */
static int
upgrade_take(const struct upgrade_msg *msg, int fd)
{
	struct upgrade_socket	*s, *grown;
	size_t			 i, lanes = 0;
	int			 listening = 0, family;
	socklen_t		 len = sizeof(listening);

	if (upgrade_nin == UPGRADE_SOCKETS_MAX) {
		log_warnx("upgrade: more than %d sockets received",
		    UPGRADE_SOCKETS_MAX);
		goto fail;
	}
	if ((upgrade_nin & (upgrade_nin - 1)) == 0) {
		if ((grown = realloc(upgrade_in, (upgrade_nin == 0 ? 1 :
		    upgrade_nin * 2) * sizeof(*upgrade_in))) == NULL) {
			log_warn("upgrade");
			goto fail;
		}
		upgrade_in = grown;
	}
	s = &upgrade_in[upgrade_nin];
	memset(s, 0, sizeof(*s));	/* a path's NUL, whatever its length */
	s->msg = *msg;
	s->fd = fd;
	s->sslen = sizeof(s->ss);
	if (fd == -1 || getsockname(fd, (struct sockaddr *)&s->ss,
	    &s->sslen) == -1 || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN,
	    &listening, &len) == -1 || !listening) {
		log_warnx("upgrade: \"%s\" received without a listening "
		    "socket", msg->name);
		goto fail;
	}
	family = s->ss.ss_family;
	if (msg->kind == UPGRADE_LANE || msg->kind == UPGRADE_METRICS ?
	    family != AF_INET && family != AF_INET6 :
	    msg->kind != UPGRADE_CONTROL || family != AF_UNIX) {
		log_warnx("upgrade: unexpected message (%u) for \"%s\"",
		    (unsigned)msg->kind, msg->name);
		goto fail;
	}
	/* Lanes come in the order they joined their group, lane 0 first. */
	for (i = 0; i < upgrade_nin; i++)
		if (upgrade_in[i].msg.kind == UPGRADE_LANE &&
		    addr_same(&upgrade_in[i].ss, upgrade_in[i].sslen, &s->ss,
		    s->sslen))
			lanes++;
	if (msg->kind == UPGRADE_LANE &&
	    (msg->lane != lanes || lanes >= UPGRADE_GROUP_MAX)) {
		log_warnx("upgrade: lane %u of %s out of order",
		    (unsigned)msg->lane, msg->name);
		goto fail;
	}
	upgrade_nin++;
	return 0;

 fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
upgrade_init(void)
{
	const char		*var = getenv(UPGRADE_ENV);
	struct upgrade_msg	 msg;
	struct pollfd		 pfd;
	uint64_t		 deadline, now;
	char			*end;
	long			 fd;
	int			 rc, got, type;
	socklen_t		 len = sizeof(type);

	if (var == NULL)
		return 0;
	errno = 0;
	fd = strtol(var, &end, 10);
	if (var[0] == '\0' || *end != '\0' || errno != 0 || fd < 0 ||
	    fd > INT_MAX || getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1 || type != SOCK_SEQPACKET) {
		log_warnx("%s=%s does not name an upgrade's channel",
		    UPGRADE_ENV, var);
		unsetenv(UPGRADE_ENV);
		return -1;
	}
	unsetenv(UPGRADE_ENV);
	upgrade_chan = (int)fd;
	/* The workers must never hold it. */
	if (fcntl(upgrade_chan, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("upgrade: channel");
		return -1;
	}
	deadline = clock_ms() + UPGRADE_RECV_MS;
	for (;;) {
		rc = upgrade_recv_msg(upgrade_chan, &msg, &got);
		if (rc == -1 && errno == EAGAIN) {
			if ((now = clock_ms()) >= deadline) {
				log_warnx("upgrade: the sockets did not come "
				    "within %d ms", UPGRADE_RECV_MS);
				return -1;
			}
			pfd.fd = upgrade_chan;
			pfd.events = POLLIN;
			(void)poll(&pfd, 1, (int)(deadline - now));
			continue;
		}
		if (rc == 0) {
			log_warnx("upgrade: the previous dispatcher closed the "
			    "channel before it sent every socket");
			return -1;
		}
		if (rc == -1) {
			log_warn("upgrade: channel");
			return -1;
		}
		if (msg.kind == UPGRADE_END && got == -1)
			break;
		if (upgrade_take(&msg, got) == -1)
			return -1;
	}
	log_info("upgrade: listening sockets taken over: %zu", upgrade_nin);
	return 0;
}

struct listener *
upgrade_listener(const struct config_listener *cl, size_t nshards)
{
	struct listener	*l = NULL, *last = NULL, *sib;
	size_t		 i, j, k, n = 0, per, at[UPGRADE_GROUP_MAX];
	int		 fd[UPGRADE_GROUP_MAX], mine[LANES_MAX];

	for (i = 0; i < upgrade_nin; i++)
		if (upgrade_in[i].fd != -1 &&
		    upgrade_in[i].msg.kind == UPGRADE_LANE &&
		    addr_same(&upgrade_in[i].ss, upgrade_in[i].sslen, &cl->ss,
		    cl->sslen)) {
			at[n] = i;
			fd[n++] = upgrade_in[i].fd;
		}
	if (n == 0)
		return NULL;
	/*
	 * Socket g of the group is shard g % N's lane g / N, as the lanes
	 * program counts them (lanes.h).  A lone socket is the first
	 * shard's, which the others join; any other count must divide.
	 */
	per = n == 1 ? 1 : n / nshards;
	if ((n > 1 && n % nshards != 0) || per > (size_t)LANES_MAX) {
		log_warnx("upgrade: the %zu sockets of %s do not divide among "
		    "%zu shards of at most %d lanes; keep \"acceptors\" as it "
		    "was, or restart", n, cl->text, nshards, LANES_MAX);
		errno = EINVAL;
		return NULL;
	}
	for (k = 0; k < (n == 1 ? 1 : nshards); k++) {
		for (j = 0; j < per; j++)
			mine[j] = fd[j * (n == 1 ? 1 : nshards) + k];
		if ((sib = listener_adopt(cl, mine, per)) == NULL) {
			log_warn("upgrade: listener %s", cl->text);
			/* The sockets stay received: freed by upgrade_free. */
			for (; l != NULL; l = sib) {
				sib = l->sibling;
				free(l);
			}
			return NULL;
		}
		if (last == NULL)
			l = sib;
		else
			last->sibling = sib;
		last = sib;
	}
	for (i = 0; i < n; i++)
		upgrade_in[at[i]].fd = -1;
	return l;
}

/* The received socket of that kind that f says is the one, taken. */
static int
upgrade_find(enum upgrade_kind kind,
    int (*f)(const struct upgrade_socket *, const void *), const void *arg)
{
	size_t	i;
	int	fd;

	for (i = 0; i < upgrade_nin; i++)
		if (upgrade_in[i].fd != -1 && upgrade_in[i].msg.kind == kind &&
		    f(&upgrade_in[i], arg)) {
			fd = upgrade_in[i].fd;
			upgrade_in[i].fd = -1;
			return fd;
		}
	return -1;
}

static int
upgrade_is_addr(const struct upgrade_socket *s, const void *arg)
{
	const struct config_addr	*a = arg;

	return addr_same(&s->ss, s->sslen, &a->ss, a->sslen);
}

static int
upgrade_is_path(const struct upgrade_socket *s, const void *arg)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)&s->ss;

	return strncmp(sun->sun_path, arg, sizeof(sun->sun_path)) == 0;
}

int
upgrade_metrics(const struct config_addr *a)
{
	return upgrade_find(UPGRADE_METRICS, upgrade_is_addr, a);
}

int
upgrade_control(const char *path)
{
	return path == NULL ? -1 :
	    upgrade_find(UPGRADE_CONTROL, upgrade_is_path, path);
}

void
upgrade_ready(void)
{
	struct upgrade_msg	 msg;
	struct upgrade_socket	*s;
	size_t			 i;

	if (upgrade_chan == -1)
		return;
	for (i = 0; i < upgrade_nin; i++) {
		s = &upgrade_in[i];
		if (s->fd == -1)
			continue;
		log_info("upgrade: %s %s%s is not in the configuration: "
		    "closed", s->msg.kind == UPGRADE_LANE ? "listener" :
		    s->msg.kind == UPGRADE_METRICS ? "metrics on" :
		    "control socket", s->msg.name, s->msg.kind ==
		    UPGRADE_CONTROL ? " (its file removed)" : "");
		/* Nobody answers on it any more: a leftover otherwise. */
		if (s->msg.kind == UPGRADE_CONTROL)
			unlink(((struct sockaddr_un *)&s->ss)->sun_path);
		close(s->fd);
		s->fd = -1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.kind = UPGRADE_READY;
	msg.pid = (int32_t)getpid();
	if (upgrade_send_msg(upgrade_chan, &msg, -1) == -1)
		log_warn("upgrade: cannot tell the previous dispatcher that "
		    "this one is ready");
	close(upgrade_chan);
	upgrade_chan = -1;
}

void
upgrade_free(void)
{
	size_t	i;

	upgrade_hangup();
	if (upgrade_old.timer.fd != -1)
		close(upgrade_old.timer.fd);
	upgrade_old.timer.fd = -1;
	for (i = 0; i < upgrade_nin; i++)
		if (upgrade_in[i].fd != -1)
			close(upgrade_in[i].fd);
	free(upgrade_in);
	upgrade_in = NULL;
	upgrade_nin = 0;
	if (upgrade_chan != -1)
		close(upgrade_chan);
	upgrade_chan = -1;
	free(upgrade_argv);
	upgrade_argv = NULL;
	free(upgrade_path);
	upgrade_path = NULL;
}

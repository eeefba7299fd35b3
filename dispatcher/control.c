#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "class.h"
#include "clock.h"
#include "control.h"
#include "event.h"
#include "log.h"
#include "pool.h"

#define CONTROL_BACKLOG		16
#define CONTROL_MAX_ARGS	3	/* the command's name among them */

struct control_client {
	int				 type;	/* EVENT_CONTROL_CLIENT, 0 once gone */
	int				 fd;
	struct control			*ctl;
	char				 in[CONTROL_LINE_MAX];
	size_t				 inlen;
	char				*out;	/* answers not taken yet */
	size_t				 outlen;
	size_t				 outoff;
	size_t				 outsize;
	int				 eof;	/* the client sent all it will */
	int				 closing; /* closed once out is taken */
	int				 reload; /* asked, for control_settle */
	uint32_t			 watched;
	uint64_t			 active_ms;
	TAILQ_ENTRY(control_client)	 entry;
};
TAILQ_HEAD(control_clients, control_client);

struct control {
	struct {
		int	 type;		/* EVENT_CONTROL */
		int	 fd;
	}			 sock;
	struct {
		int	 type;		/* EVENT_CONTROL_TIMER */
		int	 fd;
	}			 timer;
	int			 epfd;
	char			*path;
	dev_t			 dev;	/* the file made, to remove only it */
	ino_t			 ino;
	int			 owned;	/* 0: an upgrade's new dispatcher's */
	const struct config	*cf;
	control_workers_fn	*workers;
	control_reload_fn	*reload;
	control_stats_fn	*stats;
	void			*reload_arg;	/* the callbacks' */
	struct control_clients	 clients;
	size_t			 nclients;
	struct control_clients	 gone;	/* freed by control_settle */
	uint64_t		 paused_ms; /* accepting again then, 0: not paused */
	int			 dirty;	/* the timer needs arming again */
};

/*
 * Whether a process answers on path: a non-blocking connect succeeds, or
 * finds the backlog full (EAGAIN).  A socket file without a listener
 * refuses (ECONNREFUSED): the leftover of a dead process.
 */
static int
control_live(const char *path, const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (rc == 0 || errno == EAGAIN)
		rc = 1;
	else if (errno == ECONNREFUSED)
		rc = 0;
	else
		log_warn("control socket %s", path);
	close(fd);
	return rc;
}

/*
 * Binds the socket with no moment at a wider mode than 0600 (the umask
 * applies to the file bind makes), then gives it its owner and mode.
 */
static int
control_bind(struct control *ctl, const struct config_control *cc)
{
	struct sockaddr_un	sun;
	struct stat		st;
	mode_t			mask;
	int			rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, cc->path, strlen(cc->path) + 1);
	if (lstat(cc->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: the file there is not a "
			    "socket; not replacing it", cc->path);
			return -1;
		}
		if ((rc = control_live(cc->path, &sun)) != 0) {
			if (rc == 1)
				log_warnx("control socket %s: a running "
				    "process answers on it; not taking it "
				    "over", cc->path);
			return -1;
		}
		if (unlink(cc->path) == -1 && errno != ENOENT) {
			log_warn("control socket %s: cannot remove the "
			    "leftover socket", cc->path);
			return -1;
		}
		log_info("control socket %s: replaced the leftover of a "
		    "process gone", cc->path);
	}
	mask = umask(0177);
	rc = bind(ctl->sock.fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc == -1) {
		log_warn("control socket %s: bind", cc->path);
		return -1;
	}
	if (lstat(cc->path, &st) == -1 ||
	    ((cc->uid != (uid_t)-1 || cc->gid != (gid_t)-1) &&
	    lchown(cc->path, cc->uid, cc->gid) == -1) ||
	    chmod(cc->path, cc->mode) == -1) {
		log_warn("control socket %s", cc->path);
		unlink(cc->path);
		return -1;
	}
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

struct control *
control_open(const struct config *cf, int fd, int epfd,
    control_reload_fn *reload, control_stats_fn *stats,
    control_workers_fn *workers, void *arg)
{
	struct stat	 st;
	struct control	*ctl;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(cf->control.path)) == NULL)
		fatal("control_open");
	TAILQ_INIT(&ctl->clients);
	TAILQ_INIT(&ctl->gone);
	ctl->epfd = epfd;
	ctl->cf = cf;
	ctl->workers = workers;
	ctl->reload = reload;
	ctl->stats = stats;
	ctl->reload_arg = arg;
	ctl->sock.type = EVENT_CONTROL;
	ctl->timer.type = EVENT_CONTROL_TIMER;
	ctl->timer.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	ctl->sock.fd = fd != -1 ? fd : socket(AF_UNIX, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->timer.fd == -1 || ctl->sock.fd == -1) {
		log_warn("control socket %s", ctl->path);
		goto fail;
	}
	if (fd != -1) {
		/* The file, which its exit removes, is this process's now. */
		if (lstat(ctl->path, &st) == -1) {
			log_warn("control socket %s", ctl->path);
			goto fail;
		}
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	} else if (control_bind(ctl, &cf->control) == -1)
		goto fail;
	else if (listen(ctl->sock.fd, CONTROL_BACKLOG) == -1) {
		log_warn("control socket %s: listen", ctl->path);
		unlink(ctl->path);
		goto fail;
	}
	ctl->owned = 1;
	event_watch(epfd, EPOLL_CTL_ADD, ctl->sock.fd, EPOLLIN, &ctl->sock);
	event_watch(epfd, EPOLL_CTL_ADD, ctl->timer.fd, EPOLLIN, &ctl->timer);
	log_info("control socket on %s", ctl->path);
	return ctl;

 fail:
	if (ctl->timer.fd != -1)
		close(ctl->timer.fd);
	if (ctl->sock.fd != -1)
		close(ctl->sock.fd);
	free(ctl->path);
	free(ctl);
	return NULL;
}

int
control_fd(const struct control *ctl)
{
	return ctl->sock.fd;
}

void
control_disown(struct control *ctl)
{
	if (ctl != NULL)
		ctl->owned = 0;
}

static int
control_same(const struct config_control *a, const struct config_control *b)
{
	if ((a->path == NULL) != (b->path == NULL))
		return 0;
	return (a->path == NULL || strcmp(a->path, b->path) == 0) &&
	    a->uid == b->uid && a->gid == b->gid && a->mode == b->mode;
}

void
control_configure(struct control *ctl, const struct config *old,
    const struct config *next)
{
	if (!control_same(&old->control, &next->control))
		log_warnx("%s: the control socket's settings changed; they "
		    "take effect at the next start", next->path);
	if (ctl != NULL)
		ctl->cf = next;
}

/* The client is closed now and freed by control_settle. */
static void
control_drop(struct control_client *cl)
{
	struct control	*ctl = cl->ctl;

	close(cl->fd);	/* also leaves the epoll set */
	cl->fd = -1;
	cl->type = 0;
	TAILQ_REMOVE(&ctl->clients, cl, entry);
	ctl->nclients--;
	TAILQ_INSERT_TAIL(&ctl->gone, cl, entry);
	ctl->dirty = 1;
}

/* Reading while the client may send a command we act on now. */
static void
control_watch(struct control_client *cl)
{
	uint32_t	ev = 0;

	if (!cl->eof && !cl->closing && !cl->reload)
		ev |= EPOLLIN;
	if (cl->outoff < cl->outlen)
		ev |= EPOLLOUT;
	if (ev != cl->watched) {
		event_watch(cl->ctl->epfd, EPOLL_CTL_MOD, cl->fd, ev, cl);
		cl->watched = ev;
	}
}

/* Writes what the client will take now; -1 when it was dropped. */
static int
control_flush(struct control_client *cl)
{
	ssize_t	n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1) {
			log_debug("control client: %s", strerror(errno));
			control_drop(cl);
			return -1;
		}
		cl->outoff += (size_t)n;
		cl->active_ms = clock_ms();
		cl->ctl->dirty = 1;
	}
	if (cl->outoff == cl->outlen) {
		cl->outoff = cl->outlen = 0;
		if (cl->closing) {
			control_drop(cl);
			return -1;
		}
	}
	control_watch(cl);
	return 0;
}

/*
 * Queues an answer behind those the client has not taken; one that does
 * not fit in CONTROL_OUT_MAX drops the client: it does not read.
 */
static int
control_queue(struct control_client *cl, const char *text, size_t len)
{
	size_t	 need = cl->outlen - cl->outoff + len, size;
	char	*p;

	if (len == 0)
		return 0;	/* a reload's answer comes later */
	if (need > CONTROL_OUT_MAX) {
		log_warnx("control client not reading its answers (%zu bytes "
		    "waiting); dropped", cl->outlen - cl->outoff);
		control_drop(cl);
		return -1;
	}
	if (cl->outoff > 0) {
		memmove(cl->out, cl->out + cl->outoff, cl->outlen - cl->outoff);
		cl->outlen -= cl->outoff;
		cl->outoff = 0;
	}
	if (need > cl->outsize) {
		for (size = cl->outsize > 0 ? cl->outsize : 4096; size < need;
		    size *= 2)
			;
		if (size > CONTROL_OUT_MAX)
			size = CONTROL_OUT_MAX;
		if ((p = realloc(cl->out, size)) == NULL) {
			log_warn("control client: answer");
			control_drop(cl);
			return -1;
		}
		cl->out = p;
		cl->outsize = size;
	}
	memcpy(cl->out + cl->outlen, text, len);
	cl->outlen += len;
	return 0;
}

void
control_pool_workers(FILE *fp, const struct pool *p, int shard)
{
	const struct class	*c;
	const struct worker	*w;
	uint64_t		 now = clock_ms();
	struct timespec		 ts;
	time_t			 t;
	struct tm		 tm;
	char			 started[32];
	size_t			 i, j;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++) {
			w = c->workers[j];
			/* The monotonic start, as a date. */
			strcpy(started, "-");
			t = ts.tv_sec - (time_t)((now - w->started_ms) / 1000);
			if (w->started_ms != 0 && gmtime_r(&t, &tm) != NULL)
				strftime(started, sizeof(started),
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
			fprintf(fp, "pid=%d class=%s inhand=%u started=%s "
			    "state=%s", (int)w->pid, c->conf.name,
			    w->inhand, started,
			    class_worker_state(w, now));
			if (shard >= 0)
				fprintf(fp, " shard=%d", shard);
			fputc('\n', fp);
		}
}

/*
 * The metrics' samples, one "name{labels} value" line each: the same
 * numbers as a scrape, without its comments.
 */
static int
control_stats(FILE *fp, const struct control *ctl)
{
	struct buf	 b;
	char		*line, *next;
	int		 failed;

	buf_init(&b);
	ctl->stats(ctl->reload_arg, &b);
	for (line = b.data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] != '#')
			fprintf(fp, "%s\n", line);
	}
	failed = b.failed;
	buf_free(&b);
	return failed ? -1 : 0;
}

enum control_result {
	CONTROL_OK,
	CONTROL_ERROR,		/* the error line is in the answer's buffer */
	CONTROL_LATER,		/* answered by control_settle */
};

struct control_cmd {
	const char	*name;
	const char	*usage;
	int		 minargs, maxargs;	/* after the name */
	const char	*help;
};

static const struct control_cmd control_cmds[] = {
	{ "help", "help", 0, 0, "this list" },
	{ "workers", "workers", 0, 0,
	    "one line per worker: pid, class, in hand, started (UTC), state" },
	{ "stats", "stats", 0, 0,
	    "numbers, one \"name{labels} value\" line each" },
	{ "reload", "reload", 0, 0,
	    "reload the configuration as SIGHUP does: its errors, if any" },
	{ "explain", "explain ADDRESS [LISTENER]", 1, 2,
	    "which rule a client at ADDRESS[:PORT] matches, as dispatcher -e" },
};
#define CONTROL_NCMDS	(sizeof(control_cmds) / sizeof(control_cmds[0]))

static void
control_help(FILE *fp)
{
	size_t	i;

	for (i = 0; i < CONTROL_NCMDS; i++)
		fprintf(fp, "%-27s %s\n", control_cmds[i].usage,
		    control_cmds[i].help);
}

/* Runs one command: its data lines on fp, and the error's text in err. */
static enum control_result
control_run(struct control_client *cl, char **argv, int argc, FILE *fp,
    char *err, size_t errlen)
{
	struct control		*ctl = cl->ctl;
	const struct control_cmd *cmd = NULL;
	char			 answer[CONTROL_LINE_MAX + 128];
	size_t			 i;

	for (i = 0; i < CONTROL_NCMDS && cmd == NULL; i++)
		if (strcmp(control_cmds[i].name, argv[0]) == 0)
			cmd = &control_cmds[i];
	if (cmd == NULL) {
		snprintf(err, errlen, "unknown command \"%.64s\" (help lists "
		    "them)", argv[0]);
		return CONTROL_ERROR;
	}
	if (argc - 1 < cmd->minargs || argc - 1 > cmd->maxargs) {
		snprintf(err, errlen, "usage: %s", cmd->usage);
		return CONTROL_ERROR;
	}
	if (strcmp(cmd->name, "help") == 0)
		control_help(fp);
	else if (strcmp(cmd->name, "workers") == 0)
		ctl->workers(ctl->reload_arg, fp);
	else if (strcmp(cmd->name, "stats") == 0) {
		if (control_stats(fp, ctl) == -1) {
			snprintf(err, errlen, "out of memory");
			return CONTROL_ERROR;
		}
	} else if (strcmp(cmd->name, "reload") == 0) {
		cl->reload = 1;
		ctl->dirty = 1;
		return CONTROL_LATER;
	} else if (config_explain(ctl->cf, argv[1], argc > 2 ? argv[2] : NULL,
	    answer, sizeof(answer)) == 0)
		fprintf(fp, "%s\n", answer);
	else {
		snprintf(err, errlen, "%s", answer);
		return CONTROL_ERROR;
	}
	return CONTROL_OK;
}

/*
 * Renders an answer through fn, then queues it with its last line: 0,
 * or -1 when the client was dropped.
 */
typedef enum control_result control_render_fn(struct control_client *,
    void *, FILE *, char *, size_t);

static int
control_answer(struct control_client *cl, control_render_fn *fn, void *arg)
{
	enum control_result	 r;
	FILE			*fp;
	char			*text = NULL, err[CONTROL_LINE_MAX + 128];
	size_t			 len = 0;
	int			 rc;

	if ((fp = open_memstream(&text, &len)) == NULL) {
		log_warn("control client: answer");
		control_drop(cl);
		return -1;
	}
	err[0] = '\0';
	r = fn(cl, arg, fp, err, sizeof(err));
	if (r == CONTROL_OK)
		fputs("ok\n", fp);
	else if (r == CONTROL_ERROR)
		fprintf(fp, "error %s\n", err);
	if (fclose(fp) == EOF) {
		log_warn("control client: answer");
		free(text);
		control_drop(cl);
		return -1;
	}
	rc = control_queue(cl, text, len);
	free(text);
	return rc;
}

/* The words of a line, at most CONTROL_MAX_ARGS of them. */
static enum control_result
control_line(struct control_client *cl, void *arg, FILE *fp, char *err,
    size_t errlen)
{
	char	*line = arg, *argv[CONTROL_MAX_ARGS + 1], *word;
	int	 argc = 0;

	while ((word = strsep(&line, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		if (argc == CONTROL_MAX_ARGS) {
			snprintf(err, errlen, "too many arguments");
			return CONTROL_ERROR;
		}
		argv[argc++] = word;
	}
	argv[argc] = NULL;
	return control_run(cl, argv, argc, fp, err, errlen);
}

static enum control_result
control_overlong(struct control_client *cl, void *arg, FILE *fp, char *err,
    size_t errlen)
{
	(void)cl;
	(void)arg;
	(void)fp;
	snprintf(err, errlen, "line longer than %d bytes; closing",
	    CONTROL_LINE_MAX - 1);
	return CONTROL_ERROR;
}

/*
 * Runs the complete lines read, in order, up to a reload (which waits
 * for control_settle), then watches the client for what comes next: -1
 * when it was dropped.
 */
static int
control_input(struct control_client *cl)
{
	char	*nl, *line = cl->in;
	size_t	 len, n;

	while (!cl->reload && !cl->closing) {
		if ((nl = memchr(cl->in, '\n', cl->inlen)) != NULL) {
			*nl = '\0';
			len = (size_t)(nl - cl->in) + 1;
		} else if (cl->eof && cl->inlen > 0 &&
		    cl->inlen < sizeof(cl->in)) {
			/* A last line without its "\n". */
			len = cl->inlen;
			cl->in[len] = '\0';
		} else
			break;
		if ((n = strlen(line)) > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (line[strspn(line, " \t")] != '\0' &&
		    control_answer(cl, control_line, line) == -1)
			return -1;
		cl->inlen -= len;
		memmove(cl->in, cl->in + len, cl->inlen);
	}
	if (!cl->reload && !cl->closing) {
		if (cl->inlen == sizeof(cl->in)) {
			if (control_answer(cl, control_overlong, NULL) == -1)
				return -1;
			cl->closing = 1;
		} else if (cl->eof)
			cl->closing = 1;
	}
	return control_flush(cl);
}

static void
control_read(struct control_client *cl)
{
	ssize_t	n;

	n = read(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		log_debug("control client: %s", strerror(errno));
		control_drop(cl);
		return;
	}
	if (n == 0)
		cl->eof = 1;
	cl->inlen += (size_t)n;
	cl->active_ms = clock_ms();
	cl->ctl->dirty = 1;
	(void)control_input(cl);
}

static void
control_accept(struct control *ctl)
{
	struct control_client	*cl;
	const char		*why;
	char			 refusal[64];
	int			 fd, i, n;

	/* Bounded: a client refused is one more accept. */
	for (i = 0; i < CONTROL_CLIENTS_MAX + 1; i++) {
		fd = accept4(ctl->sock.fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			log_warn("control socket: accept; pausing it");
			event_watch(ctl->epfd, EPOLL_CTL_MOD, ctl->sock.fd, 0,
			    &ctl->sock);
			ctl->paused_ms = clock_ms() + CONTROL_PAUSE_MS;
			ctl->dirty = 1;
			return;
		}
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control socket: accept");
			return;
		}
		why = NULL;
		if (ctl->nclients >= CONTROL_CLIENTS_MAX)
			why = "too many control clients";
		else if ((cl = calloc(1, sizeof(*cl))) == NULL)
			why = "out of memory";
		if (why != NULL) {
			log_warnx("control socket: %s; one refused", why);
			/* A fresh socket's buffer takes one short line. */
			n = snprintf(refusal, sizeof(refusal), "error %s\n", why);
			(void)send(fd, refusal, (size_t)n,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		cl->type = EVENT_CONTROL_CLIENT;
		cl->fd = fd;
		cl->ctl = ctl;
		cl->watched = EPOLLIN;
		cl->active_ms = clock_ms();
		event_watch(ctl->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, cl);
		TAILQ_INSERT_TAIL(&ctl->clients, cl, entry);
		ctl->nclients++;
		ctl->dirty = 1;
	}
}

/* Closes idle clients, resumes accepting when due, arms the timer. */
static void
control_timer(struct control *ctl)
{
	struct control_client	*cl, *next;
	uint64_t		 now = clock_ms(), when;

	ctl->dirty = 0;
	if (ctl->paused_ms != 0 && ctl->paused_ms <= now) {
		ctl->paused_ms = 0;
		event_watch(ctl->epfd, EPOLL_CTL_MOD, ctl->sock.fd, EPOLLIN,
		    &ctl->sock);
	}
	when = ctl->paused_ms;
	for (cl = TAILQ_FIRST(&ctl->clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if (cl->active_ms + CONTROL_IDLE_MS <= now) {
			log_debug("control client idle for %d s; closed",
			    CONTROL_IDLE_MS / 1000);
			control_drop(cl);
			continue;
		}
		if (when == 0 || cl->active_ms + CONTROL_IDLE_MS < when)
			when = cl->active_ms + CONTROL_IDLE_MS;
	}
	clock_timer_at(ctl->timer.fd, when);
	ctl->dirty = 0;
}

void
control_event(struct control *ctl, void *ptr, uint32_t events)
{
	struct control_client	*cl = ptr;
	uint64_t		 ticks;

	switch (*(int *)ptr) {
	case EVENT_CONTROL:
		control_accept(ctl);
		break;
	case EVENT_CONTROL_TIMER:
		if (read(ctl->timer.fd, &ticks, sizeof(ticks)) == -1 &&
		    errno != EAGAIN)
			log_warn("control timer");
		ctl->dirty = 1;
		break;
	case EVENT_CONTROL_CLIENT:
		if (events & EPOLLERR)
			control_drop(cl);
		else if (events & EPOLLIN)
			control_read(cl);
		else if (events & EPOLLHUP)
			control_drop(cl);	/* nobody to answer */
		else if (events & EPOLLOUT)
			(void)control_flush(cl);
		break;
	}
}

static enum control_result
control_reload_answer(struct control_client *cl, void *arg, FILE *fp,
    char *err, size_t errlen)
{
	struct control	*ctl = cl->ctl;

	(void)arg;
	if (ctl->reload(ctl->reload_arg, config_report_print, fp) == 0)
		return CONTROL_OK;
	snprintf(err, errlen, "reload failed; keeping the previous "
	    "configuration");
	return CONTROL_ERROR;
}

void
control_settle(struct control *ctl)
{
	struct control_client	*cl, *next;

	if (ctl == NULL || !ctl->dirty)
		return;
	for (cl = TAILQ_FIRST(&ctl->clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		/* Its input may ask again: at most a line's worth of times. */
		while (cl->type != 0 && cl->reload) {
			cl->reload = 0;
			if (control_answer(cl, control_reload_answer,
			    NULL) == 0)
				(void)control_input(cl);
		}
	}
	while ((cl = TAILQ_FIRST(&ctl->gone)) != NULL) {
		TAILQ_REMOVE(&ctl->gone, cl, entry);
		free(cl->out);
		free(cl);
	}
	control_timer(ctl);
}

void
control_close(struct control *ctl)
{
	struct control_client	*cl;
	struct stat		 st;

	if (ctl == NULL)
		return;
	while ((cl = TAILQ_FIRST(&ctl->clients)) != NULL)
		control_drop(cl);
	ctl->dirty = 0;
	while ((cl = TAILQ_FIRST(&ctl->gone)) != NULL) {
		TAILQ_REMOVE(&ctl->gone, cl, entry);
		free(cl->out);
		free(cl);
	}
	/* Only the file made: another process may have replaced it since. */
	if (ctl->owned && lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino && unlink(ctl->path) == -1)
		log_warn("control socket %s: cannot remove it", ctl->path);
	/* Handed to an upgrade's new dispatcher, it lives on: see listener.c. */
	(void)epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, ctl->sock.fd, NULL);
	close(ctl->sock.fd);
	close(ctl->timer.fd);
	free(ctl->path);
	free(ctl);
}

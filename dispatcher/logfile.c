#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "logfile.h"

struct logfile {
	char		*path;		/* NULL: standard error */
	int		 fd;		/* the writer's alone once started */
	pthread_t	 thread;
	/* Shared with the writer, under lock. */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct buf	 pending;	/* at most LOGFILE_BUFFER bytes */
	uint64_t	 dropped;
	int		 reopen;
	int		 stop;
	int		 idle;		/* the writer waits to be signalled */
	int		 done;		/* the writer is leaving */
	int		 orphan;	/* closed without it: it frees itself */
};

static void
logfile_free(struct logfile *lf)
{
	if (lf->fd != STDERR_FILENO)
		close(lf->fd);
	buf_free(&lf->pending);
	pthread_mutex_destroy(&lf->lock);
	pthread_cond_destroy(&lf->cond);
	free(lf->path);
	free(lf);
}

static int
logfile_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/* Writes all of b, whatever the disk's pace; errors are logged once. */
static void
logfile_write(struct logfile *lf, struct buf *b, int *failing)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < b->len) {
		if ((n = write(lf->fd, b->data + off, b->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			if (!*failing)
				log_warn("access log %s", lf->path != NULL ?
				    lf->path : "(stderr)");
			*failing = 1;
			break;
		}
		off += (size_t)n;
		*failing = 0;
	}
	b->len = 0;
}

static void *
logfile_writer(void *arg)
{
	struct logfile	*lf = arg;
	struct timespec	 gather = { 0, LOGFILE_GATHER_MS * 1000000L };
	struct buf	 out, swap;
	int		 reopen, stop, orphan = 0, fd, failing = 0;

	buf_init(&out);
	for (;;) {
		pthread_mutex_lock(&lf->lock);
		lf->idle = 1;
		while (lf->pending.len == 0 && !lf->reopen && !lf->stop)
			pthread_cond_wait(&lf->cond, &lf->lock);
		lf->idle = 0;
		if (!lf->reopen && !lf->stop) {
			/*
			 * Lines come a few at a time, a batch of events each:
			 * waiting a little for more makes one write of many,
			 * and the loop signals only an idle writer.
			 */
			pthread_mutex_unlock(&lf->lock);
			nanosleep(&gather, NULL);
			pthread_mutex_lock(&lf->lock);
		}
		swap = out;
		out = lf->pending;
		lf->pending = swap;
		reopen = lf->reopen;
		lf->reopen = 0;
		/* Stopped, with every line written. */
		if ((stop = lf->stop && out.len == 0)) {
			lf->done = 1;
			orphan = lf->orphan;
		}
		pthread_mutex_unlock(&lf->lock);
		if (stop)
			break;

		/* What was written before the rotation goes to the old file. */
		logfile_write(lf, &out, &failing);
		if (reopen && lf->path != NULL) {
			if ((fd = logfile_fd(lf->path)) == -1)
				log_warn("access log: cannot reopen %s; "
				    "writing on to the old file", lf->path);
			else {
				close(lf->fd);
				lf->fd = fd;
			}
		}
	}
	buf_free(&out);
	if (orphan)
		logfile_free(lf);
	return NULL;
}

struct logfile *
logfile_open(const char *path, uid_t owner, gid_t group)
{
	struct logfile	*lf;
	sigset_t	 all, old;
	int		 rc, stdio = strcmp(path, "-") == 0;

	if ((lf = calloc(1, sizeof(*lf))) == NULL)
		return NULL;
	if (!stdio && (lf->path = strdup(path)) == NULL) {
		free(lf);
		return NULL;
	}
	if ((lf->fd = stdio ? STDERR_FILENO : logfile_fd(path)) == -1) {
		rc = errno;
		free(lf->path);
		free(lf);
		errno = rc;
		return NULL;
	}
	if (!stdio && owner != (uid_t)-1 && geteuid() == 0 &&
	    fchown(lf->fd, owner, group) == -1)
		log_warn("access log %s: chown", path);
	buf_init(&lf->pending);
	pthread_mutex_init(&lf->lock, NULL);
	pthread_cond_init(&lf->cond, NULL);
	/* Signals are the loop's (signalfd): the writer takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&lf->thread, NULL, logfile_writer, lf);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		logfile_free(lf);
		errno = rc;
		return NULL;
	}
	return lf;
}

int
logfile_is(const struct logfile *lf, const char *path)
{
	if (lf->path == NULL)
		return strcmp(path, "-") == 0;
	return strcmp(lf->path, path) == 0;
}

void
logfile_put(struct logfile *lf, struct buf *b, uint64_t lines)
{
	if (lines == 0)
		return;
	pthread_mutex_lock(&lf->lock);
	if (b->failed || lf->pending.len + b->len > LOGFILE_BUFFER)
		lf->dropped += lines;
	else {
		buf_append(&lf->pending, b->data, b->len);
		if (lf->pending.failed) {
			/* Out of memory: these lines, not the ones waiting. */
			lf->pending.failed = 0;
			lf->dropped += lines;
		}
		if (lf->idle)
			pthread_cond_signal(&lf->cond);
	}
	pthread_mutex_unlock(&lf->lock);
	b->len = 0;
	b->failed = 0;
}

void
logfile_reopen(struct logfile *lf)
{
	pthread_mutex_lock(&lf->lock);
	lf->reopen = 1;
	pthread_cond_signal(&lf->cond);
	pthread_mutex_unlock(&lf->lock);
}

uint64_t
logfile_dropped(struct logfile *lf)
{
	uint64_t	n;

	pthread_mutex_lock(&lf->lock);
	n = lf->dropped;
	pthread_mutex_unlock(&lf->lock);
	return n;
}

void
logfile_close(struct logfile *lf, int wait_ms)
{
	struct timespec	deadline;
	pthread_t	writer;

	if (lf == NULL)
		return;
	pthread_mutex_lock(&lf->lock);
	lf->stop = 1;
	pthread_cond_signal(&lf->cond);
	pthread_mutex_unlock(&lf->lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(lf->thread, NULL, &deadline) == 0) {
		logfile_free(lf);
		return;
	}
	pthread_mutex_lock(&lf->lock);
	if (!lf->done) {
		/* Told under the lock: once orphaned, it is the writer's. */
		log_warnx("access log %s: the disk is slow; its last lines "
		    "are written in the background", lf->path != NULL ?
		    lf->path : "(stderr)");
		lf->orphan = 1;
		writer = lf->thread;
		pthread_mutex_unlock(&lf->lock);
		pthread_detach(writer);
		return;
	}
	/* It made it after all. */
	pthread_mutex_unlock(&lf->lock);
	pthread_join(lf->thread, NULL);
	logfile_free(lf);
}

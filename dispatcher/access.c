#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "addr.h"
#include "class.h"
#include "clock.h"
#include "config.h"
#include "logfile.h"

/* The fields of a line known when its connection is handed out. */
#define ACCESS_FIELDS	(ADDR_PORTSTRLEN + 2 * CONFIG_MAX_LISTENER_NAME + 160)
#define ACCESS_LINE	(ACCESS_FIELDS + 128)	/* with time and outcome */
#define ACCESS_SPARE	256	/* records kept for reuse */

struct access_rec {
	uint64_t		 id;
	const struct worker	*w;
	uint64_t		 handed_ms;
	struct access_rec	*next;		/* on the spare list */
	size_t			 len;		/* of fields */
	char			 fields[ACCESS_FIELDS];
};

struct access {
	struct logfile		 *log;		/* NULL: off; not ours to close */
	/* Lines since the last access_flush: this loop's own. */
	struct buf		  lines;
	uint64_t		  nlines;
	const struct config	 *cf;
	/* Connections in hand, by id: open addressing, linear probing. */
	struct access_rec	**slot;
	size_t			  cap;		/* a power of two, or 0 */
	size_t			  n;
	struct access_rec	 *spare;
	size_t			  nspare;
	/* The time's text up to its second, made once a second. */
	time_t			  sec;
	char			  stamp[32];	/* "time=...:SS." */
};

struct access *
access_new(void)
{
	struct access	*a;

	if ((a = calloc(1, sizeof(*a))) != NULL)
		buf_init(&a->lines);
	return a;
}

static void
access_forget(struct access *a)
{
	struct access_rec	*r;
	size_t			 i;

	for (i = 0; i < a->cap; i++)
		free(a->slot[i]);
	free(a->slot);
	a->slot = NULL;
	a->cap = a->n = 0;
	while ((r = a->spare) != NULL) {
		a->spare = r->next;
		free(r);
	}
	a->nspare = 0;
}

void
access_free(struct access *a)
{
	if (a == NULL)
		return;
	access_flush(a);
	access_forget(a);
	buf_free(&a->lines);
	free(a);
}

struct logfile *
access_set_log(struct access *a, struct logfile *lf)
{
	struct logfile	*old = a->log;

	access_flush(a);
	a->log = lf;
	if (lf == NULL)
		access_forget(a);
	return old;
}

struct logfile *
access_log(const struct access *a)
{
	return a->log;
}

/* Adds a line of len bytes (the newline is added). */
static void
access_line(struct access *a, const char *line, size_t len)
{
	buf_append(&a->lines, line, len);
	buf_append(&a->lines, "\n", 1);
	a->nlines++;
}

void
access_flush(struct access *a)
{
	if (a->log != NULL)
		logfile_put(a->log, &a->lines, a->nlines);
	a->nlines = 0;
}

void
access_configure(struct access *a, const struct config *cf)
{
	a->cf = cf;
}

/*
 * A line is built by appending to a fixed buffer: a line a connection,
 * at tens of thousands a second, printf's format parsing shows in the
 * profile.  Text that does not fit is cut; no field is longer than its
 * limit (ACCESS_FIELDS).
 */
struct access_text {
	char	*p;
	char	*end;		/* the last byte, kept for the NUL */
};

static void
access_str(struct access_text *t, const char *s)
{
	while (*s != '\0' && t->p < t->end)
		*t->p++ = *s++;
	*t->p = '\0';
}

static void
access_num(struct access_text *t, uint64_t v)
{
	char	digits[24], *d = digits + sizeof(digits);

	*--d = '\0';
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	access_str(t, d);
}

/* " key=" and an integer, or "-" for a negative one. */
static void
access_int(struct access_text *t, const char *key, long long v)
{
	access_str(t, key);
	if (v < 0)
		access_str(t, "-");
	else
		access_num(t, (uint64_t)v);
}

/* "time=2026-11-30T01:02:03.456Z", the second's part made once a second. */
static void
access_time(struct access *a, struct access_text *t)
{
	struct timespec	ts;
	struct tm	tm;
	long		ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != a->sec) {
		a->sec = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(a->stamp, sizeof(a->stamp), "time=%Y-%m-%dT%H:%M:%S.",
		    &tm);
	}
	access_str(t, a->stamp);
	ms = ts.tv_nsec / 1000000;
	access_num(t, (uint64_t)(ms / 100));
	access_num(t, (uint64_t)(ms / 10 % 10));
	access_num(t, (uint64_t)(ms % 10));
	access_str(t, "Z");
}

/* The fields known when a connection is handed out (or refused). */
static void
access_fields(const struct access *a, const struct conn *cn,
    const char *class, const struct worker *w, uint64_t now,
    struct access_text *t)
{
	const struct config_listener	*l = NULL;
	const struct sockaddr_in6	*sin6;
	char				 host[ADDR_STRLEN];

	if (a->cf != NULL && cn->listener >= 0 &&
	    (size_t)cn->listener < a->cf->nlisteners)
		l = &a->cf->listeners[cn->listener];
	access_int(t, " conn=", (long long)cn->id);
	access_str(t, " peer=");
	if (addr_ntop((const struct sockaddr *)&cn->peer, host,
	    sizeof(host)) == NULL)
		access_str(t, "-");
	else if (cn->peer.ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)&cn->peer;
		access_str(t, "[");
		access_str(t, host);
		access_int(t, "]:", ntohs(sin6->sin6_port));
	} else {
		access_str(t, host);
		access_int(t, ":",
		    ntohs(((const struct sockaddr_in *)&cn->peer)->sin_port));
	}
	access_str(t, " listener=");
	access_str(t, l == NULL ? "-" : l->name != NULL ? l->name : l->text);
	access_int(t, " lane=", cn->lane);
	access_str(t, " rule=");
	if (cn->rule == 0)
		access_str(t, "default");
	else
		access_num(t, (uint64_t)cn->rule);
	access_str(t, " class=");
	access_str(t, class != NULL ? class : "-");
	access_int(t, " worker=", w != NULL ? (long long)w->pid : -1);
	access_int(t, " queued_ms=", cn->queued_ms != 0 ?
	    (long long)(now - cn->queued_ms) : 0);
}

void
access_refused(struct access *a, const struct conn *cn, const char *class,
    const char *outcome, const char *reason)
{
	char			line[ACCESS_LINE];
	struct access_text	t = { line, line + sizeof(line) - 1 };

	if (a == NULL || a->log == NULL)
		return;
	access_time(a, &t);
	access_fields(a, cn, class, NULL, clock_ms(), &t);
	access_str(&t, " in_hand_ms=- outcome=");
	access_str(&t, outcome);
	access_str(&t, " reason=");
	access_str(&t, reason);
	access_line(a, line, (size_t)(t.p - line));
}

static size_t
access_hash(const struct access *a, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 16) & (a->cap - 1);
}

/* Room for one more at half load at most: 0, or -1 out of memory. */
static int
access_grow(struct access *a)
{
	struct access_rec	**old = a->slot;
	size_t			  oldcap = a->cap, i, h;

	if ((a->n + 1) * 2 <= a->cap)
		return 0;
	a->cap = oldcap > 0 ? oldcap * 2 : 64;
	if ((a->slot = calloc(a->cap, sizeof(*a->slot))) == NULL) {
		a->slot = old;
		a->cap = oldcap;
		return -1;
	}
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		for (h = access_hash(a, old[i]->id); a->slot[h] != NULL;
		    h = (h + 1) & (a->cap - 1))
			;
		a->slot[h] = old[i];
	}
	free(old);
	return 0;
}

void
access_handed(struct access *a, const struct conn *cn,
    const struct worker *w)
{
	struct access_rec	*r;
	struct access_text	 t;
	size_t			 h;
	uint64_t		 now;

	if (a == NULL || a->log == NULL)
		return;
	if ((r = a->spare) != NULL) {
		a->spare = r->next;
		a->nspare--;
	} else if ((r = malloc(sizeof(*r))) == NULL)
		return;
	if (access_grow(a) == -1) {
		/* Its line will be missing: counted as dropped then. */
		free(r);
		return;
	}
	now = clock_ms();
	r->id = cn->id;
	r->w = w;
	r->handed_ms = now;
	t.p = r->fields;
	t.end = r->fields + sizeof(r->fields) - 1;
	access_fields(a, cn, w->cls->conf.name, w, now, &t);
	r->len = (size_t)(t.p - r->fields);
	for (h = access_hash(a, r->id); a->slot[h] != NULL;
	    h = (h + 1) & (a->cap - 1))
		;
	a->slot[h] = r;
	a->n++;
}

/* Takes the record out of slot h, moving up those probed past it. */
static void
access_remove(struct access *a, size_t h)
{
	struct access_rec	*r = a->slot[h];
	size_t			 i, j, home;

	a->slot[h] = NULL;
	a->n--;
	for (i = h, j = (h + 1) & (a->cap - 1); a->slot[j] != NULL;
	    j = (j + 1) & (a->cap - 1)) {
		home = access_hash(a, a->slot[j]->id);
		/* Movable when its home is not within (i, j], cyclically. */
		if (((j - home) & (a->cap - 1)) >= ((j - i) & (a->cap - 1))) {
			a->slot[i] = a->slot[j];
			a->slot[j] = NULL;
			i = j;
		}
	}
	if (a->nspare < ACCESS_SPARE) {
		r->next = a->spare;
		a->spare = r;
		a->nspare++;
	} else
		free(r);
}

static void
access_end(struct access *a, size_t h, const char *outcome)
{
	struct access_rec	*r = a->slot[h];
	char			 line[ACCESS_LINE];
	struct access_text	 t = { line, line + sizeof(line) - 1 };

	access_time(a, &t);
	memcpy(t.p, r->fields, r->len + 1);
	t.p += r->len;
	access_int(&t, " in_hand_ms=", (long long)(clock_ms() - r->handed_ms));
	access_str(&t, " outcome=");
	access_str(&t, outcome);
	access_str(&t, " reason=-");
	access_line(a, line, (size_t)(t.p - line));
	access_remove(a, h);
}

void
access_done(struct access *a, uint64_t id)
{
	size_t	h;

	if (a == NULL || a->n == 0)
		return;
	for (h = access_hash(a, id); a->slot[h] != NULL;
	    h = (h + 1) & (a->cap - 1))
		if (a->slot[h]->id == id) {
			access_end(a, h, "served");
			return;
		}
}

void
access_worker_end(struct access *a, const struct worker *w, int lost)
{
	size_t	h;

	if (a == NULL || a->n == 0)
		return;
	/* Rare (a worker's end) and bounded by the table: a scan. */
	for (h = 0; h < a->cap; )
		if (a->slot[h] != NULL && a->slot[h]->w == w)
			/* The slot may now hold one moved up: look again. */
			access_end(a, h, lost ? "lost" : "served");
		else
			h++;
}

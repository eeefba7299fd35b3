/*
 * loadgen: a TCP load generator for the dispatcher and its baselines.
 *
 * Each connection connects, reads until EOF, sorts the reply by the word
 * in "with CLASS priority" and closes with a reset.  Normal clients run
 * either a closed loop (a fixed number in flight) or an open loop (a fixed
 * rate, whether or not the server keeps up); "special" clients, if asked
 * for, arrive as an open-loop trickle from their own source addresses, and
 * are counted apart so that their latency under a flood can be read alone.
 * With --note-refusal the first normal client refused (closed without a
 * reply) is announced on stderr at once, so that a second load generator
 * can time its start to a server whose queue is full.
 *
 * With --http every client sends an HTTP/1.1 GET once connected, for a
 * class with handler "http", and the reply's class is read from the body.
 *
 * With --proxy-v2 (or --proxy-v1) every client first sends the PROXY
 * protocol header a balancer would (TCP over IPv4 or IPv6; before the GET
 * with --http): the address and port it came from, the target's as the
 * destination.  --proxy-src addr/prefix puts addresses of that range in
 * turn in the normal clients' headers instead of their own, any range
 * since they are not bound, so that the rules see many clients; special
 * clients' headers always carry their own source (--special-src), so that
 * the rules still class them as special.
 *
 * Clients can also misbehave as real ones do (--behave): half-close as
 * soon as connected and then read, reset as soon as connected, or never
 * read (with --rcvbuf, behind a window smaller than the reply).  -n ends
 * the run after that many normal clients.  With --drain the run ends by waiting for the connections in
 * flight, each up to its timeout, so that every one of them is counted
 * as answered, refused, reset or timed out, none as unfinished.
 * --special-latencies writes each special client's latency to a file, for
 * a distribution finer than the summary's percentiles.  The summary also
 * says how many connections were in flight on average (started and not
 * finished): what concurrency a closed loop reached, and what an open
 * loop built up.
 *
 * Each thread has its own epoll set, every socket non-blocking.  -j
 * spreads the load over that many threads, each with its share of the
 * connections in flight and of the rates, and adds up their counts at the
 * end: one thread saturates one core at about 25,000 connections a
 * second, and a server faster than that would measure the load generator.
 * Connections are kept in start order, so with one timeout for all the
 * oldest one is the next to expire and a timeout check is a look at the
 * list's head.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bench.h"

#define LOADGEN_CONN_MAX	20000	/* connections in flight, at most */
#define LOADGEN_DURATION_MAX	600	/* seconds */
#define LOADGEN_RATE_MAX	1000000	/* connections per second */
#define LOADGEN_TIMEOUT_MAX	60000	/* ms */
#define LOADGEN_REPLY_MAX	512	/* bytes of a reply kept to classify */
/* What an --http client sends once connected. */
#define LOADGEN_HTTP_REQUEST	"GET / HTTP/1.1\r\nHost: bench\r\n" \
				"User-Agent: loadgen\r\n\r\n"
/* What a client sends first: a PROXY header (v1 at most 107), the GET. */
#define LOADGEN_FIRST_MAX	256
#define LOADGEN_CLASS_MAX	16	/* class words counted apart */
#define LOADGEN_CLASS_LEN	32
#define LOADGEN_EVENTS		256
#define LOADGEN_FD_RESERVE	32	/* descriptors not for connections */
#define LOADGEN_THREADS_MAX	1024	/* -j: bench/run gives one a core */
/* Histogram: 16 linear sub-buckets per power of two, so under 7% error. */
#define LOADGEN_SUB_BITS	4
#define LOADGEN_SUB		(1 << LOADGEN_SUB_BITS)
#define LOADGEN_BUCKETS		(61 * LOADGEN_SUB)

enum loadgen_behave {
	LOADGEN_READ,		/* read the reply, then reset */
	LOADGEN_HALFCLOSE,	/* shutdown(SHUT_WR) once connected, then read */
	LOADGEN_RESET,		/* reset once connected */
	LOADGEN_NOREAD,		/* never read; reset at the timeout */
	LOADGEN_NBEHAVES
};

static const char *const loadgen_behave_names[LOADGEN_NBEHAVES] = {
	"read", "halfclose", "reset", "noread"
};

enum loadgen_kind {
	LOADGEN_NORMAL,
	LOADGEN_SPECIAL,
	LOADGEN_NKINDS
};

static const char *const loadgen_kind_names[LOADGEN_NKINDS] = {
	"normal", "special"
};

struct loadgen_stats {
	uint64_t	started;
	uint64_t	replies;	/* a non-empty reply, then EOF */
	uint64_t	classes[LOADGEN_CLASS_MAX];
	uint64_t	other;		/* a reply without "with X priority" */
	uint64_t	empty;		/* EOF before any byte: denied, rejected */
	uint64_t	connect_errors;
	uint64_t	resets;
	uint64_t	aborted;	/* --behave reset: reset on purpose */
	uint64_t	timeouts;
	uint64_t	unfinished;	/* still in flight at the end */
	uint64_t	skipped;	/* open loop: due, but no slot free */
	uint64_t	max_us;
	uint64_t	busy_us;	/* in flight, summed over connections */
	uint64_t	hist[LOADGEN_BUCKETS];
	char		error[128];	/* the last connect error */
};

struct loadgen_conn {
	TAILQ_ENTRY(loadgen_conn) entry;	/* in flight, or free */
	int			 fd;
	enum loadgen_kind	 kind;
	int			 connected;
	uint64_t		 start_us;
	size_t			 len;
	char			 buf[LOADGEN_REPLY_MAX + 1];
};

TAILQ_HEAD(loadgen_list, loadgen_conn);

/* Where one kind of client binds: a range of addresses, taken in turn. */
struct loadgen_source {
	const char		*spec;
	int			 bind;
	struct sockaddr_storage	 base;
	socklen_t		 len;
	uint32_t		 first;		/* host order, IPv4 */
	uint32_t		 count;
	uint32_t		 next;
};

struct loadgen {
	struct sockaddr_storage	 target;
	socklen_t		 target_len;
	const char		*target_spec;
	long			 concurrency;
	long			 rate;		/* 0: closed loop */
	long			 special_rate;
	int			 note_refusal;
	int			 http;		/* --http: send a GET first */
	int			 proxy;		/* PROXY header version; 0: none */
	struct loadgen_source	 proxy_src;	/* --proxy-src: not bound */
	enum loadgen_behave	 behave;
	int			 drain;
	long			 count;		/* normal clients to start; 0: no limit */
	int			 rcvbuf;	/* SO_RCVBUF of normal clients; 0: the default */
	long			 duration_s;
	long			 timeout_ms;
	int			 quiet;
	const char		*latency_path;	/* --special-latencies */
	long			 threads;	/* -j */
	struct loadgen_source	 src[LOADGEN_NKINDS];
	pthread_t		 tid;

	int			 epfd;
	size_t			 cap;		/* connections in flight */
	size_t			 limit[LOADGEN_NKINDS];	/* each kind's share */
	struct loadgen_conn	*conns;
	struct loadgen_list	 busy;		/* in start order */
	struct loadgen_list	 idle;
	size_t			 nbusy[LOADGEN_NKINDS];
	uint64_t		 scheduled[LOADGEN_NKINDS];
	uint64_t		 t0_us;
	uint64_t		 elapsed_us;
	int			 failed_now;	/* a start failed at once */
	char			 classes[LOADGEN_CLASS_MAX][LOADGEN_CLASS_LEN];
	size_t			 nclasses;
	struct loadgen_stats	 st[LOADGEN_NKINDS];
	uint32_t		*latencies;	/* special replies' latencies, us */
	size_t			 nlatencies;
	size_t			 latencies_cap;
};

/*
 * Set by SIGINT and SIGTERM, for every thread; the signal also writes to
 * loadgen_stop_fd, which is in every thread's epoll set, so that each of
 * them wakes up to see it, not only the one the signal interrupted.
 */
static atomic_int	loadgen_stop;
static int		loadgen_stop_fd = -1;
static atomic_int	loadgen_refusal_noted;

static void
loadgen_usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-q] [-c conns] [-r rate] [-d seconds] "
	    "[-n count] [-t timeout_ms] [-j threads]\n"
	    "               [--src addr[/prefix]] [--special-src addr[/prefix]]"
	    "\n"
	    "               [--special-rate rate] [--note-refusal] "
	    "[--drain] [--http]\n"
	    "               [--proxy-v1 | --proxy-v2] "
	    "[--proxy-src addr[/prefix]]\n"
	    "               [--behave read|halfclose|reset|noread] "
	    "[--rcvbuf bytes]\n"
	    "               [--special-latencies file] host:port\n");
	exit(BENCH_EXIT_USAGE);
}

static enum loadgen_behave
loadgen_parse_behave(const char *name)
{
	int	i;

	for (i = 0; i < LOADGEN_NBEHAVES; i++)
		if (strcmp(name, loadgen_behave_names[i]) == 0)
			return (enum loadgen_behave)i;
	errx(BENCH_EXIT_USAGE, "--behave %s: expected read, halfclose, reset "
	    "or noread", name);
}

/* The first signal ends the run (and starts the drain), a second the drain. */
static void
loadgen_signal(int sig)
{
	uint64_t	one = 1;
	ssize_t		n;
	int		saved = errno;

	(void)sig;
	if (loadgen_stop < 2)
		loadgen_stop++;
	n = write(loadgen_stop_fd, &one, sizeof(one));
	(void)n;
	errno = saved;
}

/*
 * "127.0.1.0/24" gives the prefix's hosts without its first and last
 * address; a bare address, or ::1, gives itself.  A source to bind to
 * (bound) must be on loopback; one only carried in PROXY headers, not.
 */
static void
loadgen_parse_source(struct loadgen_source *s, const char *spec, int bound)
{
	char		 addr[64], *slash;
	long		 prefix = 32;
	uint32_t	 a, size;

	if (strlen(spec) >= sizeof(addr))
		errx(BENCH_EXIT_USAGE, "%s: bad source", spec);
	strcpy(addr, spec);
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		prefix = bench_parse_long(slash + 1, 8, 32, "source prefix");
	}
	if (bench_parse_ip(addr, 0, &s->base, &s->len) == -1)
		errx(BENCH_EXIT_USAGE, "%s: bad source address", spec);
	if (bound && !bench_is_loopback(&s->base))
		errx(BENCH_EXIT_USAGE, "%s: not a loopback address", spec);
	s->spec = spec;
	s->bind = bound;
	s->count = 1;
	if (s->base.ss_family == AF_INET6) {
		if (slash != NULL)
			errx(BENCH_EXIT_USAGE, "%s: IPv6 sources are one "
			    "address only", spec);
		return;
	}
	a = ntohl(((struct sockaddr_in *)&s->base)->sin_addr.s_addr);
	size = prefix == 32 ? 1 : (uint32_t)1 << (32 - prefix);
	s->first = a & ~(size - 1);
	s->count = size;
	if (size >= 4) {
		s->first++;
		s->count -= 2;
	}
	if (bound && size > 1 && (s->first >> 24) != 127)
		errx(BENCH_EXIT_USAGE, "%s: not inside 127.0.0.0/8", spec);
}

/* Puts s's next address into ss (of s's family), leaving its port. */
static void
loadgen_source_next(struct loadgen_source *s, struct sockaddr_storage *ss)
{
	if (s->base.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)ss)->sin6_addr =
		    ((struct sockaddr_in6 *)&s->base)->sin6_addr;
		return;
	}
	((struct sockaddr_in *)ss)->sin_addr.s_addr =
	    htonl(s->first + s->next);
	s->next = (s->next + 1) % s->count;
}

static void
loadgen_error(struct loadgen *lg, enum loadgen_kind kind, const char *what)
{
	lg->st[kind].connect_errors++;
	snprintf(lg->st[kind].error, sizeof(lg->st[kind].error), "%s: %s",
	    what, strerror(errno));
}

/*
 * Resets rather than closes, so that no TIME_WAIT fills the port range.
 * The connection counts as in flight until now.
 */
static void
loadgen_close(struct loadgen *lg, struct loadgen_conn *c, uint64_t now)
{
	struct linger	lin = { 1, 0 };

	lg->st[c->kind].busy_us += now - c->start_us;
	if (c->fd != -1) {
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin,
		    sizeof(lin));
		close(c->fd);
		c->fd = -1;
	}
	TAILQ_REMOVE(&lg->busy, c, entry);
	TAILQ_INSERT_TAIL(&lg->idle, c, entry);
	lg->nbusy[c->kind]--;
}

static int
loadgen_bind(struct loadgen *lg, int fd, enum loadgen_kind kind)
{
	struct loadgen_source	*s = &lg->src[kind];
	struct sockaddr_storage	 ss;
	int			 one = 1;

	if (!s->bind)
		return 0;
	memcpy(&ss, &s->base, sizeof(ss));
	loadgen_source_next(s, &ss);
	/* The port is chosen at connect, per 4-tuple: many more per source. */
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one)) == -1) {
		loadgen_error(lg, kind, "IP_BIND_ADDRESS_NO_PORT");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, s->len) == -1) {
		loadgen_error(lg, kind, "bind");
		return -1;
	}
	return 0;
}

/* Starts one connection; -1 if it failed at once (counted). */
static int
loadgen_start(struct loadgen *lg, enum loadgen_kind kind, uint64_t now)
{
	struct loadgen_conn	*c;
	struct epoll_event	 ev;

	if (kind == LOADGEN_NORMAL && lg->count > 0 &&
	    lg->st[kind].started >= (uint64_t)lg->count)
		return 0;
	if (lg->nbusy[kind] >= lg->limit[kind] ||
	    (c = TAILQ_FIRST(&lg->idle)) == NULL) {
		lg->st[kind].skipped++;
		return 0;
	}
	TAILQ_REMOVE(&lg->idle, c, entry);
	TAILQ_INSERT_TAIL(&lg->busy, c, entry);
	lg->nbusy[kind]++;
	c->kind = kind;
	c->connected = 0;
	c->len = 0;
	c->start_us = now;
	lg->st[kind].started++;

	c->fd = socket(lg->target.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		loadgen_error(lg, kind, "socket");
		goto fail;
	}
	/* Before connect, so that the window offered is this small. */
	if (kind == LOADGEN_NORMAL && lg->rcvbuf > 0 &&
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &lg->rcvbuf,
	    sizeof(lg->rcvbuf)) == -1) {
		loadgen_error(lg, kind, "SO_RCVBUF");
		goto fail;
	}
	if (loadgen_bind(lg, c->fd, kind) == -1)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&lg->target, lg->target_len)
	    == -1 && errno != EINPROGRESS) {
		loadgen_error(lg, kind, "connect");
		goto fail;
	}
	/* Edge-triggered: one event when connected, one when data comes. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		err(BENCH_EXIT_OSERR, "epoll_ctl");
	return 0;

fail:
	loadgen_close(lg, c, now);
	lg->failed_now = 1;
	return -1;
}

static size_t
loadgen_bucket(uint64_t us)
{
	int	shift;

	if (us < LOADGEN_SUB)
		return (size_t)us;
	shift = 63 - __builtin_clzll(us) - LOADGEN_SUB_BITS;
	return ((size_t)(shift + 1) << LOADGEN_SUB_BITS) +
	    (size_t)((us >> shift) - LOADGEN_SUB);
}

/* The largest value a bucket holds. */
static uint64_t
loadgen_bucket_high(size_t i)
{
	int		shift;
	uint64_t	sub;

	if (i < LOADGEN_SUB)
		return i;
	shift = (int)(i >> LOADGEN_SUB_BITS) - 1;
	sub = (i & (LOADGEN_SUB - 1)) + LOADGEN_SUB;
	return ((sub + 1) << shift) - 1;
}

/* The class word of "... with WORD priority ...", or -1. */
static int
loadgen_classify(struct loadgen *lg, struct loadgen_conn *c)
{
	const char	*p, *w;
	size_t		 n, i;

	c->buf[c->len] = '\0';
	for (p = c->buf; (p = strstr(p, "with ")) != NULL; p++) {
		w = p + 5;
		n = strspn(w, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
		if (n == 0 || n >= LOADGEN_CLASS_LEN ||
		    strncmp(w + n, " priority", 9) != 0)
			continue;
		for (i = 0; i < lg->nclasses; i++)
			if (strlen(lg->classes[i]) == n &&
			    memcmp(lg->classes[i], w, n) == 0)
				return (int)i;
		if (lg->nclasses == LOADGEN_CLASS_MAX)
			return -1;
		memcpy(lg->classes[lg->nclasses], w, n);
		lg->classes[lg->nclasses][n] = '\0';
		return (int)lg->nclasses++;
	}
	return -1;
}

/* Keeps one special reply's latency for --special-latencies. */
static void
loadgen_keep_latency(struct loadgen *lg, uint64_t us)
{
	uint32_t	*v;
	size_t		 cap;

	if (lg->nlatencies == lg->latencies_cap) {
		cap = lg->latencies_cap ? lg->latencies_cap * 2 : 1024;
		if ((v = reallocarray(lg->latencies, cap, sizeof(*v))) == NULL)
			err(BENCH_EXIT_OSERR, "reallocarray");
		lg->latencies = v;
		lg->latencies_cap = cap;
	}
	lg->latencies[lg->nlatencies++] = us > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)us;
}

/* --special-latencies: the kept latencies, in us, one a line. */
static void
loadgen_write_latencies(const struct loadgen *lg)
{
	FILE	*fp;
	size_t	 i;

	if ((fp = fopen(lg->latency_path, "w")) == NULL)
		err(BENCH_EXIT_OSERR, "%s", lg->latency_path);
	for (i = 0; i < lg->nlatencies; i++)
		fprintf(fp, "%" PRIu32 "\n", lg->latencies[i]);
	if (fclose(fp) == EOF)
		err(BENCH_EXIT_OSERR, "%s", lg->latency_path);
}

static void
loadgen_done(struct loadgen *lg, struct loadgen_conn *c, uint64_t now)
{
	struct loadgen_stats	*st = &lg->st[c->kind];
	uint64_t		 us = now - c->start_us;
	int			 k;

	if (c->len == 0) {
		if (lg->note_refusal && c->kind == LOADGEN_NORMAL &&
		    !atomic_exchange(&loadgen_refusal_noted, 1))
			fprintf(stderr, "loadgen: first refusal after %.3f s\n",
			    (double)(now - lg->t0_us) / 1e6);
		st->empty++;
	} else {
		st->replies++;
		st->hist[loadgen_bucket(us)]++;
		if (us > st->max_us)
			st->max_us = us;
		if ((k = loadgen_classify(lg, c)) == -1)
			st->other++;
		else
			st->classes[k]++;
		if (c->kind == LOADGEN_SPECIAL && lg->latency_path != NULL)
			loadgen_keep_latency(lg, us);
	}
	loadgen_close(lg, c, now);
}

/*
 * What a misbehaving normal client does once connected; -1 if the
 * connection is over.
 */
static int
loadgen_behave_connected(struct loadgen *lg, struct loadgen_conn *c)
{
	if (c->kind != LOADGEN_NORMAL)
		return 0;
	switch (lg->behave) {
	case LOADGEN_HALFCLOSE:
		if (shutdown(c->fd, SHUT_WR) == -1) {
			lg->st[c->kind].resets++;
			loadgen_close(lg, c, bench_now_us());
			return -1;
		}
		return 0;
	case LOADGEN_RESET:
		lg->st[c->kind].aborted++;
		loadgen_close(lg, c, bench_now_us());
		return -1;
	default:
		return 0;
	}
}

/*
 * The PROXY header a balancer would send for c into buf (at least
 * LOADGEN_FIRST_MAX bytes): c's own address and port as the source, or
 * a normal client's next --proxy-src address with its port, and the
 * target as the destination.  Its length, or -1.
 */
static int
loadgen_proxy_header(struct loadgen *lg, struct loadgen_conn *c,
    unsigned char *buf)
{
	static const unsigned char	 sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a,
	    0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	struct sockaddr_storage		 src;
	const struct sockaddr_storage	*dst = &lg->target;
	socklen_t			 len = sizeof(src);
	const void			*sa, *da;
	uint16_t			 sp, dp;	/* network order */
	char				 sh[INET6_ADDRSTRLEN];
	char				 dh[INET6_ADDRSTRLEN];
	size_t				 alen;
	int				 v4;

	if (getsockname(c->fd, (struct sockaddr *)&src, &len) == -1)
		return -1;
	if (c->kind == LOADGEN_NORMAL && lg->proxy_src.spec != NULL)
		loadgen_source_next(&lg->proxy_src, &src);
	v4 = src.ss_family == AF_INET;
	if (v4) {
		sa = &((struct sockaddr_in *)&src)->sin_addr;
		da = &((const struct sockaddr_in *)dst)->sin_addr;
		sp = ((struct sockaddr_in *)&src)->sin_port;
		dp = ((const struct sockaddr_in *)dst)->sin_port;
		alen = 4;
	} else {
		sa = &((struct sockaddr_in6 *)&src)->sin6_addr;
		da = &((const struct sockaddr_in6 *)dst)->sin6_addr;
		sp = ((struct sockaddr_in6 *)&src)->sin6_port;
		dp = ((const struct sockaddr_in6 *)dst)->sin6_port;
		alen = 16;
	}
	if (lg->proxy == 1) {
		if (inet_ntop(src.ss_family, sa, sh, sizeof(sh)) == NULL ||
		    inet_ntop(src.ss_family, da, dh, sizeof(dh)) == NULL)
			return -1;
		return snprintf((char *)buf, LOADGEN_FIRST_MAX,
		    "PROXY %s %s %s %u %u\r\n", v4 ? "TCP4" : "TCP6", sh, dh,
		    ntohs(sp), ntohs(dp));
	}
	/* Version 2, PROXY; TCP over IPv4 (0x11) or IPv6 (0x21). */
	memcpy(buf, sig, sizeof(sig));
	buf[12] = 0x21;
	buf[13] = v4 ? 0x11 : 0x21;
	buf[14] = 0;
	buf[15] = (unsigned char)(2 * alen + 4);
	memcpy(buf + 16, sa, alen);
	memcpy(buf + 16 + alen, da, alen);
	memcpy(buf + 16 + 2 * alen, &sp, 2);
	memcpy(buf + 18 + 2 * alen, &dp, 2);
	return (int)(20 + 2 * alen);
}

/*
 * What a client sends once connected, in one write: its PROXY header,
 * then its GET, each if asked for.  -1 if that failed.
 */
static int
loadgen_send_first(struct loadgen *lg, struct loadgen_conn *c)
{
	unsigned char	buf[LOADGEN_FIRST_MAX + sizeof(LOADGEN_HTTP_REQUEST)];
	size_t		len = 0;
	int		n;

	if (lg->proxy) {
		if ((n = loadgen_proxy_header(lg, c, buf)) < 0)
			return -1;
		len = (size_t)n;
	}
	if (lg->http) {
		memcpy(buf + len, LOADGEN_HTTP_REQUEST,
		    sizeof(LOADGEN_HTTP_REQUEST) - 1);
		len += sizeof(LOADGEN_HTTP_REQUEST) - 1;
	}
	/* A few dozen bytes fit an empty socket buffer: one write. */
	if (len > 0 && write(c->fd, buf, len) != (ssize_t)len)
		return -1;
	return 0;
}

static void
loadgen_event(struct loadgen *lg, struct loadgen_conn *c, uint32_t events)
{
	char		 discard[512];
	socklen_t	 len;
	ssize_t		 n;
	int		 e;

	if (c == NULL)		/* loadgen_stop_fd: the loop reads the flag */
		return;
	if (!c->connected) {
		e = 0;
		len = sizeof(e);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
			e = errno;
		if (e != 0) {
			errno = e;
			if (e == ECONNRESET)
				lg->st[c->kind].resets++;
			else
				loadgen_error(lg, c->kind, "connect");
			loadgen_close(lg, c, bench_now_us());
			return;
		}
		if ((events & (EPOLLIN | EPOLLOUT | EPOLLHUP)) == 0)
			return;
		c->connected = 1;
		if (loadgen_send_first(lg, c) == -1) {
			lg->st[c->kind].resets++;
			loadgen_close(lg, c, bench_now_us());
			return;
		}
		if (loadgen_behave_connected(lg, c) == -1)
			return;
	}
	if (c->kind == LOADGEN_NORMAL && lg->behave == LOADGEN_NOREAD)
		return;
	for (;;) {
		/* Bytes past what is kept are read and dropped. */
		if (c->len < LOADGEN_REPLY_MAX)
			n = read(c->fd, c->buf + c->len,
			    LOADGEN_REPLY_MAX - c->len);
		else
			n = read(c->fd, discard, sizeof(discard));
		if (n > 0) {
			if (c->len < LOADGEN_REPLY_MAX)
				c->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			loadgen_done(lg, c, bench_now_us());
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return;
		lg->st[c->kind].resets++;
		loadgen_close(lg, c, bench_now_us());
		return;
	}
}

static void
loadgen_expire(struct loadgen *lg, uint64_t now)
{
	struct loadgen_conn	*c;
	uint64_t		 limit = (uint64_t)lg->timeout_ms * 1000;

	while ((c = TAILQ_FIRST(&lg->busy)) != NULL &&
	    now - c->start_us >= limit) {
		lg->st[c->kind].timeouts++;
		loadgen_close(lg, c, now);
	}
}

/* Waits for the connections in flight, each at most until its timeout. */
static void
loadgen_drain(struct loadgen *lg)
{
	struct epoll_event	 evs[LOADGEN_EVENTS];
	struct loadgen_conn	*c;
	uint64_t		 now, due;
	int			 i, n, ms;

	while (loadgen_stop < 2) {
		now = bench_now_us();
		loadgen_expire(lg, now);
		if ((c = TAILQ_FIRST(&lg->busy)) == NULL)
			return;
		due = c->start_us + (uint64_t)lg->timeout_ms * 1000;
		ms = due > now ? (int)((due - now + 999) / 1000) : 0;
		n = epoll_wait(lg->epfd, evs, LOADGEN_EVENTS, ms);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(BENCH_EXIT_OSERR, "epoll_wait");
		}
		for (i = 0; i < n; i++)
			loadgen_event(lg, evs[i].data.ptr, evs[i].events);
	}
}

/* Open loop: starts every connection due by now; returns the next due. */
static uint64_t
loadgen_schedule(struct loadgen *lg, enum loadgen_kind kind, long rate,
    uint64_t now)
{
	uint64_t	due;

	due = (now - lg->t0_us) * (uint64_t)rate / 1000000 + 1;
	while (lg->scheduled[kind] < due) {
		lg->scheduled[kind]++;
		(void)loadgen_start(lg, kind, now);
	}
	return lg->t0_us + lg->scheduled[kind] * 1000000 / (uint64_t)rate;
}

static void
loadgen_run(struct loadgen *lg)
{
	struct epoll_event	 evs[LOADGEN_EVENTS];
	struct loadgen_conn	*c;
	uint64_t		 now, end, wake, next;
	size_t			 i, room;
	int			 n, ms;

	lg->t0_us = bench_now_us();
	end = lg->t0_us + (uint64_t)lg->duration_s * 1000000;
	while (!loadgen_stop) {
		now = bench_now_us();
		if (now >= end || (lg->count > 0 &&
		    lg->st[LOADGEN_NORMAL].started >= (uint64_t)lg->count))
			break;
		loadgen_expire(lg, now);
		wake = end;
		lg->failed_now = 0;
		if (lg->rate > 0) {
			next = loadgen_schedule(lg, LOADGEN_NORMAL, lg->rate,
			    now);
			wake = next < wake ? next : wake;
		} else {
			/*
			 * Closed loop: refill the free slots, at most once
			 * each per turn so that a refused connect cannot spin.
			 */
			room = (size_t)lg->concurrency -
			    lg->nbusy[LOADGEN_NORMAL];
			for (i = 0; i < room; i++)
				(void)loadgen_start(lg, LOADGEN_NORMAL, now);
		}
		if (lg->special_rate > 0) {
			next = loadgen_schedule(lg, LOADGEN_SPECIAL,
			    lg->special_rate, now);
			wake = next < wake ? next : wake;
		}
		if ((c = TAILQ_FIRST(&lg->busy)) != NULL &&
		    c->start_us + (uint64_t)lg->timeout_ms * 1000 < wake)
			wake = c->start_us + (uint64_t)lg->timeout_ms * 1000;
		now = bench_now_us();
		ms = wake > now ? (int)((wake - now + 999) / 1000) : 0;
		if (lg->failed_now && ms == 0)
			ms = 1;
		n = epoll_wait(lg->epfd, evs, LOADGEN_EVENTS, ms);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(BENCH_EXIT_OSERR, "epoll_wait");
		}
		for (i = 0; i < (size_t)n; i++)
			loadgen_event(lg, evs[i].data.ptr, evs[i].events);
	}
	if (lg->drain)
		loadgen_drain(lg);
	lg->elapsed_us = bench_now_us() - lg->t0_us;
	while ((c = TAILQ_FIRST(&lg->busy)) != NULL) {
		lg->st[c->kind].unfinished++;
		loadgen_close(lg, c, lg->t0_us + lg->elapsed_us);
	}
}

/* The value at quantile q (0..1), as its bucket's upper bound. */
static uint64_t
loadgen_quantile(const struct loadgen_stats *st, double q)
{
	uint64_t	rank, seen = 0, high;
	size_t		i;

	rank = (uint64_t)(q * (double)st->replies);
	if (rank >= st->replies)
		rank = st->replies - 1;
	for (i = 0; i < LOADGEN_BUCKETS; i++) {
		seen += st->hist[i];
		if (seen > rank) {
			high = loadgen_bucket_high(i);
			return high < st->max_us ? high : st->max_us;
		}
	}
	return st->max_us;
}

/* One row per power of two, from the first non-empty one to the last. */
static void
loadgen_print_hist(const struct loadgen_stats *st)
{
	uint64_t	rows[64], top = 0;
	size_t		i;
	int		r, first = -1, last = -1, bar;

	memset(rows, 0, sizeof(rows));
	for (i = 0; i < LOADGEN_BUCKETS; i++) {
		if (st->hist[i] == 0)
			continue;
		r = 63 - __builtin_clzll(loadgen_bucket_high(i) | 1);
		rows[r] += st->hist[i];
	}
	for (r = 0; r < 64; r++) {
		if (rows[r] == 0)
			continue;
		if (first == -1)
			first = r;
		last = r;
		if (rows[r] > top)
			top = rows[r];
	}
	for (r = first; r != -1 && r <= last; r++) {
		bar = (int)(rows[r] * 40 / top);
		printf("    %9" PRIu64 " - %-9" PRIu64 " us %9" PRIu64 " %.*s\n",
		    r == 0 ? 0 : (uint64_t)1 << r, ((uint64_t)2 << r) - 1,
		    rows[r], bar, "########################################");
	}
}

static void
loadgen_print_kind(const struct loadgen *lg, enum loadgen_kind kind)
{
	const struct loadgen_stats	*st = &lg->st[kind];
	double				 secs = lg->elapsed_us / 1e6;
	size_t				 i;

	printf("%s clients%s%s: %" PRIu64 " started, %" PRIu64
	    " replies (%.1f/s)\n", loadgen_kind_names[kind],
	    lg->src[kind].bind ? " from " : "",
	    lg->src[kind].bind ? lg->src[kind].spec : "", st->started,
	    st->replies, st->replies / secs);
	printf("  by class:");
	for (i = 0; i < lg->nclasses; i++)
		printf(" %s %" PRIu64, lg->classes[i], st->classes[i]);
	printf(" other %" PRIu64 "\n", st->other);
	printf("  empty closes %" PRIu64 ", connect errors %" PRIu64
	    ", resets %" PRIu64 ", aborted %" PRIu64 ", timeouts %" PRIu64
	    ", unfinished %" PRIu64 ", skipped %" PRIu64 "\n", st->empty,
	    st->connect_errors, st->resets, st->aborted, st->timeouts,
	    st->unfinished, st->skipped);
	printf("  in flight on average %.1f\n",
	    st->busy_us / (double)lg->elapsed_us);
	if (st->error[0] != '\0')
		printf("  last connect error: %s\n", st->error);
	if (st->replies == 0)
		return;
	printf("  latency: p50 %" PRIu64 " us, p90 %" PRIu64 " us, p99 %"
	    PRIu64 " us, max %" PRIu64 " us\n", loadgen_quantile(st, 0.5),
	    loadgen_quantile(st, 0.9), loadgen_quantile(st, 0.99),
	    st->max_us);
	loadgen_print_hist(st);
}

static void
loadgen_summary_kind(const struct loadgen *lg, enum loadgen_kind kind)
{
	const struct loadgen_stats	*st = &lg->st[kind];
	const char			*k = loadgen_kind_names[kind];
	size_t				 i;

	printf(" %s.started=%" PRIu64 " %s.replies=%" PRIu64 " %s.rps=%.1f",
	    k, st->started, k, st->replies, k,
	    st->replies / (lg->elapsed_us / 1e6));
	for (i = 0; i < lg->nclasses; i++)
		printf(" %s.class.%s=%" PRIu64, k, lg->classes[i],
		    st->classes[i]);
	printf(" %s.other=%" PRIu64 " %s.empty=%" PRIu64
	    " %s.connect_errors=%" PRIu64 " %s.resets=%" PRIu64
	    " %s.aborted=%" PRIu64 " %s.timeouts=%" PRIu64
	    " %s.unfinished=%" PRIu64 " %s.skipped=%" PRIu64, k, st->other,
	    k, st->empty, k, st->connect_errors, k, st->resets, k,
	    st->aborted, k, st->timeouts, k, st->unfinished, k,
	    st->skipped);
	printf(" %s.inflight_mean=%.1f", k,
	    st->busy_us / (double)lg->elapsed_us);
	if (st->replies == 0) {
		printf(" %s.p50_us=- %s.p90_us=- %s.p99_us=- %s.max_us=-",
		    k, k, k, k);
		return;
	}
	printf(" %s.p50_us=%" PRIu64 " %s.p90_us=%" PRIu64 " %s.p99_us=%"
	    PRIu64 " %s.max_us=%" PRIu64, k, loadgen_quantile(st, 0.5), k,
	    loadgen_quantile(st, 0.9), k, loadgen_quantile(st, 0.99), k,
	    st->max_us);
}

/*
 * The generator's own CPU time: on a machine with few cores it competes
 * with the server it measures, and this says how much it took.
 */
static double
loadgen_cpu_s(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
loadgen_report(const struct loadgen *lg)
{
	double	cpu = loadgen_cpu_s();

	if (!lg->quiet) {
		printf("loadgen: %s, ", lg->target_spec);
		if (lg->rate > 0)
			printf("open loop at %ld/s", lg->rate);
		else
			printf("closed loop of %ld", lg->concurrency);
		if (lg->special_rate > 0)
			printf(", special at %ld/s", lg->special_rate);
		if (lg->behave != LOADGEN_READ)
			printf(", clients %s", loadgen_behave_names[lg->behave]);
		if (lg->proxy)
			printf(", PROXY v%d headers%s%s", lg->proxy,
			    lg->proxy_src.spec != NULL ? " from " : "",
			    lg->proxy_src.spec != NULL ? lg->proxy_src.spec :
			    "");
		printf(", %.2f s, timeout %ld ms, %.2f s of CPU\n",
		    lg->elapsed_us / 1e6, lg->timeout_ms, cpu);
		loadgen_print_kind(lg, LOADGEN_NORMAL);
		if (lg->special_rate > 0)
			loadgen_print_kind(lg, LOADGEN_SPECIAL);
	}
	printf("summary duration_s=%.3f cpu_s=%.3f", lg->elapsed_us / 1e6,
	    cpu);
	loadgen_summary_kind(lg, LOADGEN_NORMAL);
	if (lg->special_rate > 0)
		loadgen_summary_kind(lg, LOADGEN_SPECIAL);
	printf("\n");
}

/*
 * Raises the descriptor limit as far as allowed; how many descriptors
 * the connections of all threads may use.  Sets the signals up.
 */
static size_t
loadgen_setup_process(void)
{
	struct rlimit		 rl;
	struct sigaction	 sa;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(BENCH_EXIT_OSERR, "getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= LOADGEN_FD_RESERVE)
		errx(BENCH_EXIT_OSERR, "too few descriptors");

	if ((loadgen_stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		err(BENCH_EXIT_OSERR, "eventfd");
	/* No SA_RESTART: the signal ends epoll_wait and then the run. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loadgen_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX :
	    (size_t)(rl.rlim_cur - LOADGEN_FD_RESERVE);
}

/* One thread's slots, at most budget, and its epoll set. */
static void
loadgen_setup(struct loadgen *lg, size_t budget)
{
	struct epoll_event	 ev;
	size_t			 i, want;

	/*
	 * Each kind has its own slots, so that a flood of normal clients
	 * cannot leave none for the special trickle it is measured against.
	 */
	lg->limit[LOADGEN_NORMAL] = (size_t)lg->concurrency;
	lg->limit[LOADGEN_SPECIAL] = (size_t)lg->special_rate *
	    ((size_t)lg->timeout_ms / 1000 + 1);
	if (lg->limit[LOADGEN_SPECIAL] > LOADGEN_CONN_MAX / 4)
		lg->limit[LOADGEN_SPECIAL] = LOADGEN_CONN_MAX / 4;
	want = lg->limit[LOADGEN_NORMAL] + lg->limit[LOADGEN_SPECIAL];
	if (want > LOADGEN_CONN_MAX)
		want = LOADGEN_CONN_MAX;
	if (want > budget) {
		want = budget;
		warnx("descriptor limit: at most %zu connections in flight",
		    want);
	}
	lg->cap = want;
	if ((lg->conns = calloc(lg->cap, sizeof(*lg->conns))) == NULL)
		err(BENCH_EXIT_OSERR, "calloc");
	TAILQ_INIT(&lg->busy);
	TAILQ_INIT(&lg->idle);
	for (i = 0; i < lg->cap; i++) {
		lg->conns[i].fd = -1;
		TAILQ_INSERT_TAIL(&lg->idle, &lg->conns[i], entry);
	}
	if ((lg->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(BENCH_EXIT_OSERR, "epoll_create1");
	/* Edge-triggered: one wake-up a signal, not one every turn after. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLET;
	ev.data.ptr = NULL;
	if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, loadgen_stop_fd, &ev) == -1)
		err(BENCH_EXIT_OSERR, "epoll_ctl");
}

/* Thread i's share of n of a total. */
static long
loadgen_share(long total, long i, long n)
{
	return total / n + (i < total % n);
}

/* Thread i of n starts i/n of the way into s's range. */
static void
loadgen_source_start(struct loadgen_source *s, long i, long n)
{
	s->next = (uint32_t)((uint64_t)s->count * (uint64_t)i / (uint64_t)n);
}

/*
 * Thread i's part of n: its share of the connections in flight, of the
 * rates and of -n, of the descriptors, and its own place to start in
 * each range of sources.
 */
static void
loadgen_split(const struct loadgen *lg, struct loadgen *part, long i, long n,
    size_t budget)
{
	int	k;

	memcpy(part, lg, sizeof(*part));
	part->concurrency = loadgen_share(lg->concurrency, i, n);
	part->rate = loadgen_share(lg->rate, i, n);
	part->special_rate = loadgen_share(lg->special_rate, i, n);
	part->count = loadgen_share(lg->count, i, n);
	for (k = 0; k < LOADGEN_NKINDS; k++)
		loadgen_source_start(&part->src[k], i, n);
	loadgen_source_start(&part->proxy_src, i, n);
	loadgen_setup(part, budget == SIZE_MAX ? budget :
	    (size_t)loadgen_share((long)budget, i, n));
}

static void
loadgen_fail(int e, const char *what)
{
	errno = e;
	err(BENCH_EXIT_OSERR, "%s", what);
}

static void *
loadgen_thread(void *arg)
{
	loadgen_run(arg);
	return NULL;
}

/* Adds a thread's counts to the whole run's, its classes by name. */
static void
loadgen_merge(struct loadgen *lg, const struct loadgen *part)
{
	const struct loadgen_stats	*ps;
	struct loadgen_stats		*st;
	uint32_t			*v;
	size_t				 i, j, cap;
	int				 k;

	for (k = 0; k < LOADGEN_NKINDS; k++) {
		ps = &part->st[k];
		st = &lg->st[k];
		st->started += ps->started;
		st->replies += ps->replies;
		st->other += ps->other;
		st->empty += ps->empty;
		st->connect_errors += ps->connect_errors;
		st->resets += ps->resets;
		st->aborted += ps->aborted;
		st->timeouts += ps->timeouts;
		st->unfinished += ps->unfinished;
		st->skipped += ps->skipped;
		st->busy_us += ps->busy_us;
		if (ps->max_us > st->max_us)
			st->max_us = ps->max_us;
		for (i = 0; i < LOADGEN_BUCKETS; i++)
			st->hist[i] += ps->hist[i];
		if (ps->error[0] != '\0')
			memcpy(st->error, ps->error, sizeof(st->error));
		for (i = 0; i < part->nclasses; i++) {
			for (j = 0; j < lg->nclasses; j++)
				if (strcmp(lg->classes[j],
				    part->classes[i]) == 0)
					break;
			if (j == LOADGEN_CLASS_MAX) {
				st->other += ps->classes[i];
				continue;
			}
			if (j == lg->nclasses)
				memcpy(lg->classes[lg->nclasses++],
				    part->classes[i], LOADGEN_CLASS_LEN);
			st->classes[j] += ps->classes[i];
		}
	}
	if (part->elapsed_us > lg->elapsed_us)
		lg->elapsed_us = part->elapsed_us;
	if (part->nlatencies > 0) {
		cap = lg->nlatencies + part->nlatencies;
		if ((v = reallocarray(lg->latencies, cap, sizeof(*v))) == NULL)
			err(BENCH_EXIT_OSERR, "reallocarray");
		memcpy(v + lg->nlatencies, part->latencies,
		    part->nlatencies * sizeof(*v));
		lg->latencies = v;
		lg->nlatencies = cap;
	}
}

/*
 * Runs the load in lg->threads threads, this one the first, and adds
 * their counts up in lg.  The others block the signals, which this one
 * takes; loadgen_stop_fd wakes them.
 */
static void
loadgen_run_threads(struct loadgen *lg, size_t budget)
{
	struct loadgen	*parts;
	sigset_t	 all, old;
	long		 i, n = lg->threads;
	int		 e;

	/* No thread without a connection or a rate of its own. */
	if (n > lg->concurrency)
		n = lg->concurrency;
	if (lg->rate > 0 && n > lg->rate)
		n = lg->rate;
	if (lg->count > 0 && n > lg->count)
		n = lg->count;
	if ((parts = calloc((size_t)n, sizeof(*parts))) == NULL)
		err(BENCH_EXIT_OSERR, "calloc");
	for (i = 0; i < n; i++)
		loadgen_split(lg, &parts[i], i, n, budget);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < n; i++)
		if ((e = pthread_create(&parts[i].tid, NULL, loadgen_thread,
		    &parts[i])) != 0)
			loadgen_fail(e, "pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	loadgen_run(&parts[0]);
	for (i = 0; i < n; i++) {
		if (i > 0 && (e = pthread_join(parts[i].tid, NULL)) != 0)
			loadgen_fail(e, "pthread_join");
		loadgen_merge(lg, &parts[i]);
		close(parts[i].epfd);
		free(parts[i].conns);
		free(parts[i].latencies);
	}
	free(parts);
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		{ "src",		required_argument, NULL, 's' },
		{ "special-src",	required_argument, NULL, 'S' },
		{ "special-rate",	required_argument, NULL, 'R' },
		{ "note-refusal",	no_argument,	   NULL, 'N' },
		{ "http",		no_argument,	   NULL, 'H' },
		{ "proxy-v1",		no_argument,	   NULL, '1' },
		{ "proxy-v2",		no_argument,	   NULL, '2' },
		{ "proxy-src",		required_argument, NULL, 'P' },
		{ "drain",		no_argument,	   NULL, 'D' },
		{ "rcvbuf",		required_argument, NULL, 'b' },
		{ "behave",		required_argument, NULL, 'B' },
		{ "special-latencies",	required_argument, NULL, 'L' },
		{ "threads",		required_argument, NULL, 'j' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	struct loadgen	lg;
	enum loadgen_kind kind;
	size_t		budget;
	char		why[128];
	int		ch, cset = 0;

	memset(&lg, 0, sizeof(lg));
	lg.concurrency = 64;
	lg.duration_s = 5;
	lg.timeout_ms = 5000;
	lg.special_rate = -1;
	lg.threads = 1;
	while ((ch = getopt_long(argc, argv, "c:d:hj:n:qr:t:s:S:R:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			lg.concurrency = bench_parse_long(optarg, 1,
			    LOADGEN_CONN_MAX, "-c");
			cset = 1;
			break;
		case 'j':
			lg.threads = bench_parse_long(optarg, 1,
			    LOADGEN_THREADS_MAX, "-j");
			break;
		case 'd':
			lg.duration_s = bench_parse_long(optarg, 1,
			    LOADGEN_DURATION_MAX, "-d");
			break;
		case 'q':
			lg.quiet = 1;
			break;
		case 'r':
			lg.rate = bench_parse_long(optarg, 1,
			    LOADGEN_RATE_MAX, "-r");
			break;
		case 't':
			lg.timeout_ms = bench_parse_long(optarg, 1,
			    LOADGEN_TIMEOUT_MAX, "-t");
			break;
		case 's':
			loadgen_parse_source(&lg.src[LOADGEN_NORMAL], optarg,
			    1);
			break;
		case 'S':
			loadgen_parse_source(&lg.src[LOADGEN_SPECIAL], optarg,
			    1);
			break;
		case 'P':
			loadgen_parse_source(&lg.proxy_src, optarg, 0);
			break;
		case '1':
		case '2':
			if (lg.proxy != 0 && lg.proxy != ch - '0')
				errx(BENCH_EXIT_USAGE, "--proxy-v1 or "
				    "--proxy-v2, not both");
			lg.proxy = ch - '0';
			break;
		case 'R':
			lg.special_rate = bench_parse_long(optarg, 0,
			    LOADGEN_RATE_MAX, "--special-rate");
			break;
		case 'N':
			lg.note_refusal = 1;
			break;
		case 'H':
			lg.http = 1;
			break;
		case 'D':
			lg.drain = 1;
			break;
		case 'n':
			lg.count = bench_parse_long(optarg, 1, LONG_MAX, "-n");
			break;
		case 'b':
			lg.rcvbuf = (int)bench_parse_long(optarg, 1, INT_MAX,
			    "--rcvbuf");
			break;
		case 'B':
			lg.behave = loadgen_parse_behave(optarg);
			break;
		case 'L':
			lg.latency_path = optarg;
			break;
		default:
			loadgen_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		loadgen_usage();
	if (addr_parse_hostport(argv[0], &lg.target, &lg.target_len, why,
	    sizeof(why)) == -1)
		errx(BENCH_EXIT_USAGE, "%s: expected A.B.C.D:PORT or "
		    "[V6]:PORT", argv[0]);
	if (!bench_is_loopback(&lg.target))
		errx(BENCH_EXIT_USAGE, "%s: only 127.0.0.0/8 and ::1 may be "
		    "targets", argv[0]);
	lg.target_spec = argv[0];
	for (kind = 0; kind < LOADGEN_NKINDS; kind++)
		if (lg.src[kind].bind &&
		    lg.src[kind].base.ss_family != lg.target.ss_family)
			errx(BENCH_EXIT_USAGE, "%s: not the target's family",
			    lg.src[kind].spec);
	/* The header carries one family: the connection's. */
	if (lg.proxy_src.spec != NULL && (lg.proxy == 0 ||
	    lg.proxy_src.base.ss_family != lg.target.ss_family))
		errx(BENCH_EXIT_USAGE, "%s: --proxy-src needs --proxy-v1 or "
		    "--proxy-v2, and the target's family", lg.proxy_src.spec);
	/* A special source alone means a trickle of 10 per second. */
	if (lg.special_rate == -1)
		lg.special_rate = lg.src[LOADGEN_SPECIAL].bind ? 10 : 0;
	if (lg.special_rate > 0 && !lg.src[LOADGEN_SPECIAL].bind)
		errx(BENCH_EXIT_USAGE, "--special-rate needs --special-src");
	if (lg.latency_path != NULL && lg.special_rate == 0)
		errx(BENCH_EXIT_USAGE, "--special-latencies needs special "
		    "clients (--special-src)");

	/* An open loop holds up to a timeout's worth unless told less. */
	if (lg.rate > 0 && !cset) {
		lg.concurrency = lg.rate * (lg.timeout_ms / 1000 + 1);
		if (lg.concurrency > LOADGEN_CONN_MAX)
			lg.concurrency = LOADGEN_CONN_MAX;
	}

	budget = loadgen_setup_process();
	loadgen_run_threads(&lg, budget);
	loadgen_report(&lg);
	if (lg.latency_path != NULL)
		loadgen_write_latencies(&lg);
	free(lg.latencies);
	close(loadgen_stop_fd);
	return 0;
}

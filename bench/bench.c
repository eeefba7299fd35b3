/*
 * bench: helpers shared by loadgen and the baseline servers (baseline,
 * minhop).
 *
 * A benchmark floods whatever it is pointed at, so both programs accept
 * only loopback addresses (127.0.0.0/8 and ::1): a typo must not turn one
 * into a denial of service against another host.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bench.h"

/*
 * Parses a numeric address without a port into ss; the port is set from
 * port.  Returns -1 on a malformed address.
 */
int
bench_parse_ip(const char *s, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

int
bench_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	return 0;
}

/* A number for option what, in [min, max], or a usage error. */
long
bench_parse_long(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		errx(BENCH_EXIT_USAGE, "%s: %s: not a number in %ld..%ld",
		    what, s, min, max);
	return v;
}

uint64_t
bench_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Parses a baseline server's command line into bs (nprocs 2, class
 * "normal" unless given), or exits with a usage error naming prog.
 */
void
bench_server_args(struct bench_server *bs, int argc, char *argv[],
    const char *prog)
{
	char	why[128];
	int	ch;

	bs->class = "normal";
	bs->nprocs = 2;
	while ((ch = getopt(argc, argv, "C:hn:")) != -1) {
		switch (ch) {
		case 'C':
			bs->class = optarg;
			break;
		case 'n':
			bs->nprocs = bench_parse_long(optarg, 1,
			    BENCH_PROCS_MAX, "-n");
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	bs->addr = argv[optind];
	if (addr_parse_hostport(bs->addr, &bs->ss, &bs->sslen, why,
	    sizeof(why)) == -1)
		errx(BENCH_EXIT_USAGE, "%s: expected A.B.C.D:PORT or "
		    "[V6]:PORT", bs->addr);
	if (!bench_is_loopback(&bs->ss))
		errx(BENCH_EXIT_USAGE, "%s: a benchmark listens on loopback "
		    "only", bs->addr);
	return;
usage:
	fprintf(stderr, "usage: %s [-n procs] [-C class] host:port\n", prog);
	exit(BENCH_EXIT_USAGE);
}

/*
 * A listening socket on bs's address.  SO_REUSEPORT so that several can
 * share it (the SO_REUSEPORT baseline opens one per process).
 */
int
bench_listen(const struct bench_server *bs)
{
	int	fd, one = 1;

	if ((fd = socket(bs->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		err(BENCH_EXIT_OSERR, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		err(BENCH_EXIT_OSERR, "setsockopt");
	if (bind(fd, (const struct sockaddr *)&bs->ss, bs->sslen) == -1)
		err(BENCH_EXIT_OSERR, "bind");
	if (listen(fd, SOMAXCONN) == -1)
		err(BENCH_EXIT_OSERR, "listen");
	return fd;
}

/*
 * The reply a dispatcher's worker of this class writes by default, with
 * this process's id, into buf; returns its length.  The load generator
 * tells the classes apart by it.
 */
int
bench_reply(char *buf, size_t size, const char *class)
{
	return snprintf(buf, size,
	    "Request handled with %s priority by worker %ld\n", class,
	    (long)getpid());
}

/*
 * In a process forked by parent: the parent's end is this one's end, so
 * that no orphan keeps a port or a socket.
 */
void
bench_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		err(BENCH_EXIT_OSERR, "prctl");
	/* The parent went before prctl: nobody would send the signal. */
	if (getppid() != parent)
		_exit(0);
}

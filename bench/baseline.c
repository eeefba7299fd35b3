/*
 * baseline: the best case the dispatcher is measured against.
 *
 * N processes each open their own listening socket on one SO_REUSEPORT
 * address, so the kernel spreads connections among them with no hop and
 * no user-space routing; each accepts, writes the same reply a worker
 * writes, and closes.  Blocking accept in a loop: nothing can be cheaper.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bench.h"

#define BASELINE_PROCS_MAX	64

static void
baseline_usage(void)
{
	fprintf(stderr, "usage: baseline [-n procs] [-C class] host:port\n");
	exit(BENCH_EXIT_USAGE);
}

static int
baseline_listen(const struct sockaddr_storage *ss, socklen_t len)
{
	int	fd, one = 1;

	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(BENCH_EXIT_OSERR, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		err(BENCH_EXIT_OSERR, "setsockopt");
	if (bind(fd, (const struct sockaddr *)ss, len) == -1)
		err(BENCH_EXIT_OSERR, "bind");
	if (listen(fd, SOMAXCONN) == -1)
		err(BENCH_EXIT_OSERR, "listen");
	return fd;
}

static _Noreturn void
baseline_serve(int lfd, const char *class)
{
	char	reply[128];
	int	fd, len;

	/* The parent's end is the children's end: no orphan keeps a port. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		err(BENCH_EXIT_OSERR, "prctl");
	if (getppid() == 1)
		_exit(0);
	len = snprintf(reply, sizeof(reply),
	    "Request handled with %s priority by worker %ld\n", class,
	    (long)getpid());
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
			continue;
		}
		/* A client gone already is routine: the reply is dropped. */
		(void)send(fd, reply, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	pid_t			 pids[BASELINE_PROCS_MAX];
	const char		*class = "normal";
	char			 why[128];
	sigset_t		 mask;
	long			 nprocs = 2, i;
	int			 ch, lfd, sig;

	while ((ch = getopt(argc, argv, "C:hn:")) != -1) {
		switch (ch) {
		case 'C':
			class = optarg;
			break;
		case 'n':
			nprocs = bench_parse_long(optarg, 1,
			    BASELINE_PROCS_MAX, "-n");
			break;
		default:
			baseline_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		baseline_usage();
	if (addr_parse_hostport(argv[0], &ss, &sslen, why, sizeof(why)) == -1)
		errx(BENCH_EXIT_USAGE, "%s: expected A.B.C.D:PORT or "
		    "[V6]:PORT", argv[0]);
	if (!bench_is_loopback(&ss))
		errx(BENCH_EXIT_USAGE, "%s: a benchmark listens on loopback "
		    "only", argv[0]);

	/* Waited for with sigwait; the children unblock them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	/* Each process its own socket: that is what SO_REUSEPORT spreads. */
	for (i = 0; i < nprocs; i++) {
		lfd = baseline_listen(&ss, sslen);
		if ((pids[i] = fork()) == -1)
			err(BENCH_EXIT_OSERR, "fork");
		if (pids[i] == 0) {
			sigprocmask(SIG_UNBLOCK, &mask, NULL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			baseline_serve(lfd, class);
		}
		close(lfd);
	}
	fprintf(stderr, "baseline: %ld processes on %s: ready\n", nprocs,
	    argv[0]);
	/* Until a signal or the first child's death: then all go. */
	sigwait(&mask, &sig);
	for (i = 0; i < nprocs; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

/*
 * baseline: the best case the dispatcher is measured against.
 *
 * N processes each open their own listening socket on one SO_REUSEPORT
 * address, so the kernel spreads connections among them with no hop and
 * no user-space routing; each accepts, writes the same reply a worker
 * writes, and closes.  Blocking accept in a loop: nothing can be cheaper.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static _Noreturn void
baseline_serve(int lfd, const char *class, pid_t parent)
{
	char	reply[128];
	int	fd, len;

	bench_die_with_parent(parent);
	len = bench_reply(reply, sizeof(reply), class);
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
	struct bench_server	 bs;
	pid_t			 pids[BENCH_PROCS_MAX];
	sigset_t		 mask;
	pid_t			 self = getpid();
	long			 i;
	int			 lfd, sig;

	bench_server_args(&bs, argc, argv, "baseline");

	/* Waited for with sigwait; the children unblock them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	/* Each process its own socket: that is what SO_REUSEPORT spreads. */
	for (i = 0; i < bs.nprocs; i++) {
		lfd = bench_listen(&bs);
		if ((pids[i] = fork()) == -1)
			err(BENCH_EXIT_OSERR, "fork");
		if (pids[i] == 0) {
			sigprocmask(SIG_UNBLOCK, &mask, NULL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			baseline_serve(lfd, bs.class, self);
		}
		close(lfd);
	}
	fprintf(stderr, "baseline: %ld processes on %s: ready\n", bs.nprocs,
	    bs.addr);
	/* Until a signal or the first child's death: then all go. */
	sigwait(&mask, &sig);
	for (i = 0; i < bs.nprocs; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

/*
 * A real dispatch-worker for the unit tests, which play its dispatcher:
 * started with its channel on CHANNEL_FD as the dispatcher starts it, its
 * messages awaited and its exit reaped, every wait bounded.
 */
#ifndef TEST_CHILD_H
#define TEST_CHILD_H

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "channel.h"

#define TEST_WAIT_MS	10000	/* the longest any single step may take */

struct child {
	pid_t	 pid;
	int	 chan;		/* our end of its channel; -1 once closed */
};

static inline long
test_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events, at most ms; returns revents. */
static inline short
test_wait_fd(int fd, short events, long ms)
{
	struct pollfd	 pfd = { .fd = fd, .events = events };
	long		 end = test_now_ms() + ms, left;
	int		 r;

	for (;;) {
		left = end - test_now_ms();
		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (r == -1 && errno == EINTR)
			continue;
		cr_assert_neq(r, -1, "poll: %s", strerror(errno));
		return r == 0 ? 0 : pfd.revents;
	}
}

/*
 * Runs argv[0] with argv and its channel on CHANNEL_FD; our end is the
 * returned w->chan.  sndbuf > 0 shrinks the send buffer of the worker's
 * end; nofile > 0 sets the worker's RLIMIT_NOFILE, soft and hard.
 */
static inline void
test_child_start(struct child *w, char *const argv[], int sndbuf,
    rlim_t nofile)
{
	struct rlimit	 rl = { nofile, nofile };
	int		 sv[2], flags;

	cr_assert_eq(socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	if (sndbuf > 0)
		cr_assert_eq(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf)), 0);

	fflush(NULL);
	cr_assert_neq(w->pid = fork(), -1);
	if (w->pid == 0) {
		if (sv[1] == CHANNEL_FD) {
			flags = fcntl(sv[1], F_GETFD);
			if (flags == -1 ||
			    fcntl(sv[1], F_SETFD, flags & ~FD_CLOEXEC) == -1)
				_exit(127);
		} else if (dup2(sv[1], CHANNEL_FD) == -1)
			_exit(127);
		if (nofile > 0 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(sv[1]);
	w->chan = sv[0];
}

/*
 * Closes our end of the channel and waits for the worker's exit, at most
 * TEST_WAIT_MS; returns the wait status.
 */
static inline int
test_child_reap(struct child *w)
{
	long	 end = test_now_ms() + TEST_WAIT_MS;
	pid_t	 r;
	int	 status;

	if (w->chan != -1) {
		close(w->chan);
		w->chan = -1;
	}
	for (;;) {
		r = waitpid(w->pid, &status, WNOHANG);
		cr_assert_neq(r, -1, "waitpid: %s", strerror(errno));
		if (r == w->pid)
			return status;
		if (test_now_ms() > end) {
			kill(w->pid, SIGKILL);
			waitpid(w->pid, &status, 0);
			cr_assert_fail("the worker did not exit");
		}
		usleep(10000);
	}
}

static inline void
test_child_expect_exit(struct child *w, int code)
{
	int	 status = test_child_reap(w);

	cr_assert(WIFEXITED(status), "the worker did not exit normally "
	    "(status 0x%x)", status);
	cr_assert_eq(WEXITSTATUS(status), code, "exit %d, expected %d",
	    WEXITSTATUS(status), code);
}

/* The next message on the channel, which must come within TEST_WAIT_MS. */
static inline void
test_child_expect(struct child *w, enum channel_type type,
    struct channel_msg *m)
{
	long	 end = test_now_ms() + TEST_WAIT_MS;
	int	 fd = -1, r;

	for (;;) {
		cr_assert(test_wait_fd(w->chan, POLLIN,
		    end - test_now_ms()) != 0,
		    "no message of type %d from the worker", type);
		r = channel_recv(w->chan, m, &fd);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		cr_assert_eq(r, 1, "channel_recv: %d (%s)", r,
		    r == -1 ? strerror(errno) : "end of file");
		cr_assert_eq(fd, -1);
		cr_assert_eq(m->type, type, "message type %d, expected %d",
		    m->type, type);
		return;
	}
}

static inline void
test_child_expect_hello(struct child *w)
{
	struct channel_msg	 m;

	test_child_expect(w, CHANNEL_HELLO, &m);
	cr_assert_eq(m.u.hello.pid, w->pid);
}

#endif

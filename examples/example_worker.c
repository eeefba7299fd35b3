/*
 * A worker of one's own, on libdispatch-worker: greets each client with
 * its class (DISPATCH_CLASS) and its pid, closes it, and reports it done.
 * It serves a CONN before reading the next, so it never holds more than
 * DISPATCH_WORKER_CONN_MAX connections.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <dispatch_worker.h>

int
main(void)
{
	struct dispatch_worker_conn	 c[DISPATCH_WORKER_CONN_MAX];
	struct pollfd			 pfd = { DISPATCH_WORKER_FD, POLLIN, 0 };
	uint64_t			 ids[DISPATCH_WORKER_CONN_MAX];
	const char			*class = getenv("DISPATCH_CLASS");
	char				 line[128];
	int				 i, n, len;

	if (dispatch_worker_hello(DISPATCH_WORKER_FD) == -1)
		return 1;
	while ((n = dispatch_worker_recv(DISPATCH_WORKER_FD, c)) != 0) {
		if (n == -1 && errno == EAGAIN && poll(&pfd, 1, -1) >= 0)
			continue;
		if (n == -1)
			return 1;	/* a malformed message: never guess */
		for (i = 0; i < n; i++) {
			len = snprintf(line, sizeof(line), "example worker %ld "
			    "of class %s\n", (long)getpid(), class ? class : "?");
			/* A client that left costs a failed send, no SIGPIPE. */
			send(c[i].fd, line, (size_t)len, MSG_NOSIGNAL);
			close(c[i].fd);
			ids[i] = c[i].id;
		}
		while (dispatch_worker_done(DISPATCH_WORKER_FD, ids, (size_t)n)
		    == -1)
			if (errno != EAGAIN || poll(&(struct pollfd){
			    DISPATCH_WORKER_FD, POLLOUT, 0 }, 1, -1) == -1)
				return 1;
	}
	return 0;
}

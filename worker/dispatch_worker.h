/*
 * dispatch_worker: the worker side of the dispatcher's worker protocol,
 * for programs of one's own (libdispatch-worker; docs/WORKER-PROTOCOL.md
 * is the protocol itself, for those who write it in another language).
 *
 * A class with `worker = [ "/path/to/program", "arg" ];` starts the
 * program with its channel on DISPATCH_WORKER_FD.  The program says
 * HELLO, then receives connections, serves them, closes them and reports
 * them done, until the channel's end of file: then it finishes what it
 * holds and exits 0.
 *
 *	dispatch_worker_hello(DISPATCH_WORKER_FD);
 *	while ((n = dispatch_worker_recv(DISPATCH_WORKER_FD, c)) != 0) {
 *		(n == -1: EAGAIN, poll for POLLIN; else give up)
 *		serve and close c[0..n), then
 *		dispatch_worker_done(DISPATCH_WORKER_FD, ids, n);
 *	}
 *
 * Every function returns -1 with errno set on failure, and none blocks:
 * the channel is non-blocking, and EAGAIN says to poll(2) it.  No
 * function raises SIGPIPE.
 */
#ifndef DISPATCH_WORKER_H
#define DISPATCH_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DISPATCH_WORKER_VERSION		4	/* of the protocol */
#define DISPATCH_WORKER_FD		3	/* where the channel is */
#define DISPATCH_WORKER_CONN_MAX	16	/* connections in one CONN */
#define DISPATCH_WORKER_DONE_MAX	32	/* ids in one DONE */

/* One connection handed over; fd is the program's to close. */
struct dispatch_worker_conn {
	uint64_t		 id;		/* for its DONE */
	int			 fd;		/* the client's socket */
	uint32_t		 class_idx;	/* the class's index in the file */
	int32_t			 entry;		/* of the ruleset; -1: none */
	uint32_t		 listener;	/* index; UINT32_MAX: removed */
	uint32_t		 rule;		/* its number, 1-based; 0: none */
	struct sockaddr_storage	 peer;		/* AF_INET or AF_INET6 */
	struct sockaddr_storage	 local;
};

/*
 * Checks that chan is a SOCK_SEQPACKET socket (EPROTOTYPE if not), makes
 * it non-blocking and close-on-exec, and says HELLO with our pid: 0, or
 * -1.  Call it once, first.
 */
int	dispatch_worker_hello(int chan);

/*
 * Receives one CONN into conns: how many connections it brought (1 to
 * DISPATCH_WORKER_CONN_MAX), their sockets close-on-exec; 0 at end of
 * file, when the dispatcher wants the program to finish what it holds and
 * exit; -1 with EAGAIN when nothing waits, or EPROTO for a malformed or
 * unexpected message (the program should exit with a non-zero status).
 * Call it only while the program can hold DISPATCH_WORKER_CONN_MAX more
 * descriptors (see dispatch_worker_max_conn).
 */
int	dispatch_worker_recv(int chan,
	    struct dispatch_worker_conn conns[DISPATCH_WORKER_CONN_MAX]);

/*
 * Reports ids[0..n), 1 to DISPATCH_WORKER_DONE_MAX connections whose
 * sockets the program closed, in one DONE: 0, or -1 with EINVAL for n
 * out of range, EAGAIN when the channel is full (nothing sent: poll for
 * POLLOUT and send it again), EPIPE when the dispatcher has gone.
 */
int	dispatch_worker_done(int chan, const uint64_t *ids, size_t n);

/*
 * Raises the soft limit on descriptors to the hard one and returns how
 * many connections the program may hold at once, as the dispatcher
 * counts them: past it, read no more from the channel until some are
 * done.  The dispatcher then holds the others in its queue.
 */
size_t	dispatch_worker_max_conn(void);

#ifdef __cplusplus
}
#endif

#endif

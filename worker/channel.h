/*
 * channel: the wire protocol between the dispatcher and its workers.
 *
 * One SOCK_SEQPACKET socketpair per worker: one message, one record.
 * Every message has the same fixed size, a version and a type; CONN
 * carries exactly one descriptor (SCM_RIGHTS), the others none.  One
 * DONE reports up to CHANNEL_DONE_MAX connections closed, as many as the
 * worker closed in one wake-up: the dispatcher's count of a worker's
 * connections in hand is behind by at most what the worker closed since
 * its last wake-up (version 2; version 1 had one connection a DONE).
 */
#ifndef CHANNEL_H
#define CHANNEL_H

#include <stdint.h>
#include <sys/socket.h>

#define CHANNEL_VERSION	2
#define CHANNEL_DONE_MAX	32	/* ids in one DONE: the union's size */
#define CHANNEL_FD	3	/* where dispatch-worker finds its channel */

enum channel_type {
	CHANNEL_HELLO = 1,	/* worker -> dispatcher, once, at start */
	CHANNEL_CONN = 2,	/* dispatcher -> worker, with the client socket */
	CHANNEL_DONE = 3,	/* worker -> dispatcher, sockets are closed */
};

struct channel_msg {
	uint16_t	version;
	uint16_t	type;
	uint32_t	reserved;	/* zero */
	union {
		struct {
			int32_t	pid;
			uint32_t reserved;
		} hello;
		struct {
			uint64_t id;
			uint32_t class_idx;
			int32_t	 entry;		/* of the ruleset; -1: none */
			uint32_t listener;	/* UINT32_MAX: removed */
			uint32_t reserved;
			struct sockaddr_storage peer;
			struct sockaddr_storage local;
		} conn;
		struct {
			uint32_t count;		/* 1 to CHANNEL_DONE_MAX */
			uint32_t reserved;
			uint64_t id[CHANNEL_DONE_MAX];
		} done;
	} u;
};

_Static_assert(sizeof(((struct channel_msg *)0)->u.done) <=
    sizeof(((struct channel_msg *)0)->u.conn),
    "a DONE must not make every message longer");

/* A zeroed message of the given type with the version set. */
void	channel_msg_init(struct channel_msg *, enum channel_type);

/*
 * Sends one message, with fd attached when fd >= 0.  Returns 0, or -1 with
 * errno set: EAGAIN (or ETOOMANYREFS) when the peer cannot take it now.
 * Never raises SIGPIPE.
 */
int	channel_send(int chan, const struct channel_msg *, int fd);

/*
 * Receives one message.  Returns 1 with *fd set to the descriptor it
 * carried (-1 for none), 0 at end of file, or -1 with errno set: EAGAIN
 * when nothing is waiting, EPROTO when the message is malformed (wrong
 * size, version, type, descriptor count, truncation or address family);
 * descriptors of a rejected message are closed.  A peer that closed with
 * our messages unread is not an error: what it sent comes first, then
 * the end of file.
 */
int	channel_recv(int chan, struct channel_msg *, int *fd);

#endif

/*
 * channel: the wire protocol between the dispatcher and its workers.
 *
 * One SOCK_SEQPACKET socketpair per worker: one message, one record,
 * exactly as long as its type and count say (channel_msg_len).  A CONN
 * hands over 1 to CHANNEL_CONN_MAX connections, their descriptors in one
 * SCM_RIGHTS in the order of their records: as many as the dispatcher
 * accepted for that worker in one run of accepts.  A DONE reports 1 to
 * CHANNEL_DONE_MAX connections closed, as many as the worker closed in
 * one wake-up.  Version 4; version 3 had a reserved field where a CONN's
 * record has its rule, version 2 one connection a CONN, version 1 one a
 * DONE as well.
 */
#ifndef CHANNEL_H
#define CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define CHANNEL_VERSION	4
#define CHANNEL_CONN_MAX	16	/* connections in one CONN */
#define CHANNEL_DONE_MAX	32	/* ids in one DONE */
#define CHANNEL_FD	3	/* where dispatch-worker finds its channel */
/*
 * Room for more descriptors than any valid message carries, so that a
 * message with too many arrives whole and every one of them can be
 * closed, rather than being cut by MSG_CTRUNC.
 */
#define CHANNEL_FDS_MAX	(CHANNEL_CONN_MAX + 8)

enum channel_type {
	CHANNEL_HELLO = 1,	/* worker -> dispatcher, once, at start */
	CHANNEL_CONN = 2,	/* dispatcher -> worker, with the client sockets */
	CHANNEL_DONE = 3,	/* worker -> dispatcher, sockets are closed */
};

/* One connection of a CONN; its descriptor is the one of the same rank. */
struct channel_conn {
	uint64_t		 id;
	uint32_t		 class_idx;
	int32_t			 entry;		/* of the ruleset; -1: none */
	uint32_t		 listener;	/* UINT32_MAX: removed */
	uint32_t		 rule;		/* its number, 1-based; 0: none */
	struct sockaddr_storage	 peer;
	struct sockaddr_storage	 local;
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
			uint32_t count;		/* 1 to CHANNEL_CONN_MAX */
			uint32_t reserved;
			struct channel_conn c[CHANNEL_CONN_MAX];
		} conn;
		struct {
			uint32_t count;		/* 1 to CHANNEL_DONE_MAX */
			uint32_t reserved;
			uint64_t id[CHANNEL_DONE_MAX];
		} done;
	} u;
};

/* A zeroed message of the given type with the version set. */
void	channel_msg_init(struct channel_msg *, enum channel_type);

/*
 * The length of the record on the wire: the header and the type's part,
 * of a CONN or DONE only its count's records or ids; 0 for an unknown
 * type or a count out of range.
 */
size_t	channel_msg_len(const struct channel_msg *);

/*
 * Sends one message; a CONN with its count's descriptors from fds (the
 * others none: fds is then not read).  Returns 0, or -1 with errno set:
 * EAGAIN (or ETOOMANYREFS) when the peer cannot take it now, nothing of
 * it sent.  Never raises SIGPIPE.
 */
int	channel_send(int chan, const struct channel_msg *, const int *fds);

/*
 * Receives one message.  Returns 1, with a CONN's descriptors in fds (as
 * many as its count; fds has room for CHANNEL_CONN_MAX), 0 at end of
 * file, or -1 with errno set: EAGAIN when nothing is waiting, EPROTO
 * when the message is malformed (wrong length, version, type, count,
 * descriptor count, truncation or address family) or is a CONN and fds
 * is NULL; descriptors of a rejected message are closed.  A peer that
 * closed with our messages unread is not an error: what it sent comes
 * first, then the end of file.
 */
int	channel_recv(int chan, struct channel_msg *, int *fds);

/*
 * The record layer under both, for any protocol of one record a message
 * on a SOCK_SEQPACKET socket (an upgrade's too: dispatcher/upgrade.c).
 *
 * channel_send_fds sends len bytes of buf with nfds descriptors (at most
 * CHANNEL_FDS_MAX) in one SCM_RIGHTS, as channel_send does.
 *
 * channel_recv_fds receives one record of at most size bytes into buf,
 * and its descriptors into fds (room for CHANNEL_FDS_MAX), *nfds of them.
 * Returns the record's length, 0 at end of file, or -1 with errno set:
 * EAGAIN when nothing is waiting, EPROTO when the record is longer than
 * size, truncated, empty with descriptors, or has other control data or
 * more than CHANNEL_FDS_MAX descriptors (every descriptor then closed).
 */
int	channel_send_fds(int chan, const void *buf, size_t len, const int *fds,
	    size_t nfds);
ssize_t	channel_recv_fds(int chan, void *buf, size_t size, int *fds,
	    size_t *nfds);

#endif

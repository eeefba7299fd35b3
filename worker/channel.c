#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"

/*
 * Room for more descriptors than any valid message carries, so that a
 * message with too many arrives whole and every one of them can be
 * closed, rather than being cut by MSG_CTRUNC.
 */
#define CHANNEL_MAXFDS	(CHANNEL_CONN_MAX + 8)

static int	channel_family_ok(const struct sockaddr_storage *);
static int	channel_check(const struct channel_msg *, size_t, int);
static void	channel_close_fds(const int *, int);

void
channel_msg_init(struct channel_msg *m, enum channel_type type)
{
	/* Zeroing all keeps padding and reserved fields defined. */
	memset(m, 0, sizeof(*m));
	m->version = CHANNEL_VERSION;
	m->type = type;
}

size_t
channel_msg_len(const struct channel_msg *m)
{
	switch (m->type) {
	case CHANNEL_HELLO:
		return offsetof(struct channel_msg, u) + sizeof(m->u.hello);
	case CHANNEL_CONN:
		if (m->u.conn.count == 0 || m->u.conn.count > CHANNEL_CONN_MAX)
			return 0;
		return offsetof(struct channel_msg, u.conn.c) +
		    m->u.conn.count * sizeof(m->u.conn.c[0]);
	case CHANNEL_DONE:
		if (m->u.done.count == 0 || m->u.done.count > CHANNEL_DONE_MAX)
			return 0;
		return offsetof(struct channel_msg, u.done.id) +
		    m->u.done.count * sizeof(m->u.done.id[0]);
	default:
		return 0;
	}
}

int
channel_send(int chan, const struct channel_msg *m, const int *fds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CHANNEL_CONN_MAX * sizeof(int))];
	}		 cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	size_t		 len, nfds = 0;

	if ((len = channel_msg_len(m)) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (m->type == CHANNEL_CONN)
		nfds = m->u.conn.count;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)m;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}

	/* MSG_DONTWAIT: a full channel is EAGAIN, never a stalled process. */
	do {
		n = sendmsg(chan, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		/* A record is all or nothing on SOCK_SEQPACKET. */
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
channel_recv(int chan, struct channel_msg *m, int *fds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CHANNEL_MAXFDS * sizeof(int))];
	}		 cbuf;
	/* One byte more than a message: a longer record shows as MSG_TRUNC. */
	unsigned char	 data[sizeof(struct channel_msg) + 1];
	int		 got[CHANNEL_MAXFDS];
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	const unsigned char *p, *end;
	ssize_t		 n;
	size_t		 i, count;
	int		 nfds = 0, bad = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);

	/*
	 * ECONNRESET: the peer closed with messages of ours unread.  On
	 * SOCK_SEQPACKET that error is reported once, before the messages
	 * the peer sent, which are still to be read (descriptors too), and
	 * then comes the end of file.
	 */
	do {
		n = recvmsg(chan, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n == -1 && (errno == EINTR || errno == ECONNRESET));
	if (n == -1)
		return -1;

	/* Take every descriptor that arrived before judging the message. */
	end = (const unsigned char *)cbuf.buf + msg.msg_controllen;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		p = CMSG_DATA(cmsg);
		if (cmsg->cmsg_len < CMSG_LEN(0) ||
		    (size_t)(end - p) < cmsg->cmsg_len - CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			int	 one;

			memcpy(&one, p + i * sizeof(int), sizeof(int));
			if (nfds < CHANNEL_MAXFDS)
				got[nfds++] = one;
			else {
				close(one);
				bad = 1;
			}
		}
	}

	if (n == 0 && nfds == 0 && !bad)
		return 0;	/* end of file */

	if (n == 0 || bad || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n > sizeof(*m))
		goto reject;
	/* What a short record leaves unset is zero, never stale. */
	memset(m, 0, sizeof(*m));
	memcpy(m, data, (size_t)n);
	if (channel_check(m, (size_t)n, nfds) == -1 ||
	    (nfds > 0 && fds == NULL))
		goto reject;

	if (nfds > 0)
		memcpy(fds, got, (size_t)nfds * sizeof(int));
	return 1;

 reject:
	channel_close_fds(got, nfds);
	errno = EPROTO;
	return -1;
}

/* Checks a whole record of len bytes against the descriptors with it. */
static int
channel_check(const struct channel_msg *m, size_t len, int nfds)
{
	uint32_t	i;

	if (len < offsetof(struct channel_msg, u) ||
	    m->version != CHANNEL_VERSION || m->reserved != 0 ||
	    channel_msg_len(m) != len)
		return -1;
	switch (m->type) {
	case CHANNEL_HELLO:
		return nfds == 0 && m->u.hello.reserved == 0 ? 0 : -1;
	case CHANNEL_CONN:
		if ((uint32_t)nfds != m->u.conn.count ||
		    m->u.conn.reserved != 0)
			return -1;
		for (i = 0; i < m->u.conn.count; i++)
			if (!channel_family_ok(&m->u.conn.c[i].peer) ||
			    !channel_family_ok(&m->u.conn.c[i].local))
				return -1;
		return 0;
	case CHANNEL_DONE:
		return nfds == 0 && m->u.done.reserved == 0 ? 0 : -1;
	default:
		return -1;
	}
}

static int
channel_family_ok(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

static void
channel_close_fds(const int *fds, int nfds)
{
	int	 i;

	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

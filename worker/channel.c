#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"

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
channel_send_fds(int chan, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CHANNEL_FDS_MAX * sizeof(int))];
	}		 cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	if (nfds > CHANNEL_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)buf;
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
channel_send(int chan, const struct channel_msg *m, const int *fds)
{
	size_t	len;

	if ((len = channel_msg_len(m)) == 0) {
		errno = EINVAL;
		return -1;
	}
	return channel_send_fds(chan, m, len, fds,
	    m->type == CHANNEL_CONN ? m->u.conn.count : 0);
}

ssize_t
channel_recv_fds(int chan, void *buf, size_t size, int *fds, size_t *nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CHANNEL_FDS_MAX * sizeof(int))];
	}		 cbuf;
	/* One byte more than a record: a longer one shows as such. */
	unsigned char	 extra;
	struct msghdr	 msg;
	struct iovec	 iov[2];
	struct cmsghdr	*cmsg;
	const unsigned char *p, *end;
	ssize_t		 n;
	size_t		 i, count;
	int		 bad = 0;

	*nfds = 0;
	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = buf;
	iov[0].iov_len = size;
	iov[1].iov_base = &extra;
	iov[1].iov_len = 1;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
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

	/* Take every descriptor that arrived before judging the record. */
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
			if (*nfds < CHANNEL_FDS_MAX)
				fds[(*nfds)++] = one;
			else {
				close(one);
				bad = 1;
			}
		}
	}

	if (n == 0 && *nfds == 0 && !bad)
		return 0;	/* end of file */
	if (n == 0 || bad || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n > size) {
		channel_close_fds(fds, (int)*nfds);
		*nfds = 0;
		errno = EPROTO;
		return -1;
	}
	return n;
}

int
channel_recv(int chan, struct channel_msg *m, int *fds)
{
	int	 got[CHANNEL_FDS_MAX];
	size_t	 nfds;
	ssize_t	 n;

	/* What a short record leaves unset is zero, never stale. */
	memset(m, 0, sizeof(*m));
	if ((n = channel_recv_fds(chan, m, sizeof(*m), got, &nfds)) <= 0)
		return (int)n;
	if (channel_check(m, (size_t)n, (int)nfds) == -1 ||
	    (nfds > 0 && fds == NULL)) {
		channel_close_fds(got, (int)nfds);
		errno = EPROTO;
		return -1;
	}
	if (nfds > 0)
		memcpy(fds, got, nfds * sizeof(int));
	return 1;
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

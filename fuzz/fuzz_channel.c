/*
 * fuzz_channel: one SOCK_SEQPACKET record through channel_recv.
 *
 * The first byte of an input says what travels with the record (see
 * FUZZ_*); the rest is the record itself.  channel_recv must accept
 * exactly the well-formed messages, hand over the descriptors of a CONN
 * in their order, and close every descriptor of a message it refuses.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The first byte of an input. */
#define FUZZ_NFDS	0x03	/* 0 to 3 descriptors attached */
#define FUZZ_MANYFDS	0x04	/* FUZZ_TOOMANY of them, more than fit */
#define FUZZ_DEVNULL	0x08	/* /dev/null rather than pipe ends */
#define FUZZ_PASSCRED	0x10	/* SCM_CREDENTIALS comes along too */

#define FUZZ_TOOMANY	(CHANNEL_CONN_MAX + 9)
#define FUZZ_MAXREC	65536	/* well below the socket buffer */

static int	 fuzz_sv[2] = { -1, -1 };	/* receiver, sender */
static int	 fuzz_pipe[2];
static int	 fuzz_null;

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_channel: %s\n", what);
	abort();
}

static void
fuzz_init(void)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    fuzz_sv) == -1 || pipe2(fuzz_pipe, O_CLOEXEC) == -1 ||
	    (fuzz_null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		perror("fuzz_channel: init");
		abort();
	}
}

/*
 * Descriptors are numbered lowest free first, so whatever recvmsg
 * installs lands on the lowest free numbers: those are the ones to
 * watch for leaks.
 */
static void
fuzz_free_fds(int *free_fds, int n)
{
	int	 fd, k = 0;

	for (fd = 0; k < n; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			free_fds[k++] = fd;
}

static void
fuzz_setpasscred(int on)
{
	if (setsockopt(fuzz_sv[0], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)) == -1)
		fuzz_fail("setsockopt SO_PASSCRED failed");
}

static void
fuzz_send(const uint8_t *rec, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FUZZ_TOOMANY * sizeof(int))];
	}		 cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)rec;
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
	n = sendmsg(fuzz_sv[1], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1 || (size_t)n != len)
		fuzz_fail("sendmsg failed");
}

static int
fuzz_family_ok(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

/* Whether channel_recv should take this record, by the protocol. */
static int
fuzz_well_formed(const uint8_t *rec, size_t len, int nfds, int passcred)
{
	struct channel_msg	 m;
	size_t			 head = offsetof(struct channel_msg, u);
	uint32_t		 i;

	if (passcred || len < head || len > sizeof(m))
		return 0;
	memset(&m, 0, sizeof(m));
	memcpy(&m, rec, len);
	if (m.version != CHANNEL_VERSION || m.reserved != 0)
		return 0;
	switch (m.type) {
	case CHANNEL_HELLO:
		return len == head + sizeof(m.u.hello) && nfds == 0 &&
		    m.u.hello.reserved == 0;
	case CHANNEL_CONN:
		if (m.u.conn.count < 1 || m.u.conn.count > CHANNEL_CONN_MAX ||
		    len != head + 8 + m.u.conn.count * sizeof(m.u.conn.c[0]) ||
		    (uint32_t)nfds != m.u.conn.count || m.u.conn.reserved != 0)
			return 0;
		for (i = 0; i < m.u.conn.count; i++)
			if (!fuzz_family_ok(&m.u.conn.c[i].peer) ||
			    !fuzz_family_ok(&m.u.conn.c[i].local))
				return 0;
		return 1;
	case CHANNEL_DONE:
		return m.u.done.count >= 1 &&
		    m.u.done.count <= CHANNEL_DONE_MAX &&
		    len == head + 8 + m.u.done.count * sizeof(uint64_t) &&
		    nfds == 0 && m.u.done.reserved == 0;
	default:
		return 0;
	}
}

/* The descriptor received is the one sent, close-on-exec. */
static void
fuzz_check_fd(int fd, int sent)
{
	struct stat	 a, b;
	int		 flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1 || !(flags & FD_CLOEXEC))
		fuzz_fail("CONN descriptor not open or not close-on-exec");
	if (fstat(fd, &a) == -1 || fstat(sent, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fuzz_fail("CONN descriptor is not the one sent");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct channel_msg	 m;
	const uint8_t		*rec;
	size_t			 len;
	char			 byte;
	int			 fds[FUZZ_TOOMANY], free_fds[FUZZ_TOOMANY];
	int			 got[CHANNEL_CONN_MAX];
	int			 i, nfds, passcred, well, rc, saved;

	if (size == 0 || size - 1 > FUZZ_MAXREC)
		return -1;
	if (fuzz_sv[0] == -1)
		fuzz_init();
	rec = data + 1;
	len = size - 1;
	nfds = (data[0] & FUZZ_MANYFDS) ? FUZZ_TOOMANY : data[0] & FUZZ_NFDS;
	for (i = 0; i < nfds; i++)
		fds[i] = (data[0] & FUZZ_DEVNULL) ? fuzz_null :
		    fuzz_pipe[i % 2];
	passcred = (data[0] & FUZZ_PASSCRED) != 0;
	well = fuzz_well_formed(rec, len, nfds, passcred);

	fuzz_free_fds(free_fds, FUZZ_TOOMANY);
	if (passcred)
		fuzz_setpasscred(1);
	fuzz_send(rec, len, fds, nfds);
	memset(&m, 0xa5, sizeof(m));
	got[0] = 1000;
	errno = 0;
	rc = channel_recv(fuzz_sv[0], &m, got);
	saved = errno;
	if (passcred)
		fuzz_setpasscred(0);

	/* One call takes exactly the one record sent. */
	if (recv(fuzz_sv[0], &byte, 1, MSG_DONTWAIT | MSG_PEEK) != -1 ||
	    errno != EAGAIN)
		fuzz_fail("channel_recv did not take exactly one record");

	switch (rc) {
	case 1:
		if (!well)
			fuzz_fail("accepted a malformed message");
		if (memcmp(&m, rec, len) != 0)
			fuzz_fail("message differs from the record");
		if (m.type == CHANNEL_CONN) {
			for (i = 0; i < nfds; i++) {
				fuzz_check_fd(got[i], fds[i]);
				close(got[i]);
			}
		} else if (got[0] != 1000)
			fuzz_fail("descriptor returned without a CONN");
		break;
	case 0:
		if (len != 0 || nfds != 0 || passcred)
			fuzz_fail("end of file for a record");
		if (got[0] != 1000)
			fuzz_fail("descriptor returned at end of file");
		break;
	case -1:
		if (well)
			fuzz_fail("refused a well-formed message");
		if (saved != EPROTO)
			fuzz_fail("refused without EPROTO");
		if (got[0] != 1000)
			fuzz_fail("descriptor returned with an error");
		break;
	default:
		fuzz_fail("unknown return value");
	}

	for (i = 0; i < FUZZ_TOOMANY; i++)
		if (fcntl(free_fds[i], F_GETFD) != -1)
			fuzz_fail("descriptor leaked");
	return 0;
}

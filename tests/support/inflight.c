/*
 * inflight: fills its user's descriptors in flight, the count that the
 * kernel holds to the sender's RLIMIT_NOFILE (sendmsg then fails with
 * ETOOMANYREFS for every process of the user), by sending a descriptor
 * over and over to a socket that never receives.  It prints "full N" once
 * the kernel refuses the next, and holds them until it is killed: the
 * kernel then drops what was never received.  Run it as the user, and
 * with the limit, that a test wants to reach.
 */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define INFLIGHT_MAX	1000000		/* no limit that high: a bug */

int
main(void)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct cmsghdr	*c;
	struct iovec	 iov;
	char		 byte = 0;
	int		 sv[2], fd, n;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1)
		err(1, "socketpair");
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		err(1, "/dev/null");
	for (n = 0; n < INFLIGHT_MAX; n++) {
		memset(&msg, 0, sizeof(msg));
		memset(&cm, 0, sizeof(cm));
		iov.iov_base = &byte;
		iov.iov_len = 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		if (sendmsg(sv[0], &msg, MSG_DONTWAIT) == -1) {
			if (errno != ETOOMANYREFS)
				err(1, "sendmsg after %d", n);
			printf("full %d\n", n);
			fflush(stdout);
			for (;;)
				pause();
		}
	}
	errx(1, "%d descriptors in flight and no limit reached", n);
}

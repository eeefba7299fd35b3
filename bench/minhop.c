/*
 * minhop: the simplest user-space hop, the second baseline the dispatcher
 * is measured against.
 *
 * One process accepts on the port and hands each connection to the next
 * of N forked workers in turn, over a socketpair of its own (SCM_RIGHTS),
 * then closes its copy; a worker receives it, writes the reply a worker of
 * the dispatcher writes, and closes.  No DONE, no limits, no rules, no
 * event loop: every call blocks.  What is left is what any hop costs.
 * The descriptor passing is written out here, not taken from
 * worker/channel.c: a baseline must not move with the code it measures.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* A control buffer that holds one descriptor, aligned for cmsghdr. */
union minhop_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(int))];
};

/* Receives connections on chan until the accepting process goes. */
static _Noreturn void
minhop_work(int chan, const char *class, pid_t parent)
{
	union minhop_cmsg	 cm;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	struct iovec		 iov;
	char			 reply[128], byte;
	ssize_t			 n;
	int			 fd, len;

	bench_die_with_parent(parent);
	len = bench_reply(reply, sizeof(reply), class);
	for (;;) {
		iov.iov_base = &byte;
		iov.iov_len = 1;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		if ((n = recvmsg(chan, &msg, MSG_CMSG_CLOEXEC)) == -1) {
			if (errno == EINTR)
				continue;
			err(BENCH_EXIT_OSERR, "recvmsg");
		}
		if (n == 0)	/* the accepting process is gone */
			_exit(0);
		c = CMSG_FIRSTHDR(&msg);
		if ((msg.msg_flags & MSG_CTRUNC) || c == NULL ||
		    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)))
			errx(BENCH_EXIT_OSERR, "recvmsg: no descriptor");
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		/* A client gone already is routine: the reply is dropped. */
		(void)send(fd, reply, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
	}
}

/* Hands fd to the worker at the other end of chan. */
static void
minhop_pass(int chan, int fd)
{
	union minhop_cmsg	 cm;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	struct iovec		 iov;
	char			 byte = 'C';

	iov.iov_base = &byte;
	iov.iov_len = 1;
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	while (sendmsg(chan, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)	/* a worker died: the benchmark is off */
			err(BENCH_EXIT_OSERR, "sendmsg");
}

int
main(int argc, char *argv[])
{
	struct bench_server	 bs;
	int			 chans[BENCH_PROCS_MAX], sv[2];
	pid_t			 self = getpid();
	long			 i, next;
	int			 lfd, fd;

	bench_server_args(&bs, argc, argv, "minhop");
	lfd = bench_listen(&bs);
	for (i = 0; i < bs.nprocs; i++) {
		/* SOCK_SEQPACKET, as the dispatcher's channel. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1)
			err(BENCH_EXIT_OSERR, "socketpair");
		chans[i] = sv[0];
		switch (fork()) {
		case -1:
			err(BENCH_EXIT_OSERR, "fork");
		case 0:
			/* The accepting process's ends, so that its exit is
			 * every worker's EOF. */
			for (next = 0; next <= i; next++)
				close(chans[next]);
			close(lfd);
			minhop_work(sv[1], bs.class, self);
		}
		close(sv[1]);
	}
	fprintf(stderr, "minhop: %ld workers on %s: ready\n", bs.nprocs,
	    bs.addr);
	/* SIGTERM's default action ends it; the workers follow. */
	for (next = 0;; next = (next + 1) % bs.nprocs) {
		while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
		}
		minhop_pass(chans[next], fd);
		close(fd);
	}
}

/*
 * proxy: the PROXY protocol header a balancer sends before its client's
 * bytes (haproxy's proxy-protocol.txt, versions 1 and 2), judged from
 * the bytes seen so far.  Pure: no sockets, no globals, no logging.
 *
 * The reader (proxy_wait.c) peeks at what the socket holds, hands it
 * here, and takes exactly the header's length once it is complete, so
 * that every byte after it is left for the worker.
 */
#ifndef PROXY_H
#define PROXY_H

#include <sys/socket.h>

#include <stddef.h>

/*
 * The longest header taken.  Version 1's line is at most 107 bytes with
 * its CRLF (the specification's own bound).  Version 2's is 16 bytes and
 * its length field: 216 bytes after the 16 are what the specification
 * sizes a receiver's buffer for (two Unix paths), and leave an IPv6
 * header 180 bytes of TLVs; a longer one is refused as oversized.
 */
#define PROXY_V1_MAX		107
#define PROXY_V2_HEAD		16
#define PROXY_V2_MAX_BODY	216
#define PROXY_MAX		(PROXY_V2_HEAD + PROXY_V2_MAX_BODY)

enum proxy_status {
	PROXY_COMPLETE,		/* a header of len bytes, judged */
	PROXY_NEED_MORE,	/* a header's beginning: len bytes at least */
	PROXY_MALFORMED,	/* not a header, or a bad one: why says */
	PROXY_OVERSIZED,	/* longer than the bounds above */
};

enum proxy_command {
	PROXY_CMD_PROXY,	/* src and dst are the client's connection */
	PROXY_CMD_LOCAL,	/* v2 LOCAL: the balancer's own (health check) */
	PROXY_CMD_UNKNOWN,	/* v1 UNKNOWN, or v2 for a family not carried
				   (AF_UNSPEC, AF_UNIX, UDP): the real peer */
};

struct proxy_header {
	/*
	 * PROXY_COMPLETE: the header's length, TLVs included; NEED_MORE:
	 * the fewest bytes in all that can say more.
	 */
	size_t			 len;
	int			 version;	/* 1 or 2, once known */
	enum proxy_command	 command;
	/* PROXY_CMD_PROXY only: AF_INET or AF_INET6, ports in them. */
	struct sockaddr_storage	 src;
	struct sockaddr_storage	 dst;
	const char		*why;	/* MALFORMED, OVERSIZED: a static text */
};

/*
 * Judges the first len bytes a connection sent.  Only what is in out for
 * the status returned is set.  A prefix of a good header is always
 * PROXY_NEED_MORE with out->len greater than len; a verdict other than
 * NEED_MORE does not change as more bytes come.
 */
enum proxy_status	proxy_parse(const unsigned char *buf, size_t len,
			    struct proxy_header *out);

/*
 * What became of a connection on a listener that expects the header,
 * the label of its metric and, for refusals, of the access log's reason
 * ("proxy_" and the name).
 */
enum proxy_result {
	PROXY_RESULT_PROXY,		/* the carried addresses stand */
	PROXY_RESULT_LOCAL,		/* v2 LOCAL: the real peer */
	PROXY_RESULT_UNKNOWN_FAMILY,	/* nothing carried: the real peer */
	PROXY_RESULT_UNTRUSTED,		/* peer not in proxy_from: refused */
	PROXY_RESULT_MALFORMED,
	PROXY_RESULT_OVERSIZED,
	PROXY_RESULT_TIMEOUT,		/* no whole header in proxy_timeout_ms */
	PROXY_RESULT_CLOSED,		/* the client left before its end */
	PROXY_RESULT_TOO_MANY,		/* proxy_pending were waiting */
	PROXY_RESULTS
};

extern const char *const proxy_result_names[PROXY_RESULTS];

#endif

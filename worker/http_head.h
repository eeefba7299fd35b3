/*
 * http_head: the head of an HTTP/1.x request (RFC 9112), judged byte by
 * byte as it arrives, without I/O: the caller keeps the bytes in one
 * buffer and calls http_head_parse again with the longer buffer each time
 * more come.  The verdict is final: once a call returns something other
 * than HTTP_HEAD_PARTIAL, every later call returns the same.
 *
 * What it takes:
 * - empty lines before the request line (ignored, RFC 9112 2.2);
 * - the request line METHOD SP TARGET SP HTTP/D.D, single spaces, the
 *   method a token, the target visible ASCII; a major version other than
 *   1 is HTTP_HEAD_VERSION (505) as soon as the line ends;
 * - lines ended by CRLF or by a bare LF; a CR not followed by LF is
 *   malformed;
 * - header fields NAME ":" VALUE, the name a token with nothing between it
 *   and the colon, the value visible ASCII, bytes from 0x80, spaces and
 *   tabs; a line that starts with a space or a tab continues the field
 *   before it (obsolete line folding, read as that space); one right after
 *   the request line is malformed;
 * - exactly one Host for HTTP/1.1, at most one for HTTP/1.0; at most one
 *   Content-Length, of digits only.
 * Anything else is HTTP_HEAD_BAD (400), as soon as the byte that makes it
 * so is seen, or at the end of the head for the checks of the whole head.
 * A well-formed head whose method is not GET or HEAD is HTTP_HEAD_METHOD
 * (405); a GET or HEAD whose target is neither a path ("/...") nor an
 * absolute URI ("scheme://...") is HTTP_HEAD_BAD.  A head still not ended
 * after HTTP_HEAD_MAX bytes, empty lines before it included, is
 * HTTP_HEAD_TOO_LARGE (431).
 */
#ifndef HTTP_HEAD_H
#define HTTP_HEAD_H

#include <stddef.h>

#define HTTP_HEAD_MAX	8192		/* bytes in a request head */

/* The verdict on a head, as the HTTP status code of the answer. */
enum http_head_status {
	HTTP_HEAD_PARTIAL = 0,		/* nothing wrong yet: more to come */
	HTTP_HEAD_OK = 200,		/* a GET or a HEAD */
	HTTP_HEAD_BAD = 400,
	HTTP_HEAD_METHOD = 405,
	HTTP_HEAD_TOO_LARGE = 431,
	HTTP_HEAD_VERSION = 505,
};

struct http_head {
	/* Set once the verdict is HTTP_HEAD_OK or HTTP_HEAD_METHOD. */
	size_t			 len;	/* bytes of the head, the empty line's included */
	int			 head;	/* the method is HEAD: no body in the answer */
	int			 body;	/* a body follows: Transfer-Encoding, or a
					   Content-Length other than 0 */

	/* Where the parse is: private to http_head.c. */
	enum http_head_status	 status;
	size_t			 pos;	/* the next byte to judge */
	int			 state;
	size_t			 mark;	/* where the current token starts */
	size_t			 method;	/* where the method starts */
	size_t			 method_len;
	size_t			 target;	/* where the target starts */
	size_t			 target_len;
	int			 minor;	/* of the version */
	int			 field;	/* which field the current line is */
	int			 fields;	/* a field line was seen */
	int			 hosts;
	int			 lengths;
	int			 digits;	/* the Content-Length so far */
};

void	http_head_init(struct http_head *);

/*
 * Judges buf[0..len) (the same bytes as at the last call, and maybe more
 * after them) up to HTTP_HEAD_MAX bytes; bytes after the head are not
 * looked at.
 */
enum http_head_status
	http_head_parse(struct http_head *, const char *buf, size_t len);

/* "OK", "Bad Request"...: the reason phrase of a status this code uses. */
const char	*http_head_reason(int status);

#endif

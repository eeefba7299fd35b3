/*
 * test_http_head: the request head parser (worker/http_head.h), case by
 * case.  Each case is judged twice, whole and a byte at a time, and both
 * must give the same verdict: the worker calls the parser with whatever
 * one read brought.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_head.h"

#define H11	"GET / HTTP/1.1\r\nHost: example.com\r\n"

struct head_case {
	const char		*name;
	const char		*text;
	enum http_head_status	 status;
	int			 head;		/* a HEAD (OK only) */
	int			 body;		/* a body follows (OK only) */
};

static const struct head_case cases[] = {
	/* What a client sends. */
	{ "GET", H11 "\r\n", HTTP_HEAD_OK, 0, 0 },
	{ "HEAD", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_HEAD_OK, 1, 0 },
	{ "curl", "GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", HTTP_HEAD_OK,
	    0, 0 },
	{ "HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", HTTP_HEAD_OK,
	    0, 0 },
	{ "HTTP/1.0 with Host", "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "HTTP/1.9 is 1.1", "GET / HTTP/1.9\r\nHost: a\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", HTTP_HEAD_OK,
	    0, 0 },
	{ "mixed line ends", "GET / HTTP/1.1\r\nHost: a\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "empty lines first", "\r\n\n\r\nGET / HTTP/1.0\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "absolute-form", "GET http://example.com/x HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", HTTP_HEAD_OK, 0, 0 },
	{ "absolute-form, other scheme", "GET coap+tcp.x-1://h HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", HTTP_HEAD_OK, 0, 0 },
	{ "field names any case", "GET / HTTP/1.1\r\nhOsT: a\r\n"
	    "content-LENGTH: 0\r\n\r\n", HTTP_HEAD_OK, 0, 0 },
	{ "empty value", H11 "X-Empty:\r\n\r\n", HTTP_HEAD_OK, 0, 0 },
	{ "tabs and spaces in values", H11 "X-A:\t a \t b\t\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "obs-text in a value", H11 "X-A: caf\xc3\xa9\xff\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "token characters in a name", H11 "!#$%&'*+-.^_`|~09aZ: x\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "folded field", H11 "X-A: one\r\n two\r\n\tthree\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "folded Host", "GET / HTTP/1.1\r\nHost:\r\n example.com\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },

	/* A body: the worker lingers for it. */
	{ "Content-Length: 0", H11 "Content-Length: 0\r\n\r\n", HTTP_HEAD_OK,
	    0, 0 },
	{ "Content-Length: 000", H11 "Content-Length: 000\r\n\r\n",
	    HTTP_HEAD_OK, 0, 0 },
	{ "Content-Length: 5", H11 "Content-Length: 5\r\n\r\n", HTTP_HEAD_OK,
	    0, 1 },
	{ "Content-Length with white space", H11 "Content-Length: \t 10 \t\r\n"
	    "\r\n", HTTP_HEAD_OK, 0, 1 },
	{ "Content-Length folded", H11 "Content-Length:\r\n 7\r\n\r\n",
	    HTTP_HEAD_OK, 0, 1 },
	{ "Transfer-Encoding", H11 "Transfer-Encoding: chunked\r\n\r\n",
	    HTTP_HEAD_OK, 0, 1 },

	/* 405: well-formed, another method. */
	{ "POST", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
	    HTTP_HEAD_METHOD, 0, 0 },
	{ "methods are case-sensitive", "get / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_HEAD_METHOD, 0, 0 },
	{ "GETS", "GETS / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_HEAD_METHOD, 0,
	    0 },
	{ "OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_HEAD_METHOD, 0, 0 },
	{ "CONNECT authority-form", "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n", HTTP_HEAD_METHOD, 0, 0 },

	/* 505 */
	{ "HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_HEAD_VERSION,
	    0, 0 },
	{ "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	    HTTP_HEAD_VERSION, 0, 0 },
	{ "HTTP/0.9 line", "GET / HTTP/0.9\r\n\r\n", HTTP_HEAD_VERSION, 0,
	    0 },

	/* 400: the request line. */
	{ "garbage", "garbage\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "no version (HTTP/0.9)", "GET /\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "space first", " GET / HTTP/1.1\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "not a token in the method", "G@T / HTTP/1.1\r\n", HTTP_HEAD_BAD, 0,
	    0 },
	{ "two spaces after the method", "GET  / HTTP/1.1\r\n", HTTP_HEAD_BAD,
	    0, 0 },
	{ "two spaces after the target", "GET /  HTTP/1.1\r\n", HTTP_HEAD_BAD,
	    0, 0 },
	{ "tab as separator", "GET\t/ HTTP/1.1\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "control byte in the target", "GET /a\x01 HTTP/1.1\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "obs-text in the target", "GET /caf\xc3\xa9 HTTP/1.1\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "lowercase version", "GET / http/1.1\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "short version", "GET / HTTP/1\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "two-digit minor", "GET / HTTP/1.10\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "space after the version", "GET / HTTP/1.1 \r\n", HTTP_HEAD_BAD, 0,
	    0 },
	{ "bare CR", "GET / HTTP/1.1\rHost: a\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "bare CR in an empty line first", "\rGET / HTTP/1.0\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "asterisk-form GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "authority-form GET", "GET example.com:80 HTTP/1.1\r\nHost: a\r\n"
	    "\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "scheme without authority", "GET http:// HTTP/1.1\r\nHost: a\r\n"
	    "\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "scheme starting with a digit", "GET 1http://a/ HTTP/1.1\r\n"
	    "Host: a\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },

	/* 400: the fields. */
	{ "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", HTTP_HEAD_BAD,
	    0, 0 },
	{ "two Hosts", H11 "Host: b\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n"
	    "\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "space before the colon", H11 "X-A : b\r\n\r\n", HTTP_HEAD_BAD, 0,
	    0 },
	{ "empty name", H11 ": b\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "no colon", H11 "X-A\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "not a token in a name", H11 "X(A): b\r\n\r\n", HTTP_HEAD_BAD, 0,
	    0 },
	{ "control byte in a value", H11 "X-A: a\x1b\r\n\r\n", HTTP_HEAD_BAD,
	    0, 0 },
	{ "DEL in a value", H11 "X-A: a\x7f\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "bare CR in a value", H11 "X-A: a\rb\r\n\r\n", HTTP_HEAD_BAD, 0,
	    0 },
	{ "fold after the request line", "GET / HTTP/1.1\r\n Host: a\r\n"
	    "\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "CR then junk at the end", H11 "\rX", HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length empty", H11 "Content-Length:\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length blank", H11 "Content-Length:  \r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length not a number", H11 "Content-Length: abc\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length negative", H11 "Content-Length: -1\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length list", H11 "Content-Length: 5, 5\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length two numbers", H11 "Content-Length: 5 5\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length folded apart", H11 "Content-Length: 1\r\n 2\r\n\r\n",
	    HTTP_HEAD_BAD, 0, 0 },
	{ "two Content-Lengths", H11 "Content-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", HTTP_HEAD_BAD, 0, 0 },
	{ "Content-Length last, empty", H11 "Content-Length:\n\n",
	    HTTP_HEAD_BAD, 0, 0 },
	/* A fault is a fault in any method. */
	{ "POST without Host", "POST / HTTP/1.1\r\n\r\n", HTTP_HEAD_BAD, 0,
	    0 },

	/* Not yet judged. */
	{ "nothing", "", HTTP_HEAD_PARTIAL, 0, 0 },
	{ "half a request line", "GET / HT", HTTP_HEAD_PARTIAL, 0, 0 },
	{ "no empty line yet", H11, HTTP_HEAD_PARTIAL, 0, 0 },
	{ "CR of the last line", H11 "\r", HTTP_HEAD_PARTIAL, 0, 0 },
	{ "a fold may follow", H11 "X-A: b\r\n", HTTP_HEAD_PARTIAL, 0, 0 },
	{ "only empty lines", "\r\n\r\n\n", HTTP_HEAD_PARTIAL, 0, 0 },
};

/* Judges the first len bytes of text in steps of step bytes. */
static enum http_head_status
judge(struct http_head *h, const char *text, size_t len, size_t step)
{
	enum http_head_status	s = HTTP_HEAD_PARTIAL;
	size_t			n;

	http_head_init(h);
	for (n = step < len ? step : len; ; n += step) {
		if (n > len)
			n = len;
		s = http_head_parse(h, text, n);
		if (n == len)
			return s;
	}
}

Test(http_head, every_case_whole_and_byte_by_byte)
{
	const struct head_case	*c;
	struct http_head	 h, one;
	size_t			 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = strlen(c->text);
		cr_expect_eq(judge(&h, c->text, len, len ? len : 1),
		    c->status, "%s: %d, expected %d", c->name,
		    judge(&h, c->text, len, len ? len : 1), c->status);
		cr_expect_eq(judge(&one, c->text, len, 1), c->status,
		    "%s, byte by byte: %d, expected %d", c->name,
		    judge(&one, c->text, len, 1), c->status);
		if (c->status != HTTP_HEAD_OK)
			continue;
		cr_expect_eq(h.len, len, "%s: head of %zu bytes, expected %zu",
		    c->name, h.len, len);
		cr_expect_eq(h.head, c->head, "%s: head %d", c->name, h.head);
		cr_expect_eq(h.body, c->body, "%s: body %d", c->name, h.body);
		cr_expect_eq(one.len, h.len, "%s: length byte by byte",
		    c->name);
	}
}

/* Not in the table, whose texts end at their NUL. */
Test(http_head, nul_in_a_value)
{
	static const char	 text[] = H11 "X-A: a\0b\r\n\r\n";
	struct http_head	 h;

	cr_expect_eq(judge(&h, text, sizeof(text) - 1, sizeof(text) - 1),
	    HTTP_HEAD_BAD);
	cr_expect_eq(judge(&h, text, sizeof(text) - 1, 1), HTTP_HEAD_BAD);
}

/* A verdict is final: the bytes that come after it change nothing. */
Test(http_head, verdict_is_final)
{
	static const char	 text[] = "GET / HTTP/1.0\r\n\r\nPOST / HT";
	static const char	 bad[] = "GET / HTTP/1.0\r\nX A\r\n\r\n";
	struct http_head	 h;
	size_t			 end = strlen("GET / HTTP/1.0\r\n\r\n");

	http_head_init(&h);
	cr_assert_eq(http_head_parse(&h, text, end - 1), HTTP_HEAD_PARTIAL);
	cr_assert_eq(http_head_parse(&h, text, end), HTTP_HEAD_OK);
	cr_assert_eq(http_head_parse(&h, text, sizeof(text) - 1),
	    HTTP_HEAD_OK);
	cr_assert_eq(h.len, end, "the bytes after the head are not in it");

	/* A fault is known at its byte, before the head ends. */
	http_head_init(&h);
	cr_assert_eq(http_head_parse(&h, bad, strlen("GET / HTTP/1.0\r\nX ")),
	    HTTP_HEAD_BAD);
	cr_assert_eq(http_head_parse(&h, bad, sizeof(bad) - 1),
	    HTTP_HEAD_BAD);
}

/* A head of the size of a request line, then N filler bytes in fields. */
static char *
head_of(size_t total, const char *end)
{
	static const char	 start[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: ";
	char			*s;
	size_t			 fill;

	fill = total - strlen(start) - strlen(end);
	cr_assert_not_null(s = malloc(total + 1));
	memcpy(s, start, strlen(start));
	memset(s + strlen(start), 'f', fill);
	memcpy(s + strlen(start) + fill, end, strlen(end) + 1);
	return s;
}

Test(http_head, size_limit)
{
	struct http_head	 h;
	char			*s;

	/* Ending in its last byte: taken. */
	s = head_of(HTTP_HEAD_MAX, "\r\n\r\n");
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX, 1000), HTTP_HEAD_OK);
	cr_expect_eq(h.len, HTTP_HEAD_MAX);
	free(s);

	/* One byte more: too large, as soon as the limit is reached. */
	s = head_of(HTTP_HEAD_MAX + 1, "\r\n\r\n");
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX - 1, 1000), HTTP_HEAD_PARTIAL);
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX, 1000), HTTP_HEAD_TOO_LARGE);
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX + 1, 1000),
	    HTTP_HEAD_TOO_LARGE);
	free(s);

	/* Empty lines first count too. */
	s = malloc(HTTP_HEAD_MAX);
	cr_assert_not_null(s);
	memset(s, '\n', HTTP_HEAD_MAX);
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX, 1), HTTP_HEAD_TOO_LARGE);
	free(s);

	/* A fault before the limit is a fault, not a size. */
	s = head_of(HTTP_HEAD_MAX + 100, "\r\n\r\n");
	s[20] = '\0';
	cr_expect_eq(judge(&h, s, HTTP_HEAD_MAX + 100, 4096), HTTP_HEAD_BAD);
	free(s);
}

Test(http_head, reasons)
{
	cr_expect_str_eq(http_head_reason(200), "OK");
	cr_expect_str_eq(http_head_reason(400), "Bad Request");
	cr_expect_str_eq(http_head_reason(405), "Method Not Allowed");
	cr_expect_str_eq(http_head_reason(408), "Request Timeout");
	cr_expect_str_eq(http_head_reason(431),
	    "Request Header Fields Too Large");
	cr_expect_str_eq(http_head_reason(505), "HTTP Version Not Supported");
}

/*
 * fuzz_http_head: the request head parser, whole and in pieces.
 *
 * The input is the bytes a client sends.  They are judged three ways:
 * whole, a byte at a time, and in pieces of 1 + size % 13 bytes, as reads
 * would bring them; the verdicts and what they say of the head must agree.
 * A verdict must be final and consistent: a head taken ends in LF within
 * HTTP_HEAD_MAX bytes and is judged the same alone; a head still pending
 * is shorter than HTTP_HEAD_MAX; a HEAD's method is "HEAD".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_head.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_http_head: %s\n", what);
	abort();
}

/* Judges buf[0..len) in pieces of step bytes, each call with all so far. */
static enum http_head_status
fuzz_judge(struct http_head *h, const char *buf, size_t len, size_t step)
{
	enum http_head_status	s;
	size_t			n = 0;

	http_head_init(h);
	do {
		n = len - n < step ? len : n + step;
		s = http_head_parse(h, buf, n);
	} while (n < len);
	/* Called again with nothing new, it says the same. */
	if (http_head_parse(h, buf, len) != s)
		fuzz_fail("verdict changed without new bytes");
	return s;
}

static void
fuzz_same(const struct http_head *a, const struct http_head *b,
    enum http_head_status s)
{
	if (s != HTTP_HEAD_OK && s != HTTP_HEAD_METHOD)
		return;
	if (a->len != b->len || a->head != b->head || a->body != b->body)
		fuzz_fail("verdicts agree, heads differ");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*buf = (const char *)data;
	struct http_head	 whole, bytes, pieces, alone;
	enum http_head_status	 s;

	s = fuzz_judge(&whole, buf, size, size > 0 ? size : 1);
	if (fuzz_judge(&bytes, buf, size, 1) != s)
		fuzz_fail("byte by byte differs from whole");
	if (fuzz_judge(&pieces, buf, size, 1 + size % 13) != s)
		fuzz_fail("in pieces differs from whole");
	fuzz_same(&whole, &bytes, s);
	fuzz_same(&whole, &pieces, s);

	switch (s) {
	case HTTP_HEAD_PARTIAL:
		if (size >= HTTP_HEAD_MAX)
			fuzz_fail("pending at the size limit");
		break;
	case HTTP_HEAD_OK:
	case HTTP_HEAD_METHOD:
		if (whole.len == 0 || whole.len > size ||
		    whole.len > HTTP_HEAD_MAX || buf[whole.len - 1] != '\n')
			fuzz_fail("head length out of place");
		if (fuzz_judge(&alone, buf, whole.len, whole.len) != s)
			fuzz_fail("the head alone is judged otherwise");
		fuzz_same(&whole, &alone, s);
		if (s == HTTP_HEAD_OK && whole.head &&
		    memmem(buf, whole.len, "HEAD ", 5) == NULL)
			fuzz_fail("a HEAD without \"HEAD \"");
		if (s == HTTP_HEAD_OK && !whole.head &&
		    memmem(buf, whole.len, "GET ", 4) == NULL)
			fuzz_fail("a GET without \"GET \"");
		break;
	case HTTP_HEAD_BAD:
	case HTTP_HEAD_TOO_LARGE:
	case HTTP_HEAD_VERSION:
		break;
	default:
		fuzz_fail("unknown verdict");
	}
	if (s != HTTP_HEAD_PARTIAL && strcmp(http_head_reason(s), "Unknown") == 0)
		fuzz_fail("a verdict without its reason");
	return 0;
}

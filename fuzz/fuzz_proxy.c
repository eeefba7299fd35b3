/*
 * fuzz_proxy: the PROXY protocol header parser, on whatever a peer sends.
 *
 * The input is judged whole and then at every shorter length.  A header
 * taken is at most PROXY_MAX bytes (107 for version 1, ending in CRLF),
 * no longer than the input, judged the same alone, and at every shorter
 * length asks for more, with a count above what it has and no more than
 * the header; an error has its reason; a verdict other than "more" never
 * changes as bytes come; carried addresses are IPv4 or IPv6.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_fail(const char *what, size_t n)
{
	fprintf(stderr, "fuzz_proxy: %s (at %zu bytes)\n", what, n);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header	h, alone;
	enum proxy_status	s, t;
	size_t			n;

	s = proxy_parse(data, size, &h);
	switch (s) {
	case PROXY_COMPLETE:
		if (h.len == 0 || h.len > size || h.len > PROXY_MAX)
			fuzz_fail("header length out of place", size);
		if (h.version == 1 && (h.len > PROXY_V1_MAX ||
		    data[h.len - 2] != '\r' || data[h.len - 1] != '\n'))
			fuzz_fail("a v1 header not ended by CRLF in 107", size);
		if (h.command == PROXY_CMD_PROXY &&
		    (h.src.ss_family != h.dst.ss_family ||
		    (h.src.ss_family != AF_INET && h.src.ss_family != AF_INET6)))
			fuzz_fail("carried addresses of no family", size);
		if (proxy_parse(data, h.len, &alone) != PROXY_COMPLETE ||
		    alone.len != h.len || alone.command != h.command ||
		    (h.command == PROXY_CMD_PROXY &&
		    (memcmp(&alone.src, &h.src, sizeof(h.src)) != 0 ||
		    memcmp(&alone.dst, &h.dst, sizeof(h.dst)) != 0)))
			fuzz_fail("the header alone is judged otherwise", size);
		break;
	case PROXY_NEED_MORE:
		if (h.len <= size || h.len > PROXY_MAX)
			fuzz_fail("asks for what it has, or past the bound", size);
		break;
	case PROXY_MALFORMED:
	case PROXY_OVERSIZED:
		if (h.why == NULL)
			fuzz_fail("an error without its reason", size);
		break;
	default:
		fuzz_fail("unknown verdict", size);
	}
	/* Shorter: more is wanted, or the same error was already plain. */
	for (n = 0; n < size && (s != PROXY_COMPLETE || n < h.len); n++) {
		t = proxy_parse(data, n, &alone);
		if (t == PROXY_COMPLETE)
			fuzz_fail("a header complete before its end", n);
		if (t != PROXY_NEED_MORE && t != s)
			fuzz_fail("an error that later bytes changed", n);
		if (t == PROXY_NEED_MORE && s == PROXY_COMPLETE &&
		    (alone.len <= n || alone.len > h.len))
			fuzz_fail("a prefix asks for a wrong count", n);
	}
	return 0;
}

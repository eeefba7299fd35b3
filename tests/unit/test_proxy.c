/*
 * test_proxy: the PROXY protocol header parser (dispatcher/proxy.h),
 * case by case.  Every good header is also judged at every shorter
 * length, where it must ask for more, and with the client's bytes
 * behind it, which must not count.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proxy.h"

#define SIG	"\r\n\r\n\0\r\nQUIT\n"	/* 12 bytes */

struct good {
	const char		*name;
	const char		*bytes;
	size_t			 len;
	enum proxy_command	 command;
	const char		*src, *dst;	/* PROXY_CMD_PROXY */
	unsigned		 sport, dport;
};

#define V1(name, text, cmd, s, d, sp, dp) \
	{ name, text, sizeof(text) - 1, cmd, s, d, sp, dp }
#define V2(name, bytes, cmd, s, d, sp, dp) \
	{ name, SIG bytes, sizeof(SIG bytes) - 1, cmd, s, d, sp, dp }

static const struct good goods[] = {
	V1("v1 TCP4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
	    PROXY_CMD_PROXY, "192.0.2.1", "198.51.100.2", 56324, 443),
	V1("v1 TCP6", "PROXY TCP6 2001:db8::1 ::1 0 65535\r\n",
	    PROXY_CMD_PROXY, "2001:db8::1", "::1", 0, 65535),
	V1("v1 longest", "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
	    PROXY_CMD_PROXY, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 65535),
	V1("v1 UNKNOWN", "PROXY UNKNOWN\r\n", PROXY_CMD_UNKNOWN, NULL, NULL,
	    0, 0),
	V1("v1 UNKNOWN with addresses, ignored", "PROXY UNKNOWN ffff::1 "
	    "whatever 1 2\r\n", PROXY_CMD_UNKNOWN, NULL, NULL, 0, 0),
	/* 107 bytes: the specification's longest line. */
	V1("v1 UNKNOWN of 107 bytes", "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxx\r\n", PROXY_CMD_UNKNOWN, NULL, NULL,
	    0, 0),
	V2("v2 TCP4", "\x21\x11\x00\x0c" "\xc0\x00\x02\x01" "\xc6\x33\x64\x02"
	    "\xdc\x04" "\x01\xbb", PROXY_CMD_PROXY, "192.0.2.1",
	    "198.51.100.2", 56324, 443),
	V2("v2 TCP6", "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x00\x00" "\xff\xff",
	    PROXY_CMD_PROXY, "2001:db8::1", "::1", 0, 65535),
	V2("v2 TCP4 with TLVs", "\x21\x11\x00\x1a" "\x0a\x00\x00\x01"
	    "\x0a\x00\x00\x02" "\x00\x50" "\x00\x51"
	    "\x04\x00\x03" "abc"		/* NOOP */
	    "\x02\x00\x05" "a.com",		/* AUTHORITY */
	    PROXY_CMD_PROXY, "10.0.0.1", "10.0.0.2", 80, 81),
	V2("v2 LOCAL", "\x20\x00\x00\x00", PROXY_CMD_LOCAL, NULL, NULL, 0, 0),
	V2("v2 LOCAL with addresses, ignored", "\x20\x11\x00\x0c"
	    "\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x50\x00\x51", PROXY_CMD_LOCAL,
	    NULL, NULL, 0, 0),
	V2("v2 UNSPEC", "\x21\x00\x00\x00", PROXY_CMD_UNKNOWN, NULL, NULL,
	    0, 0),
	V2("v2 UDP over IPv4", "\x21\x12\x00\x0c"
	    "\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x50\x00\x51",
	    PROXY_CMD_UNKNOWN, NULL, NULL, 0, 0),
	V2("v2 AF_UNIX, short", "\x21\x31\x00\x04" "abcd", PROXY_CMD_UNKNOWN,
	    NULL, NULL, 0, 0),
};

static void
expect_addr(const struct sockaddr_storage *ss, const char *ip, unsigned port)
{
	char	text[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
		cr_assert_eq(ntohs(sin->sin_port), port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		cr_assert_eq(ss->ss_family, AF_INET6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
		cr_assert_eq(ntohs(sin6->sin6_port), port);
	}
	cr_assert_str_eq(text, ip);
}

Test(proxy, good_headers_whole_and_with_data_behind)
{
	unsigned char		buf[PROXY_MAX + 64];
	struct proxy_header	h;
	size_t			i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];

		memcpy(buf, g->bytes, g->len);
		memcpy(buf + g->len, "GET / HTTP/1.0\r\n\r\n", 18);
		/* Alone, then with the client's first bytes behind it. */
		for (int extra = 0; extra <= 18; extra += 18) {
			cr_assert_eq(proxy_parse(buf, g->len + (size_t)extra, &h),
			    PROXY_COMPLETE, "%s: %s", g->name,
			    h.why != NULL ? h.why : "");
			cr_assert_eq(h.len, g->len, "%s", g->name);
			cr_assert_eq(h.command, g->command, "%s", g->name);
			cr_assert_eq(h.version, g->bytes[0] == 'P' ? 1 : 2);
			if (g->command != PROXY_CMD_PROXY)
				continue;
			expect_addr(&h.src, g->src, g->sport);
			expect_addr(&h.dst, g->dst, g->dport);
		}
	}
}

Test(proxy, every_prefix_asks_for_more)
{
	struct proxy_header	h;
	size_t			i, n;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];

		for (n = 0; n < g->len; n++) {
			cr_assert_eq(proxy_parse((const unsigned char *)g->bytes,
			    n, &h), PROXY_NEED_MORE, "%s at %zu bytes: %s",
			    g->name, n, h.why != NULL ? h.why : "");
			cr_assert_gt(h.len, n, "%s at %zu", g->name, n);
			cr_assert_leq(h.len, g->len, "%s at %zu", g->name, n);
		}
	}
}

struct bad {
	const char		*name;
	const char		*bytes;
	size_t			 len;
	enum proxy_status	 status;
};

#define BAD(name, text, status)	{ name, text, sizeof(text) - 1, status }
#define BAD2(name, bytes, status) \
	{ name, SIG bytes, sizeof(SIG bytes) - 1, status }

static const struct bad bads[] = {
	BAD("no header", "GET / HTTP/1.1\r\n", PROXY_MALFORMED),
	BAD("lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("no space after PROXY", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("two spaces", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
	    PROXY_MALFORMED),
	BAD("a field missing", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
	    PROXY_MALFORMED),
	BAD("a field more", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
	    PROXY_MALFORMED),
	BAD("TCP5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_MALFORMED),
	BAD("nothing after PROXY", "PROXY \r\n", PROXY_MALFORMED),
	BAD("UNKNOWNX", "PROXY UNKNOWNX\r\n", PROXY_MALFORMED),
	BAD("IPv6 under TCP4", "PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("IPv4 under TCP6", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("a name, not an address", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("port 65536", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
	    PROXY_MALFORMED),
	BAD("port with a sign", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
	    PROXY_MALFORMED),
	BAD("port with a leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
	    PROXY_MALFORMED),
	BAD("port of 6 digits", "PROXY TCP4 1.2.3.4 5.6.7.8 000001 2\r\n",
	    PROXY_MALFORMED),
	BAD("port in hex", "PROXY TCP4 1.2.3.4 5.6.7.8 0x10 2\r\n",
	    PROXY_MALFORMED),
	BAD("bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", PROXY_MALFORMED),
	BAD("CR inside", "PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n",
	    PROXY_MALFORMED),
	BAD("108 bytes", "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", PROXY_OVERSIZED),
	BAD("107 bytes without CRLF", "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxx", PROXY_OVERSIZED),
	BAD("v2 signature's 5th byte", "\r\n\r\n\x01", PROXY_MALFORMED),
	BAD("v2 signature's last byte", "\r\n\r\n\0\r\nQUIT\r", PROXY_MALFORMED),
	BAD2("v2 version 1", "\x11\x11\x00\x0c", PROXY_MALFORMED),
	BAD2("v2 command 2", "\x22\x11\x00\x0c", PROXY_MALFORMED),
	BAD2("v2 family 4", "\x21\x41\x00\x00", PROXY_MALFORMED),
	BAD2("v2 protocol 3", "\x21\x13\x00\x00", PROXY_MALFORMED),
	BAD2("v2 TCP4 too short", "\x21\x11\x00\x08" "\x0a\0\0\x01\x0a\0\0\x02",
	    PROXY_MALFORMED),
	BAD2("v2 TCP6 too short", "\x21\x21\x00\x0c"
	    "\x0a\0\0\x01\x0a\0\0\x02\0\x50\0\x51", PROXY_MALFORMED),
	/* Refused from the length alone, before the body comes. */
	BAD2("v2 217 bytes", "\x21\x11\x00\xd9", PROXY_OVERSIZED),
	BAD2("v2 65535 bytes", "\x21\x11\xff\xff", PROXY_OVERSIZED),
};

Test(proxy, bad_headers)
{
	struct proxy_header	h;
	size_t			i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];

		cr_assert_eq(proxy_parse((const unsigned char *)b->bytes,
		    b->len, &h), b->status, "%s", b->name);
		cr_assert_not_null(h.why, "%s", b->name);
	}
}

/* A v2 header of 16 + 216 bytes is the longest taken. */
Test(proxy, v2_longest)
{
	unsigned char		buf[PROXY_MAX];
	struct proxy_header	h;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, SIG "\x21\x11\x00\xd8" "\x0a\0\0\x01\x0a\0\0\x02\0\x50\0\x51",
	    28);
	cr_assert_eq(proxy_parse(buf, sizeof(buf) - 1, &h), PROXY_NEED_MORE);
	cr_assert_eq(h.len, PROXY_MAX);
	cr_assert_eq(proxy_parse(buf, sizeof(buf), &h), PROXY_COMPLETE);
	cr_assert_eq(h.len, PROXY_MAX);
	expect_addr(&h.src, "10.0.0.1", 80);
}

/* A verdict once given stays as bytes come: no error becomes a header. */
Test(proxy, verdicts_are_final)
{
	struct proxy_header	h;

	cr_assert_eq(proxy_parse((const unsigned char *)"PROXY X", 7, &h),
	    PROXY_NEED_MORE);
	cr_assert_eq(proxy_parse((const unsigned char *)"Q", 1, &h),
	    PROXY_MALFORMED);
	cr_assert_eq(proxy_parse((const unsigned char *)"PRA", 3, &h),
	    PROXY_MALFORMED);
	cr_assert_eq(proxy_parse((const unsigned char *)SIG "\x21\x11\x00\xd9",
	    15, &h), PROXY_NEED_MORE);
	cr_assert_eq(proxy_parse((const unsigned char *)SIG "\x31", 13, &h),
	    PROXY_MALFORMED);
}

/* Unit tests for rules/addr.c: host:port parsing, printing, unmapping. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "peer.h"

static const char *
test_addr_ntop(const char *host, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;

	test_peer(host, 1, &ss);
	return addr_ntop((struct sockaddr *)&ss, buf, len);
}

/* Parses text and compares the result with host and port made directly. */
static void
test_addr_parse_ok(const char *text, const char *host, unsigned int port)
{
	struct sockaddr_storage	 ss, want;
	socklen_t		 len = 0, wantlen;
	char			 err[256] = "";

	test_peer(host, port, &want);
	wantlen = want.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	memset(&ss, 0xa5, sizeof(ss));
	cr_assert_eq(addr_parse_hostport(text, &ss, &len, err, sizeof(err)), 0,
	    "%s: %s", text, err);
	cr_assert_eq(len, wantlen, "%s: length %u", text, (unsigned int)len);
	cr_assert_eq(memcmp(&ss, &want, wantlen), 0, "%s: wrong address", text);
}

/* Each text must fail with the message pre, the text, post. */
static void
test_addr_parse_bad(const char **bad, size_t n, const char *pre,
    const char *post)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256], want[256];
	size_t			 i;

	for (i = 0; i < n; i++) {
		cr_assert_eq(addr_parse_hostport(bad[i], &ss, &len, err,
		    sizeof(err)), -1, "\"%s\" accepted", bad[i]);
		snprintf(want, sizeof(want), "%s%s%s", pre, bad[i], post);
		cr_assert_str_eq(err, want);
	}
}

Test(addr_parse_hostport, ipv4)
{
	test_addr_parse_ok("127.0.0.1:8080", "127.0.0.1", 8080);
	test_addr_parse_ok("192.0.2.250:443", "192.0.2.250", 443);
}

Test(addr_parse_hostport, ipv6)
{
	test_addr_parse_ok("[2001:db8::1]:443", "2001:db8::1", 443);
	test_addr_parse_ok("[2001:DB8:0:0:0:0:0:1]:443", "2001:db8::1", 443);
	test_addr_parse_ok("[::1]:8080", "::1", 8080);
}

Test(addr_parse_hostport, wildcards_and_port_limits)
{
	test_addr_parse_ok("0.0.0.0:1", "0.0.0.0", 1);
	test_addr_parse_ok("[::]:65535", "::", 65535);
}

Test(addr_parse_hostport, mapped_address_stays_ipv6)
{
	test_addr_parse_ok("[::ffff:10.0.0.1]:80", "::ffff:10.0.0.1", 80);
}

Test(addr_parse_hostport, rejects_bad_addresses)
{
	static const char	*bad[] = {
		"", ":80", "localhost:80", "1.2.3.4", "300.1.2.3:80", "10.1:80",
		"::1:80", "[::1]", "[::1]80", "[::1:80", "[1.2.3.4]:80",
		"[]:80", "[::1]x:80", " 1.2.3.4:80", "1.2.3.4 :80",
		"[fe80::1%lo]:80",
		"[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:80",
	};

	test_addr_parse_bad(bad, sizeof(bad) / sizeof(bad[0]),
	    "bad listen address \"", "\": expected A.B.C.D:PORT or [V6]:PORT");
}

Test(addr_parse_hostport, rejects_bad_ports)
{
	static const char	*bad[] = {
		"1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:+80",
		"1.2.3.4:-1", "1.2.3.4: 80", "1.2.3.4:80 ", "1.2.3.4:80x",
		"1.2.3.4:0x50", "1.2.3.4:99999999999999999999999", "[::1]:",
		"[::1]:0", "[::1]:70000", "[::1]:http",
	};

	test_addr_parse_bad(bad, sizeof(bad) / sizeof(bad[0]),
	    "bad port in \"", "\"");
}

Test(addr_format, ipv4_and_ipv6)
{
	struct sockaddr_storage	 ss;
	char			 buf[ADDR_PORTSTRLEN];

	test_peer("192.0.2.7", 8080, &ss);
	cr_assert_str_eq(addr_format((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "192.0.2.7:8080");
	test_peer("2001:DB8::0001", 443, &ss);
	cr_assert_str_eq(addr_format((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "[2001:db8::1]:443");
}

Test(addr_format, longest_address_fits)
{
	struct sockaddr_storage	 ss;
	char			 buf[ADDR_PORTSTRLEN];

	test_peer("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535,
	    &ss);
	cr_assert_str_eq(addr_format((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

Test(addr_format, parse_and_format_round_trip)
{
	static const char	*text[] = {
		"127.0.0.1:1", "0.0.0.0:65535", "[::]:80", "[::1]:8080",
		"[2001:db8::1:0:0:1]:443", "[::ffff:10.1.2.3]:22",
	};
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256], buf[ADDR_PORTSTRLEN];
	size_t			 i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		cr_assert_eq(addr_parse_hostport(text[i], &ss, &len, err,
		    sizeof(err)), 0, "%s: %s", text[i], err);
		cr_assert_str_eq(addr_format((struct sockaddr *)&ss, buf,
		    sizeof(buf)), text[i]);
	}
}

Test(addr_format, short_buffer_fails)
{
	struct sockaddr_storage	 ss;
	char			 buf[8];

	test_peer("192.0.2.7", 8080, &ss);
	cr_assert_null(addr_format((struct sockaddr *)&ss, buf, sizeof(buf)));
}

Test(addr_ntop, rfc5952_form)
{
	static const char	*cases[][2] = {
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:DB8::0001", "2001:db8::1" },
		{ "2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::" },
		{ "0:0:0:0:0:0:0:0", "::" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "::ffff:0a01:0203", "::ffff:10.1.2.3" },
		{ "10.1.2.3", "10.1.2.3" },
	};
	char	 buf[ADDR_STRLEN];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_str_eq(test_addr_ntop(cases[i][0], buf, sizeof(buf)),
		    cases[i][1]);
}

Test(addr_ntop, unknown_family_fails)
{
	struct sockaddr_storage	 ss;
	char			 buf[ADDR_STRLEN];

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	cr_assert_null(addr_ntop((struct sockaddr *)&ss, buf, sizeof(buf)));
	cr_assert_null(addr_format((struct sockaddr *)&ss, buf, sizeof(buf)));
}

Test(addr_unmap, mapped_becomes_ipv4_with_port)
{
	struct sockaddr_storage	 ss, want;

	test_peer("::ffff:10.1.2.3", 4242, &ss);
	addr_unmap(&ss);
	test_peer("10.1.2.3", 4242, &want);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(memcmp(&ss, &want, sizeof(struct sockaddr_in)), 0);
}

Test(addr_unmap, others_untouched)
{
	static const char	*hosts[] = {
		"10.1.2.3", "::1", "2001:db8::ffff:10.1.2.3", "::10.1.2.3",
		"::fffe:10.1.2.3",
	};
	struct sockaddr_storage	 ss, orig;
	size_t			 i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		test_peer(hosts[i], 80, &orig);
		ss = orig;
		addr_unmap(&ss);
		cr_assert_eq(memcmp(&ss, &orig, sizeof(ss)), 0, "%s changed",
		    hosts[i]);
	}
}

Test(addr_is_any, wildcards_only)
{
	static const char	*any[] = { "0.0.0.0", "::" };
	static const char	*not[] = { "127.0.0.1", "::1", "::ffff:0.0.0.0",
	    "0.0.0.1" };
	struct sockaddr_storage	 ss;
	size_t			 i;

	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		test_peer(any[i], 80, &ss);
		cr_expect(addr_is_any(&ss), "%s", any[i]);
	}
	for (i = 0; i < sizeof(not) / sizeof(not[0]); i++) {
		test_peer(not[i], 80, &ss);
		cr_expect(!addr_is_any(&ss), "%s", not[i]);
	}
}

Test(addr_same, address_port_and_family)
{
	struct sockaddr_storage	 a, b;
	socklen_t		 v4 = sizeof(struct sockaddr_in);
	socklen_t		 v6 = sizeof(struct sockaddr_in6);

	test_peer("127.0.0.1", 80, &a);
	test_peer("127.0.0.1", 80, &b);
	cr_expect(addr_same(&a, v4, &b, v4));
	test_peer("127.0.0.1", 81, &b);
	cr_expect(!addr_same(&a, v4, &b, v4));
	test_peer("127.0.0.2", 80, &b);
	cr_expect(!addr_same(&a, v4, &b, v4));
	test_peer("::ffff:127.0.0.1", 80, &b);
	cr_expect(!addr_same(&a, v4, &b, v6));
}

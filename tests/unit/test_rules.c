/* Unit tests for rules/: one behaviour a test, then a random check. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "peer.h"
#include "refmatch.h"
#include "rules.h"

#define TEST_DEFAULT	7	/* default class of every ruleset here */

static struct rules *
test_rules_new(void)
{
	struct rules	*rs;

	cr_assert_not_null(rs = rules_new(TEST_DEFAULT));
	return rs;
}

static void
test_rules_address(struct rules *rs, const char *text, int class_idx,
    enum rules_action action)
{
	char	 err[256] = "";

	cr_assert_eq(rules_add_address(rs, text, class_idx, action, NULL, err,
	    sizeof(err)), 0, "%s: %s", text, err);
}

static void
test_rules_regex(struct rules *rs, const char *pattern, int class_idx,
    enum rules_action action)
{
	char	 err[256] = "";

	cr_assert_eq(rules_add_regex(rs, pattern, class_idx, action, NULL, err,
	    sizeof(err)), 0, "%s: %s", pattern, err);
}

static void
test_rules_compile(struct rules *rs)
{
	char	 err[256] = "";

	cr_assert_eq(rules_compile(rs, err, sizeof(err)), 0, "%s", err);
}

static struct rules_verdict
test_rules_match(struct rules *rs, const char *host)
{
	struct sockaddr_storage	 ss;
	struct rules_verdict	 v;

	test_peer(host, 40000, &ss);
	memset(&v, 0xa5, sizeof(v));
	rules_match(rs, (struct sockaddr *)&ss, -1, &v);
	return v;
}

/* Asserts the index of the entry that host matches, -1 for none. */
static void
test_rules_expect(struct rules *rs, const char *host, int entry)
{
	struct rules_verdict	 v = test_rules_match(rs, host);

	cr_assert_eq(v.entry, entry, "%s matched entry %d, want %d", host,
	    v.entry, entry);
}

/* Asserts host's whole verdict. */
static void
test_rules_verdict(struct rules *rs, const char *host, int entry,
    int class_idx, enum rules_action action)
{
	struct rules_verdict	 v = test_rules_match(rs, host);

	cr_assert_eq(v.entry, entry, "%s matched entry %d, want %d", host,
	    v.entry, entry);
	cr_assert_eq(v.class_idx, class_idx, "%s: class %d, want %d", host,
	    v.class_idx, class_idx);
	cr_assert_eq(v.action, action, "%s: action %d, want %d", host,
	    (int)v.action, (int)action);
	cr_assert_eq(v.error, 0, "%s: error %d", host, v.error);
}

/* Asserts that adding text fails with exactly the message want. */
static void
test_rules_bad_address(const char *text, const char *want)
{
	struct rules	*rs = test_rules_new();
	char		 err[256] = "";

	cr_assert_eq(rules_add_address(rs, text, 1, RULES_ROUTE, NULL, err,
	    sizeof(err)), -1, "\"%s\" accepted", text);
	cr_assert_str_eq(err, want);
	cr_assert_eq(rules_count(rs), 0);
	rules_free(rs);
}

Test(rules, exact_ipv4)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "192.0.2.7", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_verdict(rs, "192.0.2.7", 0, 3, RULES_ROUTE);
	test_rules_expect(rs, "192.0.2.6", -1);
	test_rules_expect(rs, "192.0.2.8", -1);
	test_rules_expect(rs, "::ffff:192.0.2.6", -1);
	rules_free(rs);
}

Test(rules, exact_ipv6)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "2001:db8::7", 4, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_verdict(rs, "2001:DB8:0:0:0:0:0:0007", 0, 4, RULES_ROUTE);
	test_rules_expect(rs, "2001:db8::6", -1);
	test_rules_expect(rs, "2001:db8::7:0", -1);
	test_rules_expect(rs, "0.0.0.7", -1);
	rules_free(rs);
}

Test(rules, ipv4_cidr)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "192.168.1.2/31", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.0.0.0", 0);
	test_rules_expect(rs, "10.255.255.255", 0);
	test_rules_expect(rs, "9.255.255.255", -1);
	test_rules_expect(rs, "11.0.0.0", -1);
	test_rules_expect(rs, "192.168.1.2", 1);
	test_rules_expect(rs, "192.168.1.3", 1);
	test_rules_expect(rs, "192.168.1.1", -1);
	test_rules_expect(rs, "192.168.1.4", -1);
	rules_free(rs);
}

Test(rules, ipv6_cidr)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "2001:db8::/32", 1, RULES_ROUTE);
	test_rules_address(rs, "fe80::/10", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "2001:db8::", 0);
	test_rules_expect(rs, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0);
	test_rules_expect(rs, "2001:db9::", -1);
	test_rules_expect(rs, "2001:db7:ffff::1", -1);
	test_rules_expect(rs, "febf::1", 1);
	test_rules_expect(rs, "fec0::1", -1);
	rules_free(rs);
}

Test(rules, zero_prefix_matches_every_address_of_its_family)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "0.0.0.0/0", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "0.0.0.0", 0);
	test_rules_expect(rs, "127.0.0.1", 0);
	test_rules_expect(rs, "255.255.255.255", 0);
	test_rules_expect(rs, "::1", -1);
	test_rules_address(rs, "::/0", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "::", 1);
	test_rules_expect(rs, "::1", 1);
	test_rules_expect(rs, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1);
	test_rules_expect(rs, "10.1.2.3", 0);
	rules_free(rs);
}

Test(rules, ipv6_zero_prefix_does_not_match_ipv4_peers)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "::/0", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", -1);
	test_rules_expect(rs, "::ffff:10.1.2.3", -1);
	rules_free(rs);
}

Test(rules, regex_on_ipv4_text)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "^192\\.0\\.2\\.[0-9]$", 5, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_verdict(rs, "192.0.2.9", 0, 5, RULES_ROUTE);
	test_rules_expect(rs, "192.0.2.10", -1);
	test_rules_expect(rs, "192.0.20.1", -1);
	rules_free(rs);
}

Test(rules, regex_on_ipv6_text_in_rfc5952_form)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "^2001:db8::1:0:0:1$", 1, RULES_ROUTE);
	test_rules_regex(rs, "^2001:db8::[0-9a-f]+$", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "2001:DB8:0:0:1:0:0:1", 0);
	test_rules_expect(rs, "2001:0db8:0000:0000:0000:0000:0000:00ff", 1);
	test_rules_expect(rs, "2001:db8:1::ff", -1);
	rules_free(rs);
}

Test(rules, deny)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "203.0.113.0/24", 2, RULES_DENY);
	test_rules_regex(rs, "^2001:db8:", 2, RULES_DENY);
	test_rules_compile(rs);
	test_rules_verdict(rs, "203.0.113.9", 0, 2, RULES_DENY);
	test_rules_verdict(rs, "2001:db8::9", 1, 2, RULES_DENY);
	rules_free(rs);
}

Test(rules, default_class_when_nothing_matches)
{
	struct rules	*rs = test_rules_new();

	test_rules_compile(rs);
	test_rules_verdict(rs, "10.1.2.3", -1, TEST_DEFAULT, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_DENY);
	test_rules_regex(rs, "^192\\.", 2, RULES_DENY);
	test_rules_compile(rs);
	test_rules_verdict(rs, "11.1.2.3", -1, TEST_DEFAULT, RULES_ROUTE);
	rules_free(rs);
}

/*
 * Nested quantifiers on a subject they cannot match take more than
 * RULES_MATCH_LIMIT steps (about 10^7 without the limit): the entry
 * refuses the peer, whatever its action, rather than letting it through
 * to the entries after it.
 */
Test(rules, regex_match_error_refuses)
{
	struct rules		*rs = test_rules_new();
	struct rules_verdict	 v;
	char			 text[128];

	test_rules_address(rs, "127.0.0.1", 3, RULES_ROUTE);
	test_rules_regex(rs, "^(([\\d.]+)+)+[^\\d.]", 1, RULES_ROUTE);
	test_rules_address(rs, "127.0.0.0/8", 2, RULES_ROUTE);
	test_rules_compile(rs);
	v = test_rules_match(rs, "127.0.0.100");
	cr_assert_eq(v.entry, 1);
	cr_assert_eq(v.action, RULES_DENY);
	cr_assert_lt(v.error, 0);
	cr_assert_str_eq(rules_error_text(v.error, text, sizeof(text)),
	    "match limit exceeded");
	/* An earlier entry is answered before the regex is tried. */
	test_rules_verdict(rs, "127.0.0.1", 0, 3, RULES_ROUTE);
	/* Too short a subject to reach the limit: an ordinary miss. */
	test_rules_verdict(rs, "1.2.3.4", -1, TEST_DEFAULT, RULES_ROUTE);
	rules_free(rs);
}

Test(rules, rules_error_text_of_an_unknown_code)
{
	char	text[64];

	cr_assert_str_eq(rules_error_text(-100000, text, sizeof(text)),
	    "PCRE2 error -100000");
}

Test(rules, unknown_family_gets_default)
{
	struct rules		*rs = test_rules_new();
	struct rules_verdict	 v;
	struct sockaddr_un	 sun;

	test_rules_address(rs, "0.0.0.0/0", 1, RULES_DENY);
	test_rules_address(rs, "::/0", 1, RULES_DENY);
	test_rules_regex(rs, "", 1, RULES_DENY);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	test_rules_compile(rs);
	rules_match(rs, (struct sockaddr *)&sun, -1, &v);
	cr_assert_eq(v.entry, -1);
	cr_assert_eq(v.class_idx, TEST_DEFAULT);
	cr_assert_eq(v.action, RULES_ROUTE);
	rules_free(rs);
}

Test(rules, earlier_broader_cidr_beats_later_exact)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.3", 2, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::/32", 1, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::1", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "2001:db8::1", 2);
	rules_free(rs);
}

Test(rules, earlier_exact_beats_later_broader_cidr)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.2.3", 2, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "10.1.2.4", 1);
	rules_free(rs);
}

Test(rules, earlier_regex_beats_later_exact)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "^10\\.", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.3", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	rules_free(rs);
}

Test(rules, earlier_exact_beats_later_regex)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.2.3", 2, RULES_ROUTE);
	test_rules_regex(rs, "^10\\.", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "10.1.2.4", 1);
	rules_free(rs);
}

Test(rules, earlier_regex_beats_later_regex)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "3$", 1, RULES_ROUTE);
	test_rules_regex(rs, "^10\\.", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "10.1.2.4", 1);
	test_rules_expect(rs, "11.1.2.3", 0);
	rules_free(rs);
}

Test(rules, regex_between_prefixes_wins_only_where_earlier)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.0.0/16", 1, RULES_ROUTE);
	test_rules_regex(rs, "^10\\.", 2, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.9.9", 0);
	test_rules_expect(rs, "10.2.9.9", 1);
	rules_free(rs);
}

Test(rules, later_overlapping_prefix_never_wins)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.0.0/16", 2, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.0/24", 3, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.3", 4, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::/32", 1, RULES_ROUTE);
	test_rules_address(rs, "2001:db8:1::/48", 2, RULES_ROUTE);
	test_rules_address(rs, "2001:db8:1::1", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "10.1.2.4", 0);
	test_rules_expect(rs, "10.1.3.4", 0);
	test_rules_expect(rs, "2001:db8:1::1", 4);
	test_rules_expect(rs, "2001:db8:2::1", 4);
	rules_free(rs);
}

Test(rules, narrower_prefix_first_keeps_its_addresses)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.2.0/24", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.0.0/16", 2, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.200", 0);
	test_rules_expect(rs, "10.1.3.1", 1);
	test_rules_expect(rs, "10.200.0.1", 2);
	rules_free(rs);
}

Test(rules, same_prefix_twice_first_wins)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 2, RULES_DENY);
	test_rules_compile(rs);
	test_rules_verdict(rs, "10.9.9.9", 0, 1, RULES_ROUTE);
	rules_free(rs);
}

Test(rules, mapped_peer_matches_ipv4_cidr)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "::ffff:10.1.2.3", 0);
	test_rules_expect(rs, "::ffff:11.1.2.3", -1);
	rules_free(rs);
}

Test(rules, mapped_peer_matches_ipv4_regex)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "^10\\.", 1, RULES_ROUTE);
	test_rules_regex(rs, "ffff", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "::ffff:10.1.2.3", 0);
	test_rules_expect(rs, "::ffff:11.1.2.3", -1);
	rules_free(rs);
}

Test(rules, mapped_rule_matches_ipv4_peer)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "::ffff:10.0.0.0/104", 1, RULES_ROUTE);
	test_rules_address(rs, "::ffff:192.0.2.7", 2, RULES_ROUTE);
	test_rules_address(rs, "::ffff:0:0/96", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", 0);
	test_rules_expect(rs, "::ffff:10.1.2.3", 0);
	test_rules_expect(rs, "192.0.2.7", 1);
	test_rules_expect(rs, "11.0.0.1", 2);
	test_rules_expect(rs, "::1", -1);
	rules_free(rs);
}

Test(rules, mapped_rule_shorter_than_96_stays_ipv6)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "::/64", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", -1);
	test_rules_expect(rs, "::ffff:10.1.2.3", -1);
	test_rules_expect(rs, "::fffe:10.1.2.3", 0);
	test_rules_expect(rs, "::1", 0);
	rules_free(rs);
}

Test(rules, host_bits_warn_and_are_masked)
{
	struct rules	*rs = test_rules_new();
	char		 err[256];

	cr_assert_eq(rules_add_address(rs, "10.0.0.1/8", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), 1);
	cr_assert_str_eq(err,
	    "host bits set in \"10.0.0.1/8\": using 10.0.0.0/8");
	cr_assert_eq(rules_add_address(rs, "2001:db8::1/32", 2, RULES_ROUTE,
	    NULL, err, sizeof(err)), 1);
	cr_assert_str_eq(err,
	    "host bits set in \"2001:db8::1/32\": using 2001:db8::/32");
	cr_assert_eq(rules_add_address(rs, "192.168.1.255/25", 3, RULES_ROUTE,
	    NULL, err, sizeof(err)), 1);
	cr_assert_str_eq(err,
	    "host bits set in \"192.168.1.255/25\": using 192.168.1.128/25");
	cr_assert_eq(rules_count(rs), 3);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.200.3.4", 0);
	test_rules_expect(rs, "10.0.0.1", 0);
	test_rules_expect(rs, "2001:db8:ffff::", 1);
	test_rules_expect(rs, "192.168.1.128", 2);
	test_rules_expect(rs, "192.168.1.127", -1);
	rules_free(rs);
}

Test(rules, no_warning_without_host_bits)
{
	struct rules	*rs = test_rules_new();
	char		 err[256];

	cr_assert_eq(rules_add_address(rs, "10.0.0.0/8", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), 0);
	cr_assert_eq(rules_add_address(rs, "10.1.2.3/32", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), 0);
	cr_assert_eq(rules_add_address(rs, "2001:db8::/32", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), 0);
	rules_free(rs);
}

Test(rules, error_bad_address)
{
	test_rules_bad_address("example.com", "bad address \"example.com\"");
	test_rules_bad_address("10.1", "bad address \"10.1\"");
	test_rules_bad_address("1.2.3.4.5", "bad address \"1.2.3.4.5\"");
	test_rules_bad_address("2001:db8:::1", "bad address \"2001:db8:::1\"");
	test_rules_bad_address("fe80::1%lo", "bad address \"fe80::1%lo\"");
	test_rules_bad_address("/8", "bad address \"/8\"");
}

Test(rules, error_octet_out_of_range)
{
	test_rules_bad_address("300.1.2.3", "bad address \"300.1.2.3\"");
}

Test(rules, error_ipv4_prefix_too_long)
{
	test_rules_bad_address("10.0.0.0/33",
	    "bad prefix length in \"10.0.0.0/33\": must be 0 to 32");
}

Test(rules, error_ipv6_prefix_too_long)
{
	test_rules_bad_address("::/129",
	    "bad prefix length in \"::/129\": must be 0 to 128");
}

Test(rules, error_empty)
{
	test_rules_bad_address("", "bad address \"\"");
}

Test(rules, error_leading_plus_or_space)
{
	test_rules_bad_address("+10.0.0.0/8", "bad address \"+10.0.0.0/8\"");
	test_rules_bad_address(" 10.0.0.0/8", "bad address \" 10.0.0.0/8\"");
	test_rules_bad_address("10.0.0.0/+8",
	    "bad prefix length in \"10.0.0.0/+8\": must be 0 to 32");
}

Test(rules, error_junk_after_address_or_prefix)
{
	test_rules_bad_address("10.0.0.0 ", "bad address \"10.0.0.0 \"");
	test_rules_bad_address("10.0.0.0/8x",
	    "bad prefix length in \"10.0.0.0/8x\": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/8 ",
	    "bad prefix length in \"10.0.0.0/8 \": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/8/8",
	    "bad prefix length in \"10.0.0.0/8/8\": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/",
	    "bad prefix length in \"10.0.0.0/\": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/-1",
	    "bad prefix length in \"10.0.0.0/-1\": must be 0 to 32");
	test_rules_bad_address("::/64x",
	    "bad prefix length in \"::/64x\": must be 0 to 128");
	test_rules_bad_address("10.0.0.0/0x8",
	    "bad prefix length in \"10.0.0.0/0x8\": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/08",
	    "bad prefix length in \"10.0.0.0/08\": must be 0 to 32");
}

Test(rules, error_overlong_text)
{
	char	 text[4096], want[256];
	size_t	 n;

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	test_rules_bad_address("0000:0000:0000:0000:0000:0000:0000:0000:0",
	    "bad address \"0000:0000:0000:0000:0000:0000:0000:0000:0\"");
	test_rules_bad_address("10.0.0.0/00000000000000000000000000000008",
	    "bad prefix length in "
	    "\"10.0.0.0/00000000000000000000000000000008\": must be 0 to 32");
	test_rules_bad_address("10.0.0.0/99999999999999999999999999",
	    "bad prefix length in \"10.0.0.0/99999999999999999999999999\": "
	    "must be 0 to 32");
	/* The message is cut to the buffer, still terminated. */
	n = strlen("bad address \"");
	memcpy(want, "bad address \"", n);
	memset(want + n, '1', sizeof(want) - 1 - n);
	want[sizeof(want) - 1] = '\0';
	test_rules_bad_address(text, want);
}

Test(rules, error_regex_does_not_compile)
{
	struct rules	*rs = test_rules_new();
	char		 err[256] = "";

	cr_assert_eq(rules_add_regex(rs, "^10\\.(", 1, RULES_ROUTE, NULL, err,
	    sizeof(err)), -1);
	cr_assert_str_eq(err,
	    "regex does not compile at offset 6: missing closing parenthesis");
	cr_assert_eq(rules_add_regex(rs, "*x", 1, RULES_ROUTE, NULL, err,
	    sizeof(err)), -1);
	cr_assert_str_eq(err, "regex does not compile at offset 0: "
	    "quantifier does not follow a repeatable item");
	cr_assert_eq(rules_count(rs), 0);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.3", -1);
	rules_free(rs);
}

Test(rules, error_adds_nothing_and_keeps_indices)
{
	struct rules	*rs = test_rules_new();
	char		 err[256];

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	cr_assert_eq(rules_add_address(rs, "10.1.0.0/33", 2, RULES_ROUTE,
	    NULL, err, sizeof(err)), -1);
	cr_assert_eq(rules_add_regex(rs, "(", 2, RULES_ROUTE, NULL, err,
	    sizeof(err)), -1);
	test_rules_address(rs, "11.0.0.0/8", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "11.1.1.1", 1);
	rules_free(rs);
}

Test(rules, rules_count)
{
	struct rules	*rs = test_rules_new();
	char		 err[256];

	cr_assert_eq(rules_count(rs), 0);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_regex(rs, "^192\\.", 1, RULES_ROUTE);
	test_rules_address(rs, "::1", 1, RULES_DENY);
	cr_assert_eq(rules_add_address(rs, "10.0.0.1/8", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), 1);
	cr_assert_eq(rules_add_address(rs, "bogus", 1, RULES_ROUTE,
	    NULL, err, sizeof(err)), -1);
	cr_assert_eq(rules_count(rs), 4);
	rules_free(rs);
}

Test(rules, free_null_is_harmless)
{
	rules_free(NULL);
}

/*
 * Conditions, rules_add_any, rules_compile and rules_shadowed.
 */

static struct rules_cond
test_rules_cond(int listener, unsigned int port_min, unsigned int port_max)
{
	struct rules_cond	 c = { listener, port_min, port_max };

	return c;
}

static void
test_rules_address_if(struct rules *rs, const char *text, int class_idx,
    struct rules_cond c)
{
	char	 err[256] = "";

	cr_assert_eq(rules_add_address(rs, text, class_idx, RULES_ROUTE, &c,
	    err, sizeof(err)), 0, "%s: %s", text, err);
}

static void
test_rules_regex_if(struct rules *rs, const char *pattern, int class_idx,
    struct rules_cond c)
{
	char	 err[256] = "";

	cr_assert_eq(rules_add_regex(rs, pattern, class_idx, RULES_ROUTE, &c,
	    err, sizeof(err)), 0, "%s: %s", pattern, err);
}

/* c NULL: unconditional. */
static void
test_rules_any(struct rules *rs, int class_idx, enum rules_action action,
    const struct rules_cond *c)
{
	char	 err[256] = "";

	cr_assert_eq(rules_add_any(rs, class_idx, action, c, err,
	    sizeof(err)), 0, "%s", err);
}

/* Asserts the entry that host:port, arriving on listener, matches. */
static void
test_rules_expect_at(struct rules *rs, const char *host, unsigned int port,
    int listener, int entry)
{
	struct sockaddr_storage	 ss;
	struct rules_verdict	 v;

	test_peer(host, port, &ss);
	rules_match(rs, (struct sockaddr *)&ss, listener, &v);
	cr_assert_eq(v.entry, entry, "%s port %u listener %d: entry %d, "
	    "want %d", host, port, listener, v.entry, entry);
}

static void
test_rules_shadow(const struct rules *rs, size_t entry, int by)
{
	int	 got = rules_shadowed(rs, entry);

	cr_assert_eq(got, by, "entry %zu shadowed by %d, want %d", entry, got,
	    by);
}

Test(rules, cond_listener)
{
	struct rules	*rs = test_rules_new();

	test_rules_address_if(rs, "10.0.0.0/8", 1, test_rules_cond(1, 0,
	    65535));
	test_rules_address(rs, "10.0.0.0/8", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.1.2.3", 80, 1, 0);
	test_rules_expect_at(rs, "::ffff:10.1.2.3", 80, 1, 0);
	test_rules_expect_at(rs, "10.1.2.3", 80, 0, 1);
	test_rules_expect_at(rs, "10.1.2.3", 80, -1, 1);
	test_rules_expect_at(rs, "11.1.2.3", 80, 1, -1);
	rules_free(rs);
}

Test(rules, cond_port_range_is_inclusive)
{
	struct rules	*rs = test_rules_new();

	test_rules_address_if(rs, "10.0.0.0/8", 1, test_rules_cond(-1, 1000,
	    1999));
	test_rules_address_if(rs, "2001:db8::/32", 1, test_rules_cond(-1, 0,
	    0));
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.1.2.3", 1000, 0, 0);
	test_rules_expect_at(rs, "10.1.2.3", 1999, 0, 0);
	test_rules_expect_at(rs, "10.1.2.3", 999, 0, -1);
	test_rules_expect_at(rs, "10.1.2.3", 2000, 0, -1);
	test_rules_expect_at(rs, "2001:db8::1", 0, 0, 1);
	test_rules_expect_at(rs, "2001:db8::1", 1, 0, -1);
	rules_free(rs);
}

Test(rules, cond_listener_and_port_must_both_hold)
{
	struct rules	*rs = test_rules_new();

	test_rules_address_if(rs, "10.0.0.0/8", 1, test_rules_cond(2, 5000,
	    5010));
	test_rules_any(rs, 3, RULES_DENY, NULL);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.0.0.1", 5005, 2, 0);
	test_rules_expect_at(rs, "10.0.0.1", 5005, 1, 1);
	test_rules_expect_at(rs, "10.0.0.1", 6000, 2, 1);
	test_rules_expect_at(rs, "12.0.0.1", 5005, 2, 1);
	rules_free(rs);
}

Test(rules, cond_failing_lets_a_later_rule_win)
{
	struct rules	*rs = test_rules_new();

	test_rules_address_if(rs, "10.1.2.3", 1, test_rules_cond(2, 0,
	    65535));
	test_rules_regex_if(rs, "^10\\.1\\.", 2, test_rules_cond(-1, 0,
	    1023));
	test_rules_address(rs, "10.1.0.0/16", 3, RULES_ROUTE);
	test_rules_any(rs, 4, RULES_ROUTE, NULL);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.1.2.3", 80, 2, 0);
	test_rules_expect_at(rs, "10.1.2.3", 80, 1, 1);
	test_rules_expect_at(rs, "10.1.2.3", 8080, 1, 2);
	test_rules_expect_at(rs, "10.2.0.1", 80, 2, 3);
	test_rules_expect_at(rs, "2001:db8::1", 80, 2, 3);
	rules_free(rs);
}

Test(rules, cond_on_regex_is_checked_before_the_regex)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex_if(rs, "^192\\.0\\.2\\.", 1, test_rules_cond(0, 0,
	    65535));
	test_rules_address(rs, "192.0.2.0/24", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "192.0.2.1", 1, 0, 0);
	test_rules_expect_at(rs, "192.0.2.1", 1, 1, 1);
	rules_free(rs);
}

Test(rules, cond_none_is_unconditional)
{
	struct rules		*rs = test_rules_new();
	struct rules_cond	 none = RULES_COND_NONE;

	test_rules_address_if(rs, "10.0.0.0/8", 1, none);
	test_rules_address(rs, "10.1.0.0/16", 2, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.1.0.1", 9, 3, 0);
	test_rules_shadow(rs, 1, 0);
	rules_free(rs);
}

Test(rules, any_matches_every_peer_of_both_families)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_any(rs, 2, RULES_DENY, NULL);
	test_rules_address(rs, "11.0.0.0/8", 3, RULES_ROUTE);
	test_rules_regex(rs, "", 4, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_verdict(rs, "10.0.0.1", 0, 1, RULES_ROUTE);
	test_rules_verdict(rs, "11.0.0.1", 1, 2, RULES_DENY);
	test_rules_verdict(rs, "::ffff:11.0.0.1", 1, 2, RULES_DENY);
	test_rules_verdict(rs, "::", 1, 2, RULES_DENY);
	test_rules_verdict(rs, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	    2, RULES_DENY);
	rules_free(rs);
}

Test(rules, any_after_regex_leaves_it_its_peers)
{
	struct rules	*rs = test_rules_new();

	test_rules_regex(rs, "^2001:db8::", 1, RULES_ROUTE);
	test_rules_any(rs, 2, RULES_ROUTE, NULL);
	test_rules_compile(rs);
	test_rules_expect(rs, "2001:db8::5", 0);
	test_rules_expect(rs, "2001:db9::5", 1);
	test_rules_expect(rs, "10.0.0.1", 1);
	rules_free(rs);
}

Test(rules, any_with_conditions)
{
	struct rules		*rs = test_rules_new();
	struct rules_cond	 c = test_rules_cond(1, 0, 65535);

	test_rules_any(rs, 2, RULES_DENY, &c);
	test_rules_address(rs, "0.0.0.0/0", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect_at(rs, "10.0.0.1", 7, 1, 0);
	test_rules_expect_at(rs, "2001:db8::1", 7, 1, 0);
	test_rules_expect_at(rs, "10.0.0.1", 7, 0, 1);
	test_rules_expect_at(rs, "2001:db8::1", 7, 0, -1);
	rules_free(rs);
}

Test(rules, edges_of_the_address_space)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "255.255.255.255", 1, RULES_ROUTE);
	test_rules_address(rs, "255.0.0.0/8", 2, RULES_ROUTE);
	test_rules_address(rs, "0.0.0.0/32", 3, RULES_ROUTE);
	test_rules_address(rs, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 4,
	    RULES_ROUTE);
	test_rules_address(rs, "ff00::/8", 5, RULES_ROUTE);
	test_rules_address(rs, "::/128", 6, RULES_ROUTE);
	test_rules_address(rs, "8000::/1", 7, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "255.255.255.255", 0);
	test_rules_expect(rs, "255.255.255.254", 1);
	test_rules_expect(rs, "255.0.0.0", 1);
	test_rules_expect(rs, "254.255.255.255", -1);
	test_rules_expect(rs, "0.0.0.0", 2);
	test_rules_expect(rs, "0.0.0.1", -1);
	test_rules_expect(rs, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 3);
	test_rules_expect(rs, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 4);
	test_rules_expect(rs, "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6);
	test_rules_expect(rs, "::", 5);
	test_rules_expect(rs, "::1", -1);
	test_rules_expect(rs, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", -1);
	test_rules_expect(rs, "8000::", 6);
	rules_free(rs);
}

Test(rules, ipv6_prefixes_longer_than_64)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "2001:db8::8000:0:0:0/65", 1, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::/64", 2, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::1:0/112", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "2001:db8::8000:0:0:1", 0);
	test_rules_expect(rs, "2001:db8::ffff:ffff:ffff:ffff", 0);
	test_rules_expect(rs, "2001:db8::7fff:ffff:ffff:ffff", 1);
	test_rules_expect(rs, "2001:db8::1:5", 1);
	test_rules_expect(rs, "2001:db8:0:1::", -1);
	rules_free(rs);
}

Test(rules, compile_empty_ruleset)
{
	struct rules	*rs = test_rules_new();

	test_rules_compile(rs);
	test_rules_verdict(rs, "10.0.0.1", -1, TEST_DEFAULT, RULES_ROUTE);
	test_rules_verdict(rs, "2001:db8::1", -1, TEST_DEFAULT, RULES_ROUTE);
	test_rules_shadow(rs, 0, -1);
	rules_free(rs);
}

Test(rules, compile_again_after_more_rules)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.0.0/16", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.0.1", 0);
	test_rules_expect(rs, "10.2.0.1", -1);
	test_rules_address(rs, "10.0.0.0/8", 2, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.0/24", 3, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.1.2.1", 0);
	test_rules_expect(rs, "10.2.0.1", 1);
	test_rules_shadow(rs, 2, 0);
	test_rules_compile(rs);
	test_rules_expect(rs, "10.2.0.1", 1);
	rules_free(rs);
}

Test(rules, match_before_compile_aborts, .signal = SIGABRT)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_match(rs, "10.0.0.1");
}

Test(rules, match_after_an_add_without_compile_aborts, .signal = SIGABRT)
{
	struct rules	*rs = test_rules_new();

	test_rules_compile(rs);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_match(rs, "10.0.0.1");
}

Test(rules, shadowed_exact_duplicate)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 2, RULES_DENY);
	test_rules_address(rs, "2001:db8::1", 1, RULES_ROUTE);
	test_rules_address(rs, "2001:db8::1/128", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_shadow(rs, 0, -1);
	test_rules_shadow(rs, 1, 0);
	test_rules_shadow(rs, 2, -1);
	test_rules_shadow(rs, 3, 2);
	rules_free(rs);
}

Test(rules, shadowed_by_broader_earlier_prefix)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "10.1.0.0/16", 1, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.0/24", 1, RULES_ROUTE);
	test_rules_address(rs, "10.2.0.0/16", 1, RULES_ROUTE);
	test_rules_address(rs, "10.2.0.7", 1, RULES_ROUTE);
	test_rules_address(rs, "11.0.0.0/8", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_shadow(rs, 0, -1);
	test_rules_shadow(rs, 1, -1);
	test_rules_shadow(rs, 2, 0);
	test_rules_shadow(rs, 3, 1);
	test_rules_shadow(rs, 4, 1);
	test_rules_shadow(rs, 5, -1);
	test_rules_shadow(rs, 6, -1);
	rules_free(rs);
}

Test(rules, shadowed_ipv4_mapped)
{
	struct rules	*rs = test_rules_new();

	test_rules_address(rs, "::ffff:10.0.0.0/104", 1, RULES_ROUTE);
	test_rules_address(rs, "10.1.2.0/24", 1, RULES_ROUTE);
	test_rules_address(rs, "::ffff:10.9.9.9", 1, RULES_ROUTE);
	test_rules_address(rs, "::/0", 1, RULES_ROUTE);
	test_rules_address(rs, "11.0.0.0/8", 1, RULES_ROUTE);
	test_rules_address(rs, "::ffff:0:0/96", 1, RULES_ROUTE);
	test_rules_address(rs, "::ffff:11.1.0.0/112", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_shadow(rs, 1, 0);
	test_rules_shadow(rs, 2, 0);
	test_rules_shadow(rs, 4, -1);
	test_rules_shadow(rs, 5, -1);
	test_rules_shadow(rs, 6, 4);
	rules_free(rs);
}

Test(rules, shadowed_not_by_a_conditional_rule)
{
	struct rules	*rs = test_rules_new();

	test_rules_address_if(rs, "10.0.0.0/8", 1, test_rules_cond(1, 0,
	    65535));
	test_rules_address(rs, "10.1.0.0/16", 1, RULES_ROUTE);
	test_rules_address_if(rs, "10.1.2.0/24", 1, test_rules_cond(-1, 80,
	    80));
	test_rules_address_if(rs, "10.0.0.0/8", 1, test_rules_cond(1, 0,
	    65535));
	test_rules_compile(rs);
	test_rules_shadow(rs, 0, -1);
	test_rules_shadow(rs, 1, -1);
	test_rules_shadow(rs, 2, 1);
	test_rules_shadow(rs, 3, -1);
	rules_free(rs);
}

Test(rules, shadowed_never_reports_regex_or_any)
{
	struct rules		*rs = test_rules_new();
	struct rules_cond	 c = test_rules_cond(0, 0, 65535);

	test_rules_address(rs, "0.0.0.0/0", 1, RULES_ROUTE);
	test_rules_regex(rs, "^10\\.", 1, RULES_ROUTE);
	test_rules_any(rs, 1, RULES_ROUTE, &c);
	test_rules_address(rs, "2001:db8::1", 1, RULES_ROUTE);
	test_rules_any(rs, 1, RULES_ROUTE, NULL);
	test_rules_any(rs, 1, RULES_ROUTE, NULL);
	test_rules_address(rs, "2001:db8::2", 1, RULES_ROUTE);
	test_rules_address(rs, "10.0.0.0/8", 1, RULES_ROUTE);
	test_rules_compile(rs);
	test_rules_shadow(rs, 1, -1);
	test_rules_shadow(rs, 2, -1);
	test_rules_shadow(rs, 3, -1);
	test_rules_shadow(rs, 4, -1);
	test_rules_shadow(rs, 5, -1);
	test_rules_shadow(rs, 6, 4);
	test_rules_shadow(rs, 7, 0);
	test_rules_shadow(rs, 8, -1);
	rules_free(rs);
}

/*
 * Randomized equivalence with refmatch, a linear first-match scan.  Rule
 * addresses are drawn around a few bases per family so that prefixes nest
 * and overlap, and lookups are drawn around rule addresses so that most
 * hit.  Conditions draw from two listeners and a few ports, so that they
 * hold about as often as not.
 */

#define TEST_SEED		20240517u
#define TEST_MIN_RULES		200000
#define TEST_MIN_LOOKUPS	200000
#define TEST_BASES		16
#define TEST_BIG_RULES		60000	/* the last round: a large index */
#define TEST_BIG_LOOKUPS	3000
#define TEST_SHADOW_CHECKS	64	/* rules_shadowed checks a round */

struct test_rng {
	uint64_t	 s;
};

/* splitmix64: the same sequence everywhere, unlike rand(). */
static uint32_t
test_rng_next(struct test_rng *r)
{
	uint64_t	 z;

	z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t
test_rng_below(struct test_rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)test_rng_next(r) * n) >> 32);
}

static void
test_rng_bytes(struct test_rng *r, uint8_t *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)test_rng_next(r);
}

/* Keeps the first from bits of a and randomizes the rest up to bits. */
static void
test_rng_perturb(struct test_rng *r, uint8_t *a, unsigned int from,
    unsigned int bits)
{
	uint8_t		 rnd[16];
	unsigned int	 i;

	test_rng_bytes(r, rnd, sizeof(rnd));
	for (i = from; i < bits; i++) {
		if (rnd[i / 8] & (0x80 >> (i % 8)))
			a[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	}
}

struct test_round {
	struct test_rng	 rng;
	unsigned int	 nbases;
	uint8_t		 base[2][TEST_BASES][16];	/* [0] IPv4, [1] IPv6 */
	unsigned int	 regex_permille;
	unsigned int	 cond_permille;
};

/* Mostly a handful of ports, so that port ranges often hold. */
static unsigned int
test_round_port(struct test_round *t)
{
	if (test_rng_below(&t->rng, 8) == 0)
		return test_rng_below(&t->rng, 65536);
	return test_rng_below(&t->rng, 8);
}

/* Unconditional, or a listener, a port range, or both. */
static void
test_round_cond(struct test_round *t, struct rules_cond *c)
{
	unsigned int	 k;

	*c = RULES_COND_NONE;
	if (test_rng_below(&t->rng, 1000) >= t->cond_permille)
		return;
	k = test_rng_below(&t->rng, 3);
	if (k != 1)
		c->listener = (int)test_rng_below(&t->rng, 2);
	if (k != 0) {
		c->port_min = test_round_port(t);
		c->port_max = c->port_min + test_rng_below(&t->rng, 4);
		if (test_rng_below(&t->rng, 8) == 0)
			c->port_max = 65535;
	}
}

static int
test_family(int v6)
{
	return v6 ? AF_INET6 : AF_INET;
}

/* Near one of the round's bases: it leaves the base at a random bit. */
static void
test_round_near_base(struct test_round *t, int v6, uint8_t *a)
{
	unsigned int	 bits = v6 ? 128 : 32;

	memset(a, 0, 16);
	memcpy(a, t->base[v6][test_rng_below(&t->rng, t->nbases)], bits / 8);
	test_rng_perturb(&t->rng, a, test_rng_below(&t->rng, bits + 1), bits);
}

/*
 * Draws one rule: fills ref as the reference sees it and text with what
 * is given to rules_add_*; returns the result rules_add_* must give.
 */
static int
test_round_rule(struct test_round *t, struct refmatch_entry *ref, char *text,
    size_t textlen)
{
	struct test_rng	*r = &t->rng;
	char		 a[ADDR_STRLEN];
	size_t		 i, n, from;
	unsigned int	 bits;
	int		 v6, rc, suffix;

	memset(ref, 0, sizeof(*ref));
	ref->class_idx = (int)test_rng_below(r, 8);
	ref->action = test_rng_below(r, 10) == 0 ? RULES_DENY : RULES_ROUTE;
	test_round_cond(t, &ref->cond);
	/* Rare: an unconditional one hides every rule after it. */
	if (test_rng_below(r, 2000) == 0) {
		ref->kind = REFMATCH_ANY;
		return 0;
	}
	v6 = test_rng_below(r, 100) < 45;
	bits = v6 ? 128 : 32;
	ref->family = test_family(v6);
	test_round_near_base(t, v6, ref->addr);
	inet_ntop(ref->family, ref->addr, a, sizeof(a));

	if (test_rng_below(r, 1000) < t->regex_permille) {
		/* A literal cut from an address's text, escaped, anchored. */
		ref->kind = REFMATCH_REGEX;
		suffix = test_rng_below(r, 4) == 0;
		ref->anchor = suffix ? REFMATCH_END : REFMATCH_START;
		n = 1 + test_rng_below(r, (uint32_t)strlen(a));
		from = suffix ? strlen(a) - n : 0;
		memcpy(ref->lit, a + from, n);
		ref->lit[n] = '\0';
		i = 0;
		if (!suffix)
			text[i++] = '^';
		for (from = 0; from < n; from++) {
			if (ref->lit[from] == '.')
				text[i++] = '\\';
			text[i++] = ref->lit[from];
		}
		if (suffix)
			text[i++] = '$';
		text[i] = '\0';
		return 0;
	}

	/* Short prefixes are few, as in real rules: they hide what follows. */
	if (test_rng_below(r, 2000) == 0)
		ref->len = 0;
	else if (test_rng_below(r, 10) == 0)
		ref->len = 1 + test_rng_below(r, bits);
	else
		ref->len = bits / 4 + test_rng_below(r, bits - bits / 4 + 1);
	if (test_rng_below(r, 2) == 0)
		refmatch_mask(ref->addr, ref->len, bits);
	inet_ntop(ref->family, ref->addr, a, sizeof(a));
	rc = refmatch_mask(ref->addr, ref->len, bits);
	if (!v6 && test_rng_below(r, 8) == 0)
		snprintf(text, textlen, "::ffff:%s/%u", a, ref->len + 96);
	else if (ref->len == bits && test_rng_below(r, 2) == 0)
		snprintf(text, textlen, "%s", a);
	else
		snprintf(text, textlen, "%s/%u", a, ref->len);
	return rc;
}

/* A peer near a rule's address, or near a base, or anywhere. */
static void
test_round_peer(struct test_round *t, const struct refmatch_entry *ref,
    size_t n, int *family, uint8_t *a)
{
	struct test_rng			*r = &t->rng;
	const struct refmatch_entry	*p;
	unsigned int			 bits, from, k;
	int				 v6;

	p = &ref[test_rng_below(r, (uint32_t)n)];
	k = test_rng_below(r, 100);
	if (k < 10 || p->kind != REFMATCH_ADDRESS) {
		v6 = test_rng_below(r, 100) < 45;
		*family = test_family(v6);
		if (k < 10) {
			memset(a, 0, 16);
			test_rng_bytes(r, a, v6 ? 16 : 4);
		} else
			test_round_near_base(t, v6, a);
		return;
	}
	*family = p->family;
	bits = p->family == AF_INET6 ? 128 : 32;
	memcpy(a, p->addr, 16);
	/* Mostly inside the rule's prefix, sometimes just outside it. */
	from = p->len;
	if (p->len > 0 && test_rng_below(r, 4) == 0)
		from = p->len - 1 - test_rng_below(r, p->len < 8 ? p->len : 8);
	test_rng_perturb(r, a, from, bits);
}

/* Adds n random rules to rs, as the reference ref sees them too. */
static void
test_round_fill(struct test_round *t, struct rules *rs,
    struct refmatch_entry *ref, size_t n, unsigned int seed, unsigned int round)
{
	char	 text[128], err[256];
	size_t	 i;
	int	 rc, want_rc;

	for (i = 0; i < n; i++) {
		want_rc = test_round_rule(t, &ref[i], text, sizeof(text));
		if (ref[i].kind == REFMATCH_ANY) {
			snprintf(text, sizeof(text), "(any)");
			rc = rules_add_any(rs, ref[i].class_idx, ref[i].action,
			    &ref[i].cond, err, sizeof(err));
		} else if (ref[i].kind == REFMATCH_REGEX)
			rc = rules_add_regex(rs, text, ref[i].class_idx,
			    ref[i].action, &ref[i].cond, err, sizeof(err));
		else
			rc = rules_add_address(rs, text, ref[i].class_idx,
			    ref[i].action, &ref[i].cond, err, sizeof(err));
		cr_assert_eq(rc, want_rc,
		    "seed %u round %u entry %zu \"%s\": %d, want %d (%s)",
		    seed, round, i, text, rc, want_rc, rc ? err : "");
	}
	cr_assert_eq(rules_count(rs), n, "seed %u round %u", seed, round);
	test_rules_compile(rs);
}

/* count random lookups, each against the reference. */
static void
test_round_lookups(struct test_round *t, struct rules *rs,
    const struct refmatch_entry *ref, size_t n, size_t count,
    unsigned int seed, unsigned int round)
{
	struct rules_verdict	 v;
	struct sockaddr_storage	 ss;
	uint8_t			 a[16];
	char			 peer[ADDR_STRLEN];
	size_t			 i;
	unsigned int		 port;
	int			 family, listener, mapped, want;

	for (i = 0; i < count; i++) {
		test_round_peer(t, ref, n, &family, a);
		port = test_round_port(t);
		listener = (int)test_rng_below(&t->rng, 3) - 1;
		/* A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d. */
		mapped = family == AF_INET && test_rng_below(&t->rng, 4) == 0;
		refmatch_sockaddr(&ss, family, a, port, mapped);
		inet_ntop(family, a, peer, sizeof(peer));
		want = refmatch_first(ref, n, family, a, listener, port);
		rules_match(rs, (struct sockaddr *)&ss, listener, &v);
		cr_assert_eq(v.entry, want,
		    "seed %u round %u lookup %zu peer %s port %u listener %d "
		    "(family %d): entry %d, want %d", seed, round, i, peer,
		    port, listener, ss.ss_family, v.entry, want);
		cr_assert_eq(v.class_idx, want == -1 ? TEST_DEFAULT :
		    ref[want].class_idx, "seed %u round %u lookup %zu",
		    seed, round, i);
		cr_assert_eq(v.action, want == -1 ? RULES_ROUTE :
		    ref[want].action, "seed %u round %u lookup %zu",
		    seed, round, i);
	}
}

static void
test_round_shadows(struct test_round *t, struct rules *rs,
    const struct refmatch_entry *ref, size_t n, unsigned int seed,
    unsigned int round)
{
	size_t	 i, k;
	int	 want;

	for (k = 0; k < TEST_SHADOW_CHECKS; k++) {
		i = test_rng_below(&t->rng, (uint32_t)n);
		want = refmatch_shadowed(ref, i);
		cr_assert_eq(rules_shadowed(rs, i), want,
		    "seed %u round %u: entry %zu shadowed by %d, want %d",
		    seed, round, i, rules_shadowed(rs, i), want);
	}
}

Test(rules, random_rulesets_agree_with_linear_first_match)
{
	static const unsigned int	 permille[] = { 0, 5, 30 };
	static const unsigned int	 cond_permille[] = { 0, 100, 500 };
	struct test_round		 t;
	struct refmatch_entry		*ref;
	struct rules			*rs;
	const char			*env;
	size_t				 n, maxn = 4000;
	size_t				 rules = 0, lookups = 0;
	unsigned int			 seed, round, b;
	int				 big;

	env = getenv("TEST_RULES_SEED");
	seed = env != NULL ? (unsigned int)strtoul(env, NULL, 0) : TEST_SEED;
	memset(&t, 0, sizeof(t));
	t.rng.s = seed;
	cr_assert_not_null(ref = calloc(TEST_BIG_RULES, sizeof(*ref)));
	/* Many small rounds, then a large one for the index. */
	for (round = 0, big = 0; !big; round++) {
		big = rules >= TEST_MIN_RULES && lookups >= TEST_MIN_LOOKUPS;
		n = big ? TEST_BIG_RULES :
		    1 + test_rng_below(&t.rng, (uint32_t)maxn);
		t.nbases = 1 + test_rng_below(&t.rng, TEST_BASES);
		for (b = 0; b < t.nbases; b++) {
			test_rng_bytes(&t.rng, t.base[0][b], 4);
			test_rng_bytes(&t.rng, t.base[1][b], 16);
		}
		t.regex_permille = permille[round % 3];
		t.cond_permille = cond_permille[round / 3 % 3];
		rs = test_rules_new();
		test_round_fill(&t, rs, ref, n, seed, round);
		test_round_lookups(&t, rs, ref, n, big ? TEST_BIG_LOOKUPS : n,
		    seed, round);
		test_round_shadows(&t, rs, ref, n, seed, round);
		rules += n;
		lookups += n;
		rules_free(rs);
	}
	free(ref);
}

/*
 * fuzz_rules: rules_match and rules_shadowed against a linear reference.
 *
 * The input is read as a small program: a header byte, then rules, then
 * peers.  A rule is a kind byte (IPv4, IPv6, IPv4-mapped text, raw text,
 * regex, any; conditions; deny or route), address bytes laid over a base
 * so that prefixes overlap, and a prefix length.  Every peer is checked,
 * and so are the first and last addresses of every prefix and their
 * neighbours outside it.  The reference is a first-match scan written
 * for plainness; any difference aborts.  Past its end the input reads as
 * zeros, so every input is a valid program.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rules.h"

#define FUZZ_MAXRULES	48
#define FUZZ_MAXPEERS	256
#define FUZZ_DEFAULT	9
#define FUZZ_TEXTLEN	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_in {
	const uint8_t	*p;
	size_t		 n;
};

enum fuzz_kind {
	FUZZ_ADDRESS,
	FUZZ_REGEX,
	FUZZ_ANY,
};

/* The regexes a rule may use, each with what it means in plain C. */
enum fuzz_anchor {
	FUZZ_START,		/* ^lit */
	FUZZ_END,		/* lit$ */
	FUZZ_WHOLE,		/* ^lit$ */
	FUZZ_INSIDE,		/* lit */
};

static const struct {
	const char	*pattern;
	const char	*lit;
	enum fuzz_anchor anchor;
} fuzz_regex[] = {
	{ "^10\\.", "10.", FUZZ_START },
	{ "\\.1$", ".1", FUZZ_END },
	{ "^2001:db8:", "2001:db8:", FUZZ_START },
	{ "::", "::", FUZZ_INSIDE },
	{ "^::ffff:", "::ffff:", FUZZ_START },
	{ "^0\\.0\\.0\\.0$", "0.0.0.0", FUZZ_WHOLE },
	{ "", "", FUZZ_INSIDE },
	{ "ff", "ff", FUZZ_INSIDE },
};
#define FUZZ_NREGEX	(sizeof(fuzz_regex) / sizeof(fuzz_regex[0]))

struct fuzz_rule {
	enum fuzz_kind	  kind;
	int		  family;	/* after unmapping */
	uint8_t		  addr[16];
	unsigned int	  len;
	unsigned int	  regex;
	struct rules_cond cond;
	int		  class_idx;
	enum rules_action action;
	char		  text[FUZZ_TEXTLEN];
};

static unsigned int
fuzz_byte(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static void
fuzz_fail(const char *what, size_t i)
{
	fprintf(stderr, "fuzz_rules: %s (%zu)\n", what, i);
	abort();
}

static int
fuzz_prefix_has(int family, const uint8_t *p, unsigned int len, int afamily,
    const uint8_t *a)
{
	unsigned int	 i;

	if (family != afamily)
		return 0;
	for (i = 0; i < len; i++) {
		if (((p[i / 8] ^ a[i / 8]) >> (7 - i % 8)) & 1)
			return 0;
	}
	return 1;
}

/* Clears the host bits; returns whether any was set. */
static int
fuzz_mask(uint8_t *a, unsigned int len, unsigned int bits)
{
	unsigned int	 i;
	int		 set = 0;

	for (i = len; i < bits; i++) {
		if (a[i / 8] & (0x80 >> (i % 8)))
			set = 1;
		a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	}
	return set;
}

/*
 * The reference parser for raw text: "ADDR" or "ADDR/LEN", the length in
 * plain decimal without a leading zero, a mapped IPv6 prefix of /96 or
 * more read as IPv4.  Returns what rules_add_address must return.
 */
static int
fuzz_parse(struct fuzz_rule *r)
{
	static const uint8_t	 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 a[FUZZ_TEXTLEN];
	const char		*slash, *d;
	unsigned int		 bits;
	int			 set;

	snprintf(a, sizeof(a), "%s", r->text);
	if ((slash = strchr(r->text, '/')) != NULL)
		a[slash - r->text] = '\0';
	r->family = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	bits = r->family == AF_INET ? 32 : 128;
	memset(r->addr, 0, sizeof(r->addr));
	if (strlen(a) >= ADDR_STRLEN || inet_pton(r->family, a, r->addr) != 1)
		return -1;
	r->len = bits;
	if (slash != NULL) {
		d = slash + 1;
		if (*d == '\0' || (d[0] == '0' && d[1] != '\0'))
			return -1;
		for (r->len = 0; *d != '\0'; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			r->len = r->len * 10 + (unsigned int)(*d - '0');
			if (r->len > bits)
				return -1;
		}
	}
	set = fuzz_mask(r->addr, r->len, bits);
	if (r->family == AF_INET6 && r->len >= 96 &&
	    memcmp(r->addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->len -= 96;
	}
	return set;
}

/*
 * An address rule drawn from the input: the bytes are laid over a base
 * (10.1.2.3 or 2001:db8::) from the right, so that most prefixes nest.
 * Returns what rules_add_address must return.
 */
static int
fuzz_address(struct fuzz_in *in, struct fuzz_rule *r, unsigned int kind)
{
	static const uint8_t	 base4[4] = { 10, 1, 2, 3 };
	static const uint8_t	 base6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char			 a[ADDR_STRLEN];
	unsigned int		 bits, n, i, style;
	int			 set;

	if (kind == 3) {
		/* Raw text, for the parser. */
		n = fuzz_byte(in) % (FUZZ_TEXTLEN - 1);
		for (i = 0; i < n; i++)
			r->text[i] = (char)fuzz_byte(in);
		r->text[n] = '\0';
		return fuzz_parse(r);
	}
	r->family = kind == 1 ? AF_INET6 : AF_INET;
	bits = r->family == AF_INET ? 32 : 128;
	memset(r->addr, 0, sizeof(r->addr));
	memcpy(r->addr, r->family == AF_INET ? base4 : base6, bits / 8);
	n = fuzz_byte(in) % (bits / 8 + 1);
	for (i = 0; i < n; i++)
		r->addr[bits / 8 - 1 - i] = (uint8_t)fuzz_byte(in);
	style = fuzz_byte(in);
	r->len = (style >> 2) % (bits + 1);
	/* Host bits are kept in the text half of the time. */
	if (style & 1)
		fuzz_mask(r->addr, r->len, bits);
	inet_ntop(r->family, r->addr, a, sizeof(a));
	set = fuzz_mask(r->addr, r->len, bits);
	if (kind == 2)
		snprintf(r->text, sizeof(r->text), "::ffff:%s/%u", a,
		    r->len + 96);
	else if (r->len == bits && (style & 2))
		snprintf(r->text, sizeof(r->text), "%s", a);
	else
		snprintf(r->text, sizeof(r->text), "%s/%u", a, r->len);
	return set;
}

static void
fuzz_cond(struct fuzz_in *in, unsigned int kind, struct rules_cond *c)
{
	*c = RULES_COND_NONE;
	if (kind & 0x08)
		c->listener = (int)(fuzz_byte(in) % 3);
	if (kind & 0x10) {
		c->port_min = fuzz_byte(in) % 8;
		c->port_max = c->port_min + fuzz_byte(in) % 8;
	}
}

static int
fuzz_cond_holds(const struct rules_cond *c, int listener, unsigned int port)
{
	return (c->listener == -1 || c->listener == listener) &&
	    port >= c->port_min && port <= c->port_max;
}

static int
fuzz_regex_has(unsigned int k, const char *text)
{
	const char	*lit = fuzz_regex[k].lit;
	size_t		 tl = strlen(text), ll = strlen(lit);

	switch (fuzz_regex[k].anchor) {
	case FUZZ_START:
		return strncmp(text, lit, ll) == 0;
	case FUZZ_END:
		return ll <= tl && strcmp(text + tl - ll, lit) == 0;
	case FUZZ_WHOLE:
		return strcmp(text, lit) == 0;
	case FUZZ_INSIDE:
		return strstr(text, lit) != NULL;
	}
	return 0;
}

/* The reference: the first rule in order that matches, or -1. */
static int
fuzz_ref_match(const struct fuzz_rule *r, size_t n, int family,
    const uint8_t *a, int listener, unsigned int port)
{
	char	 text[ADDR_STRLEN];
	size_t	 i;

	inet_ntop(family, a, text, sizeof(text));
	for (i = 0; i < n; i++) {
		if (!fuzz_cond_holds(&r[i].cond, listener, port))
			continue;
		if (r[i].kind == FUZZ_ANY ||
		    (r[i].kind == FUZZ_REGEX && fuzz_regex_has(r[i].regex,
		    text)) ||
		    (r[i].kind == FUZZ_ADDRESS && fuzz_prefix_has(r[i].family,
		    r[i].addr, r[i].len, family, a)))
			return (int)i;
	}
	return -1;
}

static int
fuzz_ref_shadowed(const struct fuzz_rule *r, size_t i)
{
	struct rules_cond	 none = RULES_COND_NONE;
	size_t			 j;

	if (r[i].kind != FUZZ_ADDRESS)
		return -1;
	for (j = 0; j < i; j++) {
		if (r[j].kind == FUZZ_REGEX ||
		    memcmp(&r[j].cond, &none, sizeof(none)) != 0)
			continue;
		if (r[j].kind == FUZZ_ANY || (r[j].len <= r[i].len &&
		    fuzz_prefix_has(r[j].family, r[j].addr, r[j].len,
		    r[i].family, r[i].addr)))
			return (int)j;
	}
	return -1;
}

/*
 * One lookup both ways.  An IPv4 peer arrives as AF_INET or, when mapped,
 * as ::ffff:a.b.c.d on AF_INET6; both must give the same verdict.
 */
static void
fuzz_check(struct rules *rs, const struct fuzz_rule *r, size_t n,
    int family, const uint8_t *a, int mapped, int listener,
    unsigned int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct rules_verdict	 v;
	int			 want;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6 || mapped) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((in_port_t)port);
		if (family == AF_INET6)
			memcpy(&sin6->sin6_addr, a, 16);
		else {
			sin6->sin6_addr.s6_addr[10] = 0xff;
			sin6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&sin6->sin6_addr.s6_addr[12], a, 4);
		}
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((in_port_t)port);
		memcpy(&sin->sin_addr, a, 4);
	}
	/* An IPv6 address inside ::ffff:0:0/96 is an IPv4 peer too. */
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		family = AF_INET;
		a += 12;
	}
	want = fuzz_ref_match(r, n, family, a, listener, port);
	rules_match(rs, (struct sockaddr *)&ss, listener, &v);
	if (v.entry != want)
		fuzz_fail("rule differs from the linear scan's", (size_t)want);
	if (v.class_idx != (want == -1 ? FUZZ_DEFAULT : r[want].class_idx) ||
	    v.action != (want == -1 ? RULES_ROUTE : r[want].action))
		fuzz_fail("verdict differs from the rule's", (size_t)want);
}

/* The first and last addresses of a prefix, and their outer neighbours. */
static void
fuzz_check_edges(struct rules *rs, const struct fuzz_rule *r, size_t n,
    size_t i)
{
	uint8_t		 a[16];
	unsigned int	 bits = r[i].family == AF_INET ? 32 : 128, b;
	int		 last, side, carry;
	unsigned int	 port = r[i].cond.port_min;
	int		 listener = r[i].cond.listener;

	for (last = 0; last < 2; last++) {
		memcpy(a, r[i].addr, sizeof(a));
		for (b = r[i].len; last && b < bits; b++)
			a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		fuzz_check(rs, r, n, r[i].family, a, 0, listener, port);
		/* One step outside: down from the first, up from the last. */
		for (side = bits / 8, carry = 1; carry && side-- > 0;) {
			a[side] = (uint8_t)(last ? a[side] + 1 : a[side] - 1);
			carry = a[side] == (last ? 0 : 0xff);
		}
		fuzz_check(rs, r, n, r[i].family, a, 1, listener, port);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct fuzz_rule	 r[FUZZ_MAXRULES];
	struct rules		*rs;
	uint8_t			 a[16];
	char			 err[256];
	size_t			 i, j, n, mid;
	unsigned int		 head, kind, bits;
	int			 rc, want, family;

	head = fuzz_byte(&in);
	n = head % (FUZZ_MAXRULES + 1);
	/* Compile half-way, match, and compile again at the end. */
	mid = head & 0x80 ? n / 2 : n;
	if ((rs = rules_new(FUZZ_DEFAULT)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		kind = fuzz_byte(&in);
		fuzz_cond(&in, kind, &r[i].cond);
		r[i].class_idx = (int)(kind >> 6);
		r[i].action = kind & 0x20 ? RULES_DENY : RULES_ROUTE;
		switch (kind & 7) {
		case 4:
			r[i].kind = FUZZ_REGEX;
			r[i].regex = fuzz_byte(&in) % FUZZ_NREGEX;
			rc = rules_add_regex(rs, fuzz_regex[r[i].regex].pattern,
			    r[i].class_idx, r[i].action, &r[i].cond, err,
			    sizeof(err));
			want = 0;
			break;
		case 5:
			r[i].kind = FUZZ_ANY;
			rc = rules_add_any(rs, r[i].class_idx, r[i].action,
			    &r[i].cond, err, sizeof(err));
			want = 0;
			break;
		default:
			r[i].kind = FUZZ_ADDRESS;
			want = fuzz_address(&in, &r[i], (kind & 7) % 4);
			rc = rules_add_address(rs, r[i].text, r[i].class_idx,
			    r[i].action, &r[i].cond, err, sizeof(err));
			break;
		}
		if (rc != want)
			fuzz_fail("rules_add_* result differs", i);
		if (rc == -1) {
			/* Nothing was added: the slot is drawn again. */
			i--;
			n--;
			mid = mid > n ? n : mid;
			continue;
		}
		if (i + 1 == mid && mid < n) {
			if (rules_compile(rs, err, sizeof(err)) == -1)
				fuzz_fail(err, i);
			fuzz_check(rs, r, mid, AF_INET, r[0].addr, 0, -1, 0);
		}
	}
	if (rules_count(rs) != n)
		fuzz_fail("rules_count differs", n);
	if (rules_compile(rs, err, sizeof(err)) == -1)
		fuzz_fail(err, n);

	for (i = 0; i < n; i++) {
		if (rules_shadowed(rs, i) != fuzz_ref_shadowed(r, i))
			fuzz_fail("rules_shadowed differs", i);
		if (r[i].kind == FUZZ_ADDRESS)
			fuzz_check_edges(rs, r, n, i);
	}
	for (i = 0; i < FUZZ_MAXPEERS && in.n > 0; i++) {
		kind = fuzz_byte(&in);
		family = kind & 1 ? AF_INET6 : AF_INET;
		bits = family == AF_INET ? 32 : 128;
		memset(a, 0, sizeof(a));
		if (n > 0 && (kind & 2) && r[kind % n].kind == FUZZ_ADDRESS) {
			/* Near a rule: its address with one byte changed. */
			family = r[kind % n].family;
			bits = family == AF_INET ? 32 : 128;
			memcpy(a, r[kind % n].addr, sizeof(a));
			a[fuzz_byte(&in) % (bits / 8)] ^=
			    (uint8_t)fuzz_byte(&in);
		} else
			for (j = 0; j < bits / 8; j++)
				a[j] = (uint8_t)fuzz_byte(&in);
		fuzz_check(rs, r, n, family, a, (kind & 4) != 0,
		    (int)(kind >> 3) % 3 - 1, fuzz_byte(&in) % 10);
	}
	rules_free(rs);
	return 0;
}

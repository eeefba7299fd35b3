/*
 * fuzz_rules: rules_match and rules_shadowed against a linear reference.
 *
 * The input is read as a small program: a header byte, then entries,
 * then peers.  An entry is a kind byte (IPv4, IPv6, IPv4-mapped text, raw text,
 * regex, any; conditions; deny or route), address bytes laid over a base
 * so that prefixes overlap, and a prefix length.  Every peer is checked,
 * and so are the first and last addresses of every prefix and their
 * neighbours outside it.  The reference is refmatch, a first-match scan
 * written for plainness; any difference aborts.  Past its end the input
 * reads as zeros, so every input is a valid program.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "refmatch.h"
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

/* The regexes an entry may use, each with what it means to refmatch. */
static const struct {
	const char		*pattern;
	const char		*lit;
	enum refmatch_anchor	 anchor;
} fuzz_regex[] = {
	{ "^10\\.", "10.", REFMATCH_START },
	{ "\\.1$", ".1", REFMATCH_END },
	{ "^2001:db8:", "2001:db8:", REFMATCH_START },
	{ "::", "::", REFMATCH_INSIDE },
	{ "^::ffff:", "::ffff:", REFMATCH_START },
	{ "^0\\.0\\.0\\.0$", "0.0.0.0", REFMATCH_WHOLE },
	{ "", "", REFMATCH_INSIDE },
	{ "ff", "ff", REFMATCH_INSIDE },
};
#define FUZZ_NREGEX	(sizeof(fuzz_regex) / sizeof(fuzz_regex[0]))

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

/*
 * The reference parser for raw text: "ADDR" or "ADDR/LEN", the length in
 * plain decimal without a leading zero, a mapped IPv6 prefix of /96 or
 * more read as IPv4.  Returns what rules_add_address must return.
 */
static int
fuzz_parse(struct refmatch_entry *r, const char *text)
{
	static const uint8_t	 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 a[FUZZ_TEXTLEN];
	const char		*slash, *d;
	unsigned int		 bits;
	int			 set;

	snprintf(a, sizeof(a), "%s", text);
	if ((slash = strchr(text, '/')) != NULL)
		a[slash - text] = '\0';
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
	set = refmatch_mask(r->addr, r->len, bits);
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
 * An address entry drawn from the input, and its text in text: the bytes
 * are laid over a base (10.1.2.3 or 2001:db8::) from the right, so that
 * most prefixes nest.  Returns what rules_add_address must return.
 */
static int
fuzz_address(struct fuzz_in *in, struct refmatch_entry *r, char *text,
    unsigned int kind)
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
			text[i] = (char)fuzz_byte(in);
		text[n] = '\0';
		return fuzz_parse(r, text);
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
		refmatch_mask(r->addr, r->len, bits);
	inet_ntop(r->family, r->addr, a, sizeof(a));
	set = refmatch_mask(r->addr, r->len, bits);
	if (kind == 2)
		snprintf(text, FUZZ_TEXTLEN, "::ffff:%s/%u", a, r->len + 96);
	else if (r->len == bits && (style & 2))
		snprintf(text, FUZZ_TEXTLEN, "%s", a);
	else
		snprintf(text, FUZZ_TEXTLEN, "%s/%u", a, r->len);
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

/*
 * One lookup both ways.  An IPv4 peer arrives as AF_INET or, when mapped,
 * as ::ffff:a.b.c.d on AF_INET6; both must give the same verdict.
 */
static void
fuzz_check(struct rules *rs, const struct refmatch_entry *r, size_t n,
    int family, const uint8_t *a, int mapped, int listener,
    unsigned int port)
{
	struct sockaddr_storage	 ss;
	struct rules_verdict	 v;
	int			 want;

	refmatch_sockaddr(&ss, family, a, port, mapped);
	want = refmatch_first(r, n, family, a, listener, port);
	rules_match(rs, (struct sockaddr *)&ss, listener, &v);
	if (v.entry != want)
		fuzz_fail("entry differs from the linear scan's", (size_t)want);
	if (v.class_idx != (want == -1 ? FUZZ_DEFAULT : r[want].class_idx) ||
	    v.action != (want == -1 ? RULES_ROUTE : r[want].action) ||
	    v.error != 0)
		fuzz_fail("verdict differs from the entry's", (size_t)want);
}

/* The first and last addresses of a prefix, and their outer neighbours. */
static void
fuzz_check_edges(struct rules *rs, const struct refmatch_entry *r, size_t n,
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
	struct refmatch_entry	 r[FUZZ_MAXRULES];
	struct rules		*rs;
	uint8_t			 a[16];
	char			 err[256], text[FUZZ_TEXTLEN];
	size_t			 i, j, n, mid;
	unsigned int		 head, kind, bits, k;
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
			r[i].kind = REFMATCH_REGEX;
			k = fuzz_byte(&in) % FUZZ_NREGEX;
			r[i].anchor = fuzz_regex[k].anchor;
			snprintf(r[i].lit, sizeof(r[i].lit), "%s",
			    fuzz_regex[k].lit);
			rc = rules_add_regex(rs, fuzz_regex[k].pattern,
			    r[i].class_idx, r[i].action, &r[i].cond, err,
			    sizeof(err));
			want = 0;
			break;
		case 5:
			r[i].kind = REFMATCH_ANY;
			rc = rules_add_any(rs, r[i].class_idx, r[i].action,
			    &r[i].cond, err, sizeof(err));
			want = 0;
			break;
		default:
			r[i].kind = REFMATCH_ADDRESS;
			want = fuzz_address(&in, &r[i], text, (kind & 7) % 4);
			rc = rules_add_address(rs, text, r[i].class_idx,
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
		if (rules_shadowed(rs, i) != refmatch_shadowed(r, i))
			fuzz_fail("rules_shadowed differs", i);
		if (r[i].kind == REFMATCH_ADDRESS)
			fuzz_check_edges(rs, r, n, i);
	}
	for (i = 0; i < FUZZ_MAXPEERS && in.n > 0; i++) {
		kind = fuzz_byte(&in);
		family = kind & 1 ? AF_INET6 : AF_INET;
		bits = family == AF_INET ? 32 : 128;
		memset(a, 0, sizeof(a));
		if (n > 0 && (kind & 2) &&
		    r[kind % n].kind == REFMATCH_ADDRESS) {
			/* Near an entry: its address with one byte changed. */
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

/* rules: the compiled ruleset and the matcher. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <endian.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "addr.h"
#include "rules.h"

#define RULES_NONE	UINT32_MAX	/* no rule: above every real index */
#define RULES_TEXTLEN	64		/* peer text: whole vector words */
#define RULES_DEPTH	129		/* nested prefixes: one per length */
#define RULES_BUCKET	2		/* ranges per index bucket, about */
#define RULES_INDEXBITS	20		/* the largest index: 4 MiB */

_Static_assert(RULES_TEXTLEN >= ADDR_STRLEN, "peer text buffer too small");

/*
 * An address as a 128-bit number, IPv4 in the top 32 bits: a prefix of
 * either family is then its top len bits, and one sweep serves both.
 */
struct rules_key {
	uint64_t	 hi;
	uint64_t	 lo;
};

struct rules_prefix {
	int		 family;
	uint8_t		 addr[16];
	unsigned int	 len;
};

/* Where rules_get finds a rule's address, prefix or conditions. */
enum rules_at {
	RULES_AT_V4,		/* v4.ent[where], once compiled */
	RULES_AT_V6,		/* v6.ent[where], once compiled */
	RULES_AT_SLOW,		/* slow[where] */
	RULES_AT_ANY,		/* nowhere: an unconditional any rule */
};

struct rules_rule {
	int		  class_idx;
	enum rules_action action;
	uint32_t	  shadow;	/* rules_shadowed, set by compile */
	uint32_t	  where;
	enum rules_at	  at;
};

/* An address rule, or an unconditional rules_add_any, as compile sees it. */
struct rules_entry {
	struct rules_key start;
	uint32_t	 rule;
	uint8_t		 len;
	uint8_t		 flags;
};
/*
 * A conditional rule may not match, so it covers no other rule; it may
 * still be shadowed.  An any rule covers, but is never reported.
 */
#define RULES_ENT_COND	0x01
#define RULES_ENT_ANY	0x02

struct rules_range4 {
	uint32_t	 start;		/* host order */
	uint32_t	 rule;
};

struct rules_range6 {
	struct rules_key start;
	uint32_t	 rule;
};

/*
 * The first match over the unconditional rules of one family, flattened:
 * it is constant between prefix boundaries, so it is kept as ranges in
 * address order, each with the lowest index among the rules covering it
 * (RULES_NONE for none); range 0 starts at address 0, and neighbours with
 * the same index are merged.  A range's start and index share a cache
 * line.  A lookup is a binary search narrowed by an index: the address's
 * top 64 bits, less base, shifted, pick a bucket b (clamped to the first
 * and the last), and the answer lies between ranges index[b] and
 * index[b + 1].  base and shift spread the buckets over the span the
 * ranges use, not over the whole family (IPv6 rules sit in 2000::/3),
 * and with a few ranges a bucket a lookup is a step or two in a cache
 * line or two, where a binary trie chases up to 32 or 128 pointers.
 */
struct rules_table {
	struct rules_range4	*r4;	/* IPv4, or NULL */
	struct rules_range6	*r6;	/* IPv6, or NULL */
	size_t			 n;
	uint32_t		*index;
	size_t			 last;	/* the last bucket */
	uint64_t		 base;
	unsigned int		 shift;
};

struct rules_family {
	struct rules_entry	*ent;	/* in rule order until compiled */
	size_t			 nent;
	size_t			 capent;
	size_t			 nfast;	/* the unconditional ones */
	struct rules_table	 tab;
};

/*
 * A rule the table cannot answer alone: a regex, or a rule with
 * conditions.  These are tried in order, and only while they come before
 * the table's answer.
 */
struct rules_slow {
	uint32_t		 rule;
	pcre2_code		*code;		/* a regex, or NULL */
	int			 any;		/* no address to match */
	int			 family;	/* when neither */
	struct rules_key	 start;
	unsigned int		 len;
	struct rules_cond	 cond;
};

struct rules {
	struct rules_rule	*rules;
	size_t			 nrules;
	size_t			 caprules;
	struct rules_family	 v4;
	struct rules_family	 v6;
	struct rules_slow	*slow;		/* in rule order */
	size_t			 nslow;
	size_t			 capslow;
	pcre2_match_data	*md;
	int			 default_class;
	int			 compiled;	/* no rule added since */
};

/*
 * Makes room for need elements of size bytes, doubling so that appending
 * n rules costs O(n).  max bounds the count (indices are 32-bit).
 * Returns the array, moved or not, or NULL with the old one left intact.
 */
static void *
rules_grow(void *p, size_t *cap, size_t need, size_t size, size_t max)
{
	size_t	 ncap;

	if (need <= *cap)
		return p;
	if (need > max)
		return NULL;
	ncap = *cap == 0 ? 16 : *cap;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((p = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return p;
}

static struct rules_key
rules_key_load(int family, const uint8_t *a)
{
	struct rules_key	 k = { 0, 0 };
	uint32_t		 a4;

	if (family == AF_INET) {
		memcpy(&a4, a, sizeof(a4));
		k.hi = (uint64_t)ntohl(a4) << 32;
	} else {
		memcpy(&k.hi, a, 8);
		memcpy(&k.lo, a + 8, 8);
		k.hi = be64toh(k.hi);
		k.lo = be64toh(k.lo);
	}
	return k;
}

/* The address in network order, 4 or 16 bytes by family. */
static void
rules_key_store(const struct rules_key *k, uint8_t *a)
{
	uint64_t	 hi = htobe64(k->hi), lo = htobe64(k->lo);

	memcpy(a, &hi, 8);
	memcpy(a + 8, &lo, 8);
}

static int
rules_key_cmp(const struct rules_key *a, const struct rules_key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* The prefix's last address. */
static struct rules_key
rules_key_end(const struct rules_key *start, unsigned int len)
{
	struct rules_key	 e = *start;

	if (len < 64) {
		e.hi |= UINT64_MAX >> len;
		e.lo = UINT64_MAX;
	} else if (len < 128)
		e.lo |= UINT64_MAX >> (len - 64);
	return e;
}

/* Adds one; returns 1 when it wrapped past the last address. */
static int
rules_key_inc(struct rules_key *k)
{
	if (++k->lo != 0)
		return 0;
	return ++k->hi == 0;
}

static int
rules_key_in(const struct rules_key *a, const struct rules_key *start,
    unsigned int len)
{
	uint64_t	 mhi, mlo;

	mhi = len == 0 ? 0 : len >= 64 ? UINT64_MAX : UINT64_MAX << (64 - len);
	mlo = len <= 64 ? 0 : UINT64_MAX << (128 - len);
	return ((a->hi ^ start->hi) & mhi) == 0 &&
	    ((a->lo ^ start->lo) & mlo) == 0;
}

/* Returns whether any bit was set, for the host-bits warning. */
static int
rules_mask(uint8_t *a, unsigned int len, unsigned int bits)
{
	unsigned int	 i;
	uint8_t		 m;
	int		 changed = 0;

	for (i = len / 8; i < bits / 8; i++) {
		m = i == len / 8 ? (uint8_t)(0xff00 >> (len % 8)) : 0;
		if (a[i] & (uint8_t)~m)
			changed = 1;
		a[i] &= m;
	}
	return changed;
}

/*
 * Decimal digits only, so "+8", " 8" and "0x8" are refused; no leading
 * zero either, as inet_pton refuses one in an octet.
 */
static int
rules_parse_len(const char *s, unsigned int max, unsigned int *len)
{
	unsigned int	 v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > max)
			return -1;
	}
	*len = v;
	return 0;
}

static int
rules_parse_prefix(const char *text, struct rules_prefix *p, char *err,
    size_t errlen)
{
	static const uint8_t	 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 buf[ADDR_STRLEN];
	const char		*slash;
	size_t			 alen;
	unsigned int		 bits;
	int			 warn = 0;

	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	p->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	bits = p->family == AF_INET ? 32 : 128;
	memset(p->addr, 0, sizeof(p->addr));
	if (inet_pton(p->family, buf, p->addr) != 1)
		goto bad;
	p->len = bits;
	if (slash != NULL && rules_parse_len(slash + 1, bits, &p->len) == -1) {
		snprintf(err, errlen,
		    "bad prefix length in \"%s\": must be 0 to %u", text, bits);
		return -1;
	}
	if (rules_mask(p->addr, p->len, bits)) {
		inet_ntop(p->family, p->addr, buf, sizeof(buf));
		snprintf(err, errlen, "host bits set in \"%s\": using %s/%u",
		    text, buf, p->len);
		warn = 1;
	}
	if (p->family == AF_INET6 && p->len >= 96 &&
	    memcmp(p->addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(p->addr, p->addr + 12, 4);
		memset(p->addr + 4, 0, sizeof(p->addr) - 4);
		p->family = AF_INET;
		p->len -= 96;
	}
	return warn;

 bad:
	snprintf(err, errlen, "bad address \"%s\"", text);
	return -1;
}

/* Room for one more rule; the index must fit the verdict's int. */
static int
rules_reserve(struct rules *rs, char *err, size_t errlen)
{
	struct rules_rule	*r;

	if (rs->nrules >= INT_MAX) {
		snprintf(err, errlen, "too many rules");
		return -1;
	}
	if ((r = rules_grow(rs->rules, &rs->caprules, rs->nrules + 1,
	    sizeof(*rs->rules), INT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->rules = r;
	return 0;
}

/* Room for one more entry in f. */
static int
rules_entry_reserve(struct rules_family *f, char *err, size_t errlen)
{
	struct rules_entry	*e;

	if ((e = rules_grow(f->ent, &f->capent, f->nent + 1, sizeof(*f->ent),
	    INT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->ent = e;
	return 0;
}

/* Appends an entry to a family reserved with rules_entry_reserve. */
static void
rules_entry_add(struct rules_family *f, const struct rules_key *start,
    unsigned int len, uint32_t rule, uint8_t flags)
{
	struct rules_entry	*e = &f->ent[f->nent++];

	e->start = *start;
	e->len = (uint8_t)len;
	e->rule = rule;
	e->flags = flags;
	if (!(flags & RULES_ENT_COND))
		f->nfast++;
}

/* The last step of every rules_add_*: nothing can fail any more. */
static void
rules_append(struct rules *rs, int class_idx, enum rules_action action,
    enum rules_at at, size_t where)
{
	struct rules_rule	*r = &rs->rules[rs->nrules++];

	r->class_idx = class_idx;
	r->action = action;
	r->shadow = RULES_NONE;
	r->at = at;
	r->where = (uint32_t)where;
	rs->compiled = 0;
}

static int
rules_cond_none(const struct rules_cond *c)
{
	return c == NULL || (c->listener == -1 && c->port_min == 0 &&
	    c->port_max >= 65535);
}

/* Room for one more slow rule, filled in but for its matcher. */
static struct rules_slow *
rules_slow_add(struct rules *rs, const struct rules_cond *cond, char *err,
    size_t errlen)
{
	struct rules_slow	*sl;

	if ((sl = rules_grow(rs->slow, &rs->capslow, rs->nslow + 1,
	    sizeof(*rs->slow), INT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rs->slow = sl;
	sl = &rs->slow[rs->nslow];
	memset(sl, 0, sizeof(*sl));
	sl->rule = (uint32_t)rs->nrules;
	sl->cond = cond != NULL ? *cond : RULES_COND_NONE;
	return sl;
}

static void
rules_table_free(struct rules_table *t)
{
	free(t->r4);
	free(t->r6);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

struct rules *
rules_new(int default_class)
{
	struct rules	*rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->default_class = default_class;
	return rs;
}

void
rules_free(struct rules *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nslow; i++)
		pcre2_code_free(rs->slow[i].code);
	free(rs->slow);
	pcre2_match_data_free(rs->md);
	free(rs->v4.ent);
	free(rs->v6.ent);
	rules_table_free(&rs->v4.tab);
	rules_table_free(&rs->v6.tab);
	free(rs->rules);
	free(rs);
}

int
rules_add_address(struct rules *rs, const char *text, int class_idx,
    enum rules_action action, const struct rules_cond *cond, char *err,
    size_t errlen)
{
	struct rules_prefix	 p;
	struct rules_key	 start;
	struct rules_family	*f;
	struct rules_slow	*sl = NULL;
	int			 rc;

	if ((rc = rules_parse_prefix(text, &p, err, errlen)) == -1)
		return -1;
	f = p.family == AF_INET ? &rs->v4 : &rs->v6;
	if (rules_reserve(rs, err, errlen) == -1 ||
	    rules_entry_reserve(f, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond) &&
	    (sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
		return -1;
	start = rules_key_load(p.family, p.addr);
	rules_entry_add(f, &start, p.len, (uint32_t)rs->nrules,
	    sl != NULL ? RULES_ENT_COND : 0);
	if (sl != NULL) {
		sl->family = p.family;
		sl->start = start;
		sl->len = p.len;
		rs->nslow++;
		rules_append(rs, class_idx, action, RULES_AT_SLOW,
		    rs->nslow - 1);
	} else
		rules_append(rs, class_idx, action, p.family == AF_INET ?
		    RULES_AT_V4 : RULES_AT_V6, 0);
	return rc;
}

int
rules_add_any(struct rules *rs, int class_idx, enum rules_action action,
    const struct rules_cond *cond, char *err, size_t errlen)
{
	static const struct rules_key	 zero;
	struct rules_slow		*sl;

	if (rules_reserve(rs, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond)) {
		if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
			return -1;
		sl->any = 1;
		rs->nslow++;
		rules_append(rs, class_idx, action, RULES_AT_SLOW,
		    rs->nslow - 1);
		return 0;
	}
	/* The prefix of length 0 of both families. */
	if (rules_entry_reserve(&rs->v4, err, errlen) == -1 ||
	    rules_entry_reserve(&rs->v6, err, errlen) == -1)
		return -1;
	rules_entry_add(&rs->v4, &zero, 0, (uint32_t)rs->nrules,
	    RULES_ENT_ANY);
	rules_entry_add(&rs->v6, &zero, 0, (uint32_t)rs->nrules,
	    RULES_ENT_ANY);
	rules_append(rs, class_idx, action, RULES_AT_ANY, 0);
	return 0;
}

int
rules_add_regex(struct rules *rs, const char *pattern, int class_idx,
    enum rules_action action, const struct rules_cond *cond, char *err,
    size_t errlen)
{
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 off;
	pcre2_code		*code;
	struct rules_slow	*sl;
	int			 ec;

	if (rules_reserve(rs, err, errlen) == -1)
		return -1;
	if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
		return -1;
	if (rs->md == NULL &&
	    (rs->md = pcre2_match_data_create(1, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &ec,
	    &off, NULL);
	if (code == NULL) {
		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", ec);
		snprintf(err, errlen,
		    "regex does not compile at offset %zu: %s", (size_t)off,
		    (const char *)msg);
		return -1;
	}
	/* Without JIT support pcre2_match interprets the same code. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	sl->code = code;
	rs->nslow++;
	rules_append(rs, class_idx, action, RULES_AT_SLOW, rs->nslow - 1);
	return 0;
}

/* Address order; at one address the shorter prefix, then the earlier. */
static int
rules_entry_cmp(const void *pa, const void *pb)
{
	const struct rules_entry	*a = pa, *b = pb;
	int				 c;

	if ((c = rules_key_cmp(&a->start, &b->start)) != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Range i's start as a key; its top 64 bits pick its bucket. */
static struct rules_key
rules_table_key(const struct rules_table *t, size_t i)
{
	struct rules_key	 k = { 0, 0 };

	if (t->r6 != NULL)
		return t->r6[i].start;
	k.hi = (uint64_t)t->r4[i].start << 32;
	return k;
}

static uint32_t *
rules_table_rule(struct rules_table *t, size_t i)
{
	return t->r6 != NULL ? &t->r6[i].rule : &t->r4[i].rule;
}

/*
 * Starts a range at k, after every range so far.  At the same address
 * as the last one, the new range replaces it: a longer prefix starting
 * there decides.  Next to a range of the same rule, it merges into it.
 */
static void
rules_table_push(struct rules_table *t, const struct rules_key *k,
    uint32_t rule)
{
	struct rules_key	 last;

	if (t->n > 0) {
		last = rules_table_key(t, t->n - 1);
		if (rules_key_cmp(&last, k) == 0)
			t->n--;
	}
	if (t->n > 0 && *rules_table_rule(t, t->n - 1) == rule)
		return;
	if (t->r6 != NULL)
		t->r6[t->n].start = *k;
	else
		t->r4[t->n].start = (uint32_t)(k->hi >> 32);
	*rules_table_rule(t, t->n++) = rule;
}

/*
 * The ranges, by a sweep over the entries in address order with a stack
 * of the open prefixes, each nested in the one below; each stack level
 * keeps the lowest index from the bottom up to it, which is the first
 * match inside it and what rules_shadowed reports.  A prefix opens a
 * range at its start and, when closed, gives the addresses after its end
 * back to the level below.  A repeated prefix changes nothing, so the
 * stack holds one prefix per length at most.
 */
static void
rules_table_sweep(struct rules *rs, struct rules_family *f)
{
	struct {
		struct rules_key end;
		uint32_t	 min;
		unsigned int	 len;
	}			 st[RULES_DEPTH];
	static const struct rules_key	 zero;
	struct rules_table	*t = &f->tab;
	const struct rules_entry *e;
	struct rules_key	 next;
	size_t			 i, depth = 0;
	uint32_t		 cover;

	rules_table_push(t, &zero, RULES_NONE);
	for (i = 0; i < f->nent; i++) {
		e = &f->ent[i];
		while (depth > 0 &&
		    rules_key_cmp(&st[depth - 1].end, &e->start) < 0) {
			next = st[--depth].end;
			rules_key_inc(&next);
			rules_table_push(t, &next,
			    depth > 0 ? st[depth - 1].min : RULES_NONE);
		}
		cover = depth > 0 ? st[depth - 1].min : RULES_NONE;
		if (!(e->flags & RULES_ENT_ANY))
			rs->rules[e->rule].shadow =
			    cover < e->rule ? cover : RULES_NONE;
		if (e->flags & RULES_ENT_COND ||
		    (depth > 0 && st[depth - 1].len == e->len))
			continue;
		st[depth].end = rules_key_end(&e->start, e->len);
		st[depth].min = cover < e->rule ? cover : e->rule;
		st[depth].len = e->len;
		rules_table_push(t, &e->start, st[depth++].min);
	}
	/* Those ending at the last address end every one below too. */
	while (depth > 0) {
		next = st[--depth].end;
		if (rules_key_inc(&next))
			break;
		rules_table_push(t, &next,
		    depth > 0 ? st[depth - 1].min : RULES_NONE);
	}
}

static size_t
rules_table_bucket(const struct rules_table *t, uint64_t top)
{
	size_t	 b;

	b = top < t->base ? 0 : (top - t->base) >> t->shift;
	return b < t->last ? b : t->last;
}

/*
 * The index: enough buckets for about RULES_BUCKET ranges each, up to
 * RULES_INDEXBITS bits, over the span from the first range after address
 * 0 to the last.  index[b] is the last range of the buckets before b,
 * which starts before every address of b (range 0 for bucket 0), and
 * index[b + 1] the last range of b: the answer lies between them.
 */
static int
rules_table_index(struct rules_table *t)
{
	struct rules_key	 k;
	uint64_t		 span;
	unsigned int		 bits;
	size_t			 b, j;

	for (bits = 1; bits < RULES_INDEXBITS && t->n >> bits > RULES_BUCKET;
	    bits++)
		;
	t->last = ((size_t)1 << bits) - 1;
	if ((t->index = calloc(t->last + 2, sizeof(*t->index))) == NULL)
		return -1;
	t->base = t->n > 1 ? rules_table_key(t, 1).hi : 0;
	span = rules_table_key(t, t->n - 1).hi - t->base;
	for (t->shift = 0; span >> t->shift > t->last; t->shift++)
		;
	for (b = 1, j = 0; b <= t->last + 1; b++) {
		while (j + 1 < t->n && (k = rules_table_key(t, j + 1),
		    rules_table_bucket(t, k.hi) < b))
			j++;
		t->index[b] = (uint32_t)j;
	}
	return 0;
}

static int
rules_table_build(struct rules *rs, struct rules_family *f, int v6)
{
	struct rules_table	*t = &f->tab;
	size_t			 cap = 2 * f->nfast + 1, i;
	void			*p;

	if (f->nent > 0)
		qsort(f->ent, f->nent, sizeof(*f->ent), rules_entry_cmp);
	/* An unconditional address rule has one entry, found here. */
	for (i = 0; i < f->nent; i++)
		if (!(f->ent[i].flags & (RULES_ENT_COND | RULES_ENT_ANY)))
			rs->rules[f->ent[i].rule].where = (uint32_t)i;
	/* Each prefix opens one range and gives one back. */
	if ((v6 && (t->r6 = calloc(cap, sizeof(*t->r6))) == NULL) ||
	    (!v6 && (t->r4 = calloc(cap, sizeof(*t->r4))) == NULL))
		return -1;
	rules_table_sweep(rs, f);
	/* Merging leaves room over: give it back. */
	if (v6 && (p = realloc(t->r6, t->n * sizeof(*t->r6))) != NULL)
		t->r6 = p;
	if (!v6 && (p = realloc(t->r4, t->n * sizeof(*t->r4))) != NULL)
		t->r4 = p;
	return rules_table_index(t);
}

int
rules_compile(struct rules *rs, char *err, size_t errlen)
{
	rs->compiled = 0;
	rules_table_free(&rs->v4.tab);
	rules_table_free(&rs->v6.tab);
	if (rules_table_build(rs, &rs->v4, 0) == -1 ||
	    rules_table_build(rs, &rs->v6, 1) == -1) {
		rules_table_free(&rs->v4.tab);
		rules_table_free(&rs->v6.tab);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->compiled = 1;
	return 0;
}

size_t
rules_count(const struct rules *rs)
{
	return rs->nrules;
}

int
rules_shadowed(const struct rules *rs, size_t rule)
{
	if (rule >= rs->nrules || rs->rules[rule].shadow == RULES_NONE)
		return -1;
	return (int)rs->rules[rule].shadow;
}

int
rules_get(const struct rules *rs, size_t rule, struct rules_info *ri)
{
	const struct rules_rule	*r;
	const struct rules_slow	*sl;
	const struct rules_entry *e;

	if (!rs->compiled || rule >= rs->nrules)
		return -1;
	r = &rs->rules[rule];
	memset(ri, 0, sizeof(*ri));
	ri->class_idx = r->class_idx;
	ri->action = r->action;
	ri->cond = RULES_COND_NONE;
	switch (r->at) {
	case RULES_AT_V4:
	case RULES_AT_V6:
		e = r->at == RULES_AT_V4 ? &rs->v4.ent[r->where] :
		    &rs->v6.ent[r->where];
		ri->kind = RULES_KIND_ADDRESS;
		ri->family = r->at == RULES_AT_V4 ? AF_INET : AF_INET6;
		rules_key_store(&e->start, ri->addr);
		ri->len = e->len;
		break;
	case RULES_AT_SLOW:
		sl = &rs->slow[r->where];
		ri->cond = sl->cond;
		if (sl->code != NULL)
			ri->kind = RULES_KIND_REGEX;
		else if (sl->any)
			ri->kind = RULES_KIND_ANY;
		else {
			ri->kind = RULES_KIND_ADDRESS;
			ri->family = sl->family;
			rules_key_store(&sl->start, ri->addr);
			ri->len = sl->len;
		}
		break;
	case RULES_AT_ANY:
		ri->kind = RULES_KIND_ANY;
		break;
	}
	return 0;
}

/* The last range starting at or before a, by branch-free halving. */
static uint32_t
rules_table_find4(const struct rules_table *t, uint32_t a)
{
	const struct rules_range4	*r = t->r4;
	size_t				 b, base, n, half;

	b = rules_table_bucket(t, (uint64_t)a << 32);
	base = t->index[b];
	n = t->index[b + 1] - base + 1;
	while (n > 1) {
		half = n / 2;
		base = r[base + half].start <= a ? base + half : base;
		n -= half;
	}
	return r[base].rule;
}

static uint32_t
rules_table_find6(const struct rules_table *t, const struct rules_key *a)
{
	const struct rules_range6	*r = t->r6;
	const struct rules_key		*k;
	size_t				 b, base, n, half;

	b = rules_table_bucket(t, a->hi);
	base = t->index[b];
	n = t->index[b + 1] - base + 1;
	while (n > 1) {
		half = n / 2;
		k = &r[base + half].start;
		base = k->hi < a->hi || (k->hi == a->hi && k->lo <= a->lo) ?
		    base + half : base;
		n -= half;
	}
	return r[base].rule;
}

static int
rules_cond_holds(const struct rules_cond *c, int listener, unsigned port)
{
	return (c->listener == -1 || c->listener == listener) &&
	    port >= c->port_min && port <= c->port_max;
}

/*
 * The slow rules before best, in order: the first whose conditions hold
 * and whose prefix, regex or nothing matches the peer wins.
 */
static uint32_t
rules_slow_match(struct rules *rs, int family, const struct rules_key *k,
    unsigned int port, int listener, uint32_t best)
{
	const struct rules_slow	*sl;
	_Alignas(32) char	 text[RULES_TEXTLEN];
	uint8_t			 a[16];
	size_t			 i;

	text[0] = '\0';
	for (i = 0; i < rs->nslow && rs->slow[i].rule < best; i++) {
		sl = &rs->slow[i];
		if (!rules_cond_holds(&sl->cond, listener, port))
			continue;
		if (sl->code == NULL) {
			if (sl->any || (sl->family == family &&
			    rules_key_in(k, &sl->start, sl->len)))
				return sl->rule;
			continue;
		}
		if (text[0] == '\0') {
			/*
			 * The JIT reads the subject in aligned vector words,
			 * on both sides of it: an aligned, zeroed buffer keeps
			 * those reads in initialised memory, as valgrind wants.
			 * The buffer is large enough for inet_ntop not to fail.
			 */
			memset(text, 0, sizeof(text));
			rules_key_store(k, a);
			inet_ntop(family, a, text, sizeof(text));
		}
		/*
		 * A match-time error (a resource limit) on a 45-byte subject
		 * needs a pathological pattern; it counts as no match, as a
		 * pure library has no way to report it per lookup.
		 */
		if (pcre2_match(sl->code, (PCRE2_SPTR)text,
		    PCRE2_ZERO_TERMINATED, 0, 0, rs->md, NULL) >= 0)
			return sl->rule;
	}
	return best;
}

void
rules_match(struct rules *rs, const struct sockaddr *peer, int listener,
    struct rules_verdict *v)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const struct rules_rule		*r;
	struct rules_key		 k;
	uint32_t			 best;
	in_port_t			 port;
	int				 family;

	/* A broken contract, not a peer to let through by default. */
	if (!rs->compiled)
		abort();
	v->entry = -1;
	v->class_idx = rs->default_class;
	v->action = RULES_ROUTE;
	if (peer == NULL)
		return;
	switch (peer->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)peer;
		family = AF_INET;
		k = rules_key_load(AF_INET, (const uint8_t *)&sin->sin_addr);
		port = sin->sin_port;
		break;
	case AF_INET6:
		/* An IPv4-mapped peer is matched as the IPv4 it maps. */
		sin6 = (const struct sockaddr_in6 *)(const void *)peer;
		family = IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ?
		    AF_INET : AF_INET6;
		k = rules_key_load(family, family == AF_INET ?
		    &sin6->sin6_addr.s6_addr[12] : sin6->sin6_addr.s6_addr);
		port = sin6->sin6_port;
		break;
	default:
		return;
	}
	if (family == AF_INET)
		best = rules_table_find4(&rs->v4.tab, (uint32_t)(k.hi >> 32));
	else
		best = rules_table_find6(&rs->v6.tab, &k);
	if (rs->nslow > 0 && rs->slow[0].rule < best)
		best = rules_slow_match(rs, family, &k, ntohs(port), listener,
		    best);
	if (best == RULES_NONE)
		return;
	r = &rs->rules[best];
	v->entry = (int)best;
	v->class_idx = r->class_idx;
	v->action = r->action;
}

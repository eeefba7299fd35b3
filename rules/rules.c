/* rules: the ruleset, built entry by entry, and what it tells of them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rules_int.h"

struct rules_prefix {
	int		 family;
	uint8_t		 addr[16];
	unsigned int	 len;
};

/*
 * Makes room for need elements of size bytes, doubling so that appending
 * n entries costs O(n).  max bounds the count (indices are 32-bit).
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

/* Room for one more entry; its index must fit the verdict's int. */
static int
rules_entry_reserve(struct rules *rs, char *err, size_t errlen)
{
	struct rules_entry	*e;

	if (rs->nentries >= INT_MAX) {
		snprintf(err, errlen, "too many rules");
		return -1;
	}
	if ((e = rules_grow(rs->entries, &rs->capentries, rs->nentries + 1,
	    sizeof(*rs->entries), INT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->entries = e;
	return 0;
}

/* Room for one more range in f. */
static int
rules_range_reserve(struct rules_family *f, char *err, size_t errlen)
{
	struct rules_range	*r;

	if ((r = rules_grow(f->range, &f->caprange, f->nrange + 1,
	    sizeof(*f->range), INT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->range = r;
	return 0;
}

/* Appends a range to a family reserved with rules_range_reserve. */
static void
rules_range_add(struct rules_family *f, const struct rules_key *start,
    unsigned int len, uint32_t entry, uint8_t flags)
{
	struct rules_range	*r = &f->range[f->nrange++];

	r->start = *start;
	r->len = (uint8_t)len;
	r->entry = entry;
	r->flags = flags;
	if (!(flags & RULES_RANGE_COND))
		f->nfast++;
}

/* The last step of every rules_add_*: nothing can fail any more. */
static void
rules_entry_append(struct rules *rs, int class_idx, enum rules_action action,
    enum rules_at at, size_t where)
{
	struct rules_entry	*e = &rs->entries[rs->nentries++];

	e->class_idx = class_idx;
	e->action = action;
	e->shadow = RULES_NONE;
	e->at = at;
	e->where = (uint32_t)where;
	rs->compiled = 0;
}

static int
rules_cond_none(const struct rules_cond *c)
{
	return c == NULL || (c->listener == -1 && c->port_min == 0 &&
	    c->port_max >= 65535);
}

/* Room for one more slow entry, filled in but for its matcher. */
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
	sl->entry = (uint32_t)rs->nentries;
	sl->cond = cond != NULL ? *cond : RULES_COND_NONE;
	return sl;
}

struct rules *
rules_new(int default_class)
{
	struct rules	*rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	pthread_mutex_init(&rs->md_lock, NULL);
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
	pcre2_match_context_free(rs->mctx);
	free(rs->v4.range);
	free(rs->v6.range);
	rules_table_free(&rs->v4.tab);
	rules_table_free(&rs->v6.tab);
	free(rs->entries);
	pthread_mutex_destroy(&rs->md_lock);
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
	if (rules_entry_reserve(rs, err, errlen) == -1 ||
	    rules_range_reserve(f, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond) &&
	    (sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
		return -1;
	start = rules_key_load(p.family, p.addr);
	rules_range_add(f, &start, p.len, (uint32_t)rs->nentries,
	    sl != NULL ? RULES_RANGE_COND : 0);
	if (sl != NULL) {
		sl->family = p.family;
		sl->start = start;
		sl->len = p.len;
		rs->nslow++;
		rules_entry_append(rs, class_idx, action, RULES_AT_SLOW,
		    rs->nslow - 1);
	} else
		rules_entry_append(rs, class_idx, action, p.family == AF_INET ?
		    RULES_AT_V4 : RULES_AT_V6, 0);
	return rc;
}

int
rules_add_any(struct rules *rs, int class_idx, enum rules_action action,
    const struct rules_cond *cond, char *err, size_t errlen)
{
	static const struct rules_key	 zero;
	struct rules_slow		*sl;

	if (rules_entry_reserve(rs, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond)) {
		if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
			return -1;
		sl->any = 1;
		rs->nslow++;
		rules_entry_append(rs, class_idx, action, RULES_AT_SLOW,
		    rs->nslow - 1);
		return 0;
	}
	/* The prefix of length 0 of both families. */
	if (rules_range_reserve(&rs->v4, err, errlen) == -1 ||
	    rules_range_reserve(&rs->v6, err, errlen) == -1)
		return -1;
	rules_range_add(&rs->v4, &zero, 0, (uint32_t)rs->nentries,
	    RULES_RANGE_ANY);
	rules_range_add(&rs->v6, &zero, 0, (uint32_t)rs->nentries,
	    RULES_RANGE_ANY);
	rules_entry_append(rs, class_idx, action, RULES_AT_ANY, 0);
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

	if (rules_entry_reserve(rs, err, errlen) == -1)
		return -1;
	if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
		return -1;
	if (rs->md == NULL &&
	    (rs->md = pcre2_match_data_create(1, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rs->mctx == NULL) {
		if ((rs->mctx = pcre2_match_context_create(NULL)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		(void)pcre2_set_match_limit(rs->mctx, RULES_MATCH_LIMIT);
		(void)pcre2_set_depth_limit(rs->mctx, RULES_DEPTH_LIMIT);
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
	rules_entry_append(rs, class_idx, action, RULES_AT_SLOW, rs->nslow - 1);
	return 0;
}

size_t
rules_count(const struct rules *rs)
{
	return rs->nentries;
}

int
rules_shadowed(const struct rules *rs, size_t entry)
{
	if (entry >= rs->nentries || rs->entries[entry].shadow == RULES_NONE)
		return -1;
	return (int)rs->entries[entry].shadow;
}

int
rules_get(const struct rules *rs, size_t entry, struct rules_entry_info *ei)
{
	const struct rules_entry	*e;
	const struct rules_slow		*sl;
	const struct rules_range	*r;

	if (!rs->compiled || entry >= rs->nentries)
		return -1;
	e = &rs->entries[entry];
	memset(ei, 0, sizeof(*ei));
	ei->class_idx = e->class_idx;
	ei->action = e->action;
	ei->cond = RULES_COND_NONE;
	switch (e->at) {
	case RULES_AT_V4:
	case RULES_AT_V6:
		r = e->at == RULES_AT_V4 ? &rs->v4.range[e->where] :
		    &rs->v6.range[e->where];
		ei->kind = RULES_KIND_ADDRESS;
		ei->family = e->at == RULES_AT_V4 ? AF_INET : AF_INET6;
		rules_key_store(&r->start, ei->addr);
		ei->len = r->len;
		break;
	case RULES_AT_SLOW:
		sl = &rs->slow[e->where];
		ei->cond = sl->cond;
		if (sl->code != NULL)
			ei->kind = RULES_KIND_REGEX;
		else if (sl->any)
			ei->kind = RULES_KIND_ANY;
		else {
			ei->kind = RULES_KIND_ADDRESS;
			ei->family = sl->family;
			rules_key_store(&sl->start, ei->addr);
			ei->len = sl->len;
		}
		break;
	case RULES_AT_ANY:
		ei->kind = RULES_KIND_ANY;
		break;
	}
	return 0;
}

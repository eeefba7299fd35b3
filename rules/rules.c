/* rules: the compiled ruleset and the matcher. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

_Static_assert(RULES_TEXTLEN >= ADDR_STRLEN, "peer text buffer too small");

struct rules_prefix {
	int		 family;
	uint8_t		 addr[16];
	unsigned int	 len;
};

struct rules_rule {
	int		  class_idx;
	enum rules_action action;
	int		  has_prefix;	/* an address rule, for rules_shadowed */
	struct rules_prefix prefix;
};

/*
 * Child 0 means "none": the root is index 0 and is never anyone's child.
 * Indices rather than pointers, so that growing the array moves nothing.
 */
struct rules_node {
	uint32_t	 child[2];
	uint32_t	 rule;		/* lowest index of a rule ending here */
};

struct rules_trie {
	struct rules_node	*nodes;
	size_t			 len;
	size_t			 cap;
};

/*
 * A rule the trie cannot answer alone: a regex, or a rule with conditions.
 * These are tried in order, and only while they come before the trie's
 * answer.
 */
struct rules_slow {
	uint32_t		 rule;
	pcre2_code		*code;		/* a regex, or NULL */
	int			 any;		/* no address to match */
	struct rules_prefix	 prefix;	/* when neither */
	struct rules_cond	 cond;
};

struct rules {
	struct rules_rule	*rules;
	size_t			 nrules;
	size_t			 caprules;
	struct rules_trie	 v4;
	struct rules_trie	 v6;
	struct rules_slow	*slow;		/* in rule order */
	size_t			 nslow;
	size_t			 capslow;
	pcre2_match_data	*md;
	int			 default_class;
};

/*
 * Makes room for need elements of size bytes, doubling so that appending
 * n rules costs O(n).  max bounds the count (the trie's indices are 32-bit).
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

static unsigned int
rules_bit(const uint8_t *a, unsigned int i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

static int
rules_trie_insert(struct rules_trie *t, const uint8_t *a, unsigned int len,
    uint32_t rule)
{
	struct rules_node	*n;
	uint32_t		 cur, next;
	unsigned int		 i, b;

	/* Reserve the whole path first: a failure leaves no half-insert. */
	if ((n = rules_grow(t->nodes, &t->cap, t->len + len + 1,
	    sizeof(*t->nodes), RULES_NONE)) == NULL)
		return -1;
	t->nodes = n;
	if (t->len == 0) {
		memset(&t->nodes[0], 0, sizeof(t->nodes[0]));
		t->nodes[0].rule = RULES_NONE;
		t->len = 1;
	}
	cur = 0;
	for (i = 0; i < len; i++) {
		b = rules_bit(a, i);
		if ((next = t->nodes[cur].child[b]) == 0) {
			next = (uint32_t)t->len++;
			n = &t->nodes[next];
			n->child[0] = n->child[1] = 0;
			n->rule = RULES_NONE;
			t->nodes[cur].child[b] = next;
		}
		cur = next;
	}
	if (rule < t->nodes[cur].rule)
		t->nodes[cur].rule = rule;
	return 0;
}

/* Every node on the path is a prefix of a; the lowest index among them wins. */
static uint32_t
rules_trie_lookup(const struct rules_trie *t, const uint8_t *a,
    unsigned int bits)
{
	uint32_t	 cur, best;
	unsigned int	 i;

	if (t->len == 0)
		return RULES_NONE;
	best = t->nodes[0].rule;
	cur = 0;
	for (i = 0; i < bits; i++) {
		if ((cur = t->nodes[cur].child[rules_bit(a, i)]) == 0)
			break;
		if (t->nodes[cur].rule < best)
			best = t->nodes[cur].rule;
	}
	return best;
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

static void
rules_append(struct rules *rs, int class_idx, enum rules_action action,
    const struct rules_prefix *p)
{
	struct rules_rule	*r = &rs->rules[rs->nrules++];

	r->class_idx = class_idx;
	r->action = action;
	r->has_prefix = p != NULL;
	if (p != NULL)
		r->prefix = *p;
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
	free(rs->v4.nodes);
	free(rs->v6.nodes);
	free(rs->rules);
	free(rs);
}

int
rules_add_address(struct rules *rs, const char *text, int class_idx,
    enum rules_action action, const struct rules_cond *cond, char *err,
    size_t errlen)
{
	struct rules_prefix	 p;
	struct rules_slow	*sl;
	struct rules_trie	*t;
	int			 rc;

	if ((rc = rules_parse_prefix(text, &p, err, errlen)) == -1)
		return -1;
	if (rules_reserve(rs, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond)) {
		if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
			return -1;
		sl->prefix = p;
		rs->nslow++;
	} else {
		t = p.family == AF_INET ? &rs->v4 : &rs->v6;
		if (rules_trie_insert(t, p.addr, p.len,
		    (uint32_t)rs->nrules) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	rules_append(rs, class_idx, action, &p);
	return rc;
}

int
rules_add_any(struct rules *rs, int class_idx, enum rules_action action,
    const struct rules_cond *cond, char *err, size_t errlen)
{
	static const uint8_t	 zero[16];
	struct rules_slow	*sl;

	if (rules_reserve(rs, err, errlen) == -1)
		return -1;
	if (!rules_cond_none(cond)) {
		if ((sl = rules_slow_add(rs, cond, err, errlen)) == NULL)
			return -1;
		sl->any = 1;
		rs->nslow++;
	} else if (rules_trie_insert(&rs->v4, zero, 0,
	    (uint32_t)rs->nrules) == -1 ||
	    rules_trie_insert(&rs->v6, zero, 0, (uint32_t)rs->nrules) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rules_append(rs, class_idx, action, NULL);
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
	rules_append(rs, class_idx, action, NULL);
	return 0;
}

int
rules_compile(struct rules *rs, char *err, size_t errlen)
{
	(void)rs;
	(void)err;
	(void)errlen;
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
	const struct rules_rule	*r;
	uint32_t		 best;

	if (rule >= rs->nrules || !(r = &rs->rules[rule])->has_prefix)
		return -1;
	/* The lowest index on the path down to its prefix covers it. */
	best = rules_trie_lookup(r->prefix.family == AF_INET ? &rs->v4 :
	    &rs->v6, r->prefix.addr, r->prefix.len);
	return best < rule ? (int)best : -1;
}

static int
rules_prefix_has(const struct rules_prefix *p, int family, const uint8_t *a)
{
	unsigned int	 full = p->len / 8, rest = p->len % 8;

	if (p->family != family || memcmp(p->addr, a, full) != 0)
		return 0;
	return rest == 0 ||
	    ((p->addr[full] ^ a[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

static int
rules_cond_holds(const struct rules_cond *c, int listener, unsigned port)
{
	return (c->listener == -1 || c->listener == listener) &&
	    port >= c->port_min && port <= c->port_max;
}

void
rules_match(struct rules *rs, const struct sockaddr *peer, int listener,
    struct rules_verdict *v)
{
	struct sockaddr_storage	 ss;
	const struct rules_trie	*t;
	const uint8_t		*a;
	const struct rules_rule	*r;
	const struct rules_slow	*sl;
	_Alignas(32) char	 text[RULES_TEXTLEN];
	uint32_t		 best;
	unsigned int		 bits, port;
	size_t			 i;
	int			 rc;

	v->rule = -1;
	v->class_idx = rs->default_class;
	v->action = RULES_ROUTE;
	if (peer == NULL)
		return;
	switch (peer->sa_family) {
	case AF_INET:
		memcpy(&ss, peer, sizeof(struct sockaddr_in));
		break;
	case AF_INET6:
		memcpy(&ss, peer, sizeof(struct sockaddr_in6));
		addr_unmap(&ss);
		break;
	default:
		return;
	}
	if (ss.ss_family == AF_INET) {
		t = &rs->v4;
		a = (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr;
		bits = 32;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		t = &rs->v6;
		a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		bits = 128;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	best = rules_trie_lookup(t, a, bits);

	/* The slow rules: only those that can beat the trie are tried. */
	text[0] = '\0';
	for (i = 0; i < rs->nslow && rs->slow[i].rule < best; i++) {
		sl = &rs->slow[i];
		if (!rules_cond_holds(&sl->cond, listener, port))
			continue;
		if (sl->any || (sl->code == NULL &&
		    rules_prefix_has(&sl->prefix, ss.ss_family, a))) {
			best = sl->rule;
			break;
		}
		if (sl->code == NULL)
			continue;
		if (text[0] == '\0') {
			/*
			 * The JIT reads the subject in aligned vector words,
			 * on both sides of it: an aligned, zeroed buffer keeps
			 * those reads in initialised memory, as valgrind wants.
			 */
			memset(text, 0, sizeof(text));
			if (addr_ntop((struct sockaddr *)&ss, text,
			    sizeof(text)) == NULL)
				break;
		}
		/*
		 * A match-time error (a resource limit) on a 45-byte subject
		 * needs a pathological pattern; it counts as no match, as a
		 * pure library has no way to report it per lookup.
		 */
		rc = pcre2_match(sl->code, (PCRE2_SPTR)text,
		    PCRE2_ZERO_TERMINATED, 0, 0, rs->md, NULL);
		if (rc >= 0) {
			best = sl->rule;
			break;
		}
	}
	if (best == RULES_NONE)
		return;
	r = &rs->rules[best];
	v->rule = (int)best;
	v->class_idx = r->class_idx;
	v->action = r->action;
}

/* rules_match: the lookup, in the ranges and then in the slow entries. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rules_int.h"

#define RULES_TEXTLEN	64		/* peer text: whole vector words */

_Static_assert(RULES_TEXTLEN >= ADDR_STRLEN, "peer text buffer too small");

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
	return r[base].entry;
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
	return r[base].entry;
}

static int
rules_cond_holds(const struct rules_cond *c, int listener, unsigned port)
{
	return (c->listener == -1 || c->listener == listener) &&
	    port >= c->port_min && port <= c->port_max;
}

/*
 * The slow entries before best, in order: the first whose conditions hold
 * and whose prefix, regex or nothing matches the peer wins, and so does a
 * regex whose match fails with an error, set in *error.
 */
static uint32_t
rules_slow_match(struct rules *rs, int family, const struct rules_key *k,
    unsigned int port, int listener, uint32_t best, int *error)
{
	const struct rules_slow	*sl;
	_Alignas(32) char	 text[RULES_TEXTLEN];
	uint8_t			 a[16];
	size_t			 i;
	int			 rc;

	text[0] = '\0';
	for (i = 0; i < rs->nslow && rs->slow[i].entry < best; i++) {
		sl = &rs->slow[i];
		if (!rules_cond_holds(&sl->cond, listener, port))
			continue;
		if (sl->code == NULL) {
			if (sl->any || (sl->family == family &&
			    rules_key_in(k, &sl->start, sl->len)))
				return sl->entry;
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
		pthread_mutex_lock(&rs->md_lock);
		rc = pcre2_match(sl->code, (PCRE2_SPTR)text,
		    PCRE2_ZERO_TERMINATED, 0, 0, rs->md, rs->mctx);
		pthread_mutex_unlock(&rs->md_lock);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		/* A limit hit: the entry could not say, so it decides. */
		if (rc < 0)
			*error = rc;
		return sl->entry;
	}
	return best;
}

void
rules_match(struct rules *rs, const struct sockaddr *peer, int listener,
    struct rules_verdict *v)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const struct rules_entry	*e;
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
	v->error = 0;
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
	if (rs->nslow > 0 && rs->slow[0].entry < best)
		best = rules_slow_match(rs, family, &k, ntohs(port), listener,
		    best, &v->error);
	if (best == RULES_NONE)
		return;
	e = &rs->entries[best];
	v->entry = (int)best;
	v->class_idx = e->class_idx;
	v->action = v->error != 0 ? RULES_DENY : e->action;
}

const char *
rules_error_text(int error, char *buf, size_t len)
{
	if (len > 0 &&
	    pcre2_get_error_message(error, (PCRE2_UCHAR *)buf, len) < 0)
		snprintf(buf, len, "PCRE2 error %d", error);
	return buf;
}

/*
 * refmatch: the reference that the rules library is checked against, by
 * the unit tests, the fuzzers and the benchmark.  A first-match scan of
 * the entries in order, written to be plainly right, not fast: what
 * rules_match and rules_shadowed must answer for the same entries.
 */
#ifndef REFMATCH_H
#define REFMATCH_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "rules.h"

enum refmatch_kind {
	REFMATCH_ADDRESS,	/* a prefix */
	REFMATCH_REGEX,		/* a literal, anchored as anchor says */
	REFMATCH_ANY,		/* conditions alone */
};

/* What the regex of a REFMATCH_REGEX entry asks of the peer's text. */
enum refmatch_anchor {
	REFMATCH_START,		/* ^lit */
	REFMATCH_END,		/* lit$ */
	REFMATCH_WHOLE,		/* ^lit$ */
	REFMATCH_INSIDE,	/* lit */
};

/* An entry as the reference sees it. */
struct refmatch_entry {
	enum refmatch_kind	 kind;
	struct rules_cond	 cond;
	int			 family;	/* after unmapping ::ffff:0:0/96 */
	uint8_t			 addr[16];	/* host bits clear */
	unsigned int		 len;
	char			 lit[ADDR_STRLEN];
	enum refmatch_anchor	 anchor;
	int			 class_idx;
	enum rules_action	 action;
};

/*
 * Whether a lies in the prefix p/len, both of one family.  Inline, as the
 * benchmark times a scan of it against rules_match.
 */
static inline int
refmatch_prefix_has(const uint8_t *p, unsigned int len, const uint8_t *a)
{
	unsigned int	 full = len / 8, rest = len % 8;

	if (memcmp(a, p, full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ p[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* Clears the bits of a from len up to bits; returns whether any was set. */
int	 refmatch_mask(uint8_t *a, unsigned int len, unsigned int bits);

/*
 * The index of the first entry that matches a peer of family at a (4 or
 * 16 bytes), from port, arriving on listener; -1 for none.  An IPv6 peer
 * inside ::ffff:0:0/96 is matched as the IPv4 address it maps.
 */
int	 refmatch_first(const struct refmatch_entry *, size_t n, int family,
	    const uint8_t *a, int listener, unsigned int port);

/* What rules_shadowed must answer for entry i: a plain search before it. */
int	 refmatch_shadowed(const struct refmatch_entry *, size_t i);

/*
 * The peer as a socket address: an IPv4 peer as AF_INET, or with mapped
 * as ::ffff:a.b.c.d on AF_INET6, as a dual-stack listener sees it.
 */
void	 refmatch_sockaddr(struct sockaddr_storage *, int family,
	    const uint8_t *a, unsigned int port, int mapped);

#endif

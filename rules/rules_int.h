/*
 * rules_int.h: what the files of the rules library share, and no one else
 * sees: the ruleset's structs, and the small helpers that more than one
 * file uses, inline so that the lookup calls nothing on its fast path.
 */
#ifndef RULES_INT_H
#define RULES_INT_H

#include <arpa/inet.h>
#include <sys/socket.h>

#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules.h"

#define RULES_NONE	UINT32_MAX	/* no entry: above every real index */

/*
 * An address as a 128-bit number, IPv4 in the top 32 bits: a prefix of
 * either family is then its top len bits, and one sweep serves both.
 */
struct rules_key {
	uint64_t	 hi;
	uint64_t	 lo;
};

/* Where rules_get finds an entry's address, prefix or conditions. */
enum rules_at {
	RULES_AT_V4,		/* v4.range[where], once compiled */
	RULES_AT_V6,		/* v6.range[where], once compiled */
	RULES_AT_SLOW,		/* slow[where] */
	RULES_AT_ANY,		/* nowhere: an unconditional any entry */
};

/* An entry of the ruleset, at its index. */
struct rules_entry {
	int		  class_idx;
	enum rules_action action;
	uint32_t	  shadow;	/* rules_shadowed, set by compile */
	uint32_t	  where;
	enum rules_at	  at;
};

/*
 * The address range of an address entry, or of an unconditional any
 * entry (the prefix of length 0 of both families), as compile sees it.
 */
struct rules_range {
	struct rules_key start;
	uint32_t	 entry;
	uint8_t		 len;
	uint8_t		 flags;
};
/*
 * A conditional entry may not match, so it covers no other entry; it may
 * still be shadowed.  An any entry covers, but is never reported.
 */
#define RULES_RANGE_COND	0x01
#define RULES_RANGE_ANY		0x02

struct rules_range4 {
	uint32_t	 start;		/* host order */
	uint32_t	 entry;
};

struct rules_range6 {
	struct rules_key start;
	uint32_t	 entry;
};

/*
 * The first match over the unconditional entries of one family,
 * flattened: it is constant between prefix boundaries, so it is kept as
 * ranges in address order, each with the lowest index among the entries
 * covering it (RULES_NONE for none); range 0 starts at address 0, and
 * neighbours with the same index are merged.  A range's start and index
 * share a cache line.  A lookup is a binary search narrowed by an index:
 * the address's top 64 bits, less base, shifted, pick a bucket b (clamped
 * to the first and the last), and the answer lies between ranges
 * index[b] and index[b + 1].  base and shift spread the buckets over the
 * span the ranges use, not over the whole family (IPv6 entries sit in
 * 2000::/3), and with a few ranges a bucket a lookup is a step or two in
 * a cache line or two, where a binary trie chases up to 32 or 128
 * pointers.
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
	struct rules_range	*range;	/* in entry order until compiled */
	size_t			 nrange;
	size_t			 caprange;
	size_t			 nfast;	/* the unconditional ones */
	struct rules_table	 tab;
};

/*
 * An entry the table cannot answer alone: a regex, or an entry with
 * conditions.  These are tried in order, and only while they come before
 * the table's answer.
 */
struct rules_slow {
	uint32_t		 entry;
	pcre2_code		*code;		/* a regex, or NULL */
	int			 any;		/* no address to match */
	int			 family;	/* when neither */
	struct rules_key	 start;
	unsigned int		 len;
	struct rules_cond	 cond;
};

struct rules {
	struct rules_entry	*entries;
	size_t			 nentries;
	size_t			 capentries;
	struct rules_family	 v4;
	struct rules_family	 v6;
	struct rules_slow	*slow;		/* in entry order */
	size_t			 nslow;
	size_t			 capslow;
	/*
	 * One match data, which pcre2_match writes (its frames too): threads
	 * that match at once (the dispatcher's shards) take turns with it.
	 */
	pthread_mutex_t		 md_lock;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;		/* the RULES_*_LIMITs */
	int			 default_class;
	int			 compiled;	/* no entry added since */
};

static inline struct rules_key
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
static inline void
rules_key_store(const struct rules_key *k, uint8_t *a)
{
	uint64_t	 hi = htobe64(k->hi), lo = htobe64(k->lo);

	memcpy(a, &hi, 8);
	memcpy(a + 8, &lo, 8);
}

/* The index bucket of an address whose top 64 bits are top. */
static inline size_t
rules_table_bucket(const struct rules_table *t, uint64_t top)
{
	size_t	 b;

	b = top < t->base ? 0 : (top - t->base) >> t->shift;
	return b < t->last ? b : t->last;
}

/* rules_table.c */
void	 rules_table_free(struct rules_table *);

#endif

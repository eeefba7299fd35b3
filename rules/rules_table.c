/*
 * rules_table: rules_compile, which flattens the unconditional address
 * entries of each family into sorted ranges and indexes them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define RULES_DEPTH	129		/* nested prefixes: one per length */
#define RULES_BUCKET	2		/* ranges per index bucket, about */
#define RULES_INDEXBITS	20		/* the largest index: 4 MiB */

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

void
rules_table_free(struct rules_table *t)
{
	free(t->r4);
	free(t->r6);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

/* Address order; at one address the shorter prefix, then the earlier. */
static int
rules_range_cmp(const void *pa, const void *pb)
{
	const struct rules_range	*a = pa, *b = pb;
	int				 c;

	if ((c = rules_key_cmp(&a->start, &b->start)) != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
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
rules_table_entry(struct rules_table *t, size_t i)
{
	return t->r6 != NULL ? &t->r6[i].entry : &t->r4[i].entry;
}

/*
 * Starts a range at k, after every range so far.  At the same address
 * as the last one, the new range replaces it: a longer prefix starting
 * there decides.  Next to a range of the same entry, it merges into it.
 */
static void
rules_table_push(struct rules_table *t, const struct rules_key *k,
    uint32_t entry)
{
	struct rules_key	 last;

	if (t->n > 0) {
		last = rules_table_key(t, t->n - 1);
		if (rules_key_cmp(&last, k) == 0)
			t->n--;
	}
	if (t->n > 0 && *rules_table_entry(t, t->n - 1) == entry)
		return;
	if (t->r6 != NULL)
		t->r6[t->n].start = *k;
	else
		t->r4[t->n].start = (uint32_t)(k->hi >> 32);
	*rules_table_entry(t, t->n++) = entry;
}

/*
 * The ranges, by a sweep over the prefixes in address order with a stack
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
	const struct rules_range *r;
	struct rules_key	 next;
	size_t			 i, depth = 0;
	uint32_t		 cover;

	rules_table_push(t, &zero, RULES_NONE);
	for (i = 0; i < f->nrange; i++) {
		r = &f->range[i];
		while (depth > 0 &&
		    rules_key_cmp(&st[depth - 1].end, &r->start) < 0) {
			next = st[--depth].end;
			rules_key_inc(&next);
			rules_table_push(t, &next,
			    depth > 0 ? st[depth - 1].min : RULES_NONE);
		}
		cover = depth > 0 ? st[depth - 1].min : RULES_NONE;
		if (!(r->flags & RULES_RANGE_ANY))
			rs->entries[r->entry].shadow =
			    cover < r->entry ? cover : RULES_NONE;
		if (r->flags & RULES_RANGE_COND ||
		    (depth > 0 && st[depth - 1].len == r->len))
			continue;
		st[depth].end = rules_key_end(&r->start, r->len);
		st[depth].min = cover < r->entry ? cover : r->entry;
		st[depth].len = r->len;
		rules_table_push(t, &r->start, st[depth++].min);
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

	if (f->nrange > 0)
		qsort(f->range, f->nrange, sizeof(*f->range), rules_range_cmp);
	/* An unconditional address entry has one range, found here. */
	for (i = 0; i < f->nrange; i++)
		if (!(f->range[i].flags & (RULES_RANGE_COND | RULES_RANGE_ANY)))
			rs->entries[f->range[i].entry].where = (uint32_t)i;
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

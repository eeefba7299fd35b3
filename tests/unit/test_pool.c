/*
 * The shards' shares of a class's workers, limit and queue (pool_share):
 * they add up to the configured value, and no shard has none of a value
 * that is not 0.
 */
#include <criterion/criterion.h>

#include "pool.h"

static int
share_sum(int total, unsigned n)
{
	unsigned	i;
	int		sum = 0;

	for (i = 0; i < n; i++)
		sum += pool_share(total, i, n);
	return sum;
}

Test(pool, one_shard_has_it_all)
{
	cr_assert_eq(pool_share(7, 0, 1), 7);
	cr_assert_eq(pool_share(0, 0, 1), 0);
}

Test(pool, shares_add_up)
{
	int		total;
	unsigned	n;

	for (n = 1; n <= 64; n++)
		for (total = (int)n; total <= 300; total++)
			cr_assert_eq(share_sum(total, n), total,
			    "%d over %u shards", total, n);
}

Test(pool, the_first_shards_take_the_remainder)
{
	cr_assert_eq(pool_share(5, 0, 2), 3);
	cr_assert_eq(pool_share(5, 1, 2), 2);
	cr_assert_eq(pool_share(10, 0, 4), 3);
	cr_assert_eq(pool_share(10, 1, 4), 3);
	cr_assert_eq(pool_share(10, 2, 4), 2);
	cr_assert_eq(pool_share(10, 3, 4), 2);
}

/* Below one a shard, each still has one: the sum is then the shards'. */
Test(pool, at_least_one_each)
{
	unsigned	i;

	for (i = 0; i < 4; i++)
		cr_assert_eq(pool_share(1, i, 4), 1);
	cr_assert_eq(share_sum(3, 4), 4);
}

/* 0 is no queue, or no limit: every shard's share. */
Test(pool, zero_stays_zero)
{
	unsigned	i;

	for (i = 0; i < 8; i++)
		cr_assert_eq(pool_share(0, i, 8), 0);
}

/*
 * test_queue: the order in which waiting connections are handed out,
 * the bound, and per-item deadlines, against a plain scan.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "queue.h"

TestSuite(queue, .timeout = 30);

static struct queue_item	items[64];

static size_t
idx(const struct queue_item *it)
{
	return (size_t)(it - items);
}

Test(queue, priority_then_age)
{
	static const int	 prio[] = { 0, 10, 0, 10, 5, 0 };
	static const size_t	 want[] = { 1, 3, 4, 0, 2, 5 };
	struct queue		 q;
	struct queue_item	*it;
	size_t			 i;

	queue_init(&q, 16);
	for (i = 0; i < 6; i++)
		cr_assert_eq(queue_push(&q, &items[i], prio[i], 0), 0);
	cr_assert_eq(q.len, 6);
	cr_assert_eq(idx(queue_last(&q)), 5, "the last is the newest lowest");
	for (i = 0, it = queue_first(&q); i < 6; i++, it = queue_next(it))
		cr_assert_eq(idx(it), want[i], "walk %zu: item %zu, want %zu",
		    i, idx(it), want[i]);
	cr_assert_null(it);
	for (i = 0; i < 6; i++) {
		cr_assert_not_null(it = queue_first(&q));
		cr_assert_eq(idx(it), want[i], "hand-out %zu: item %zu, want %zu",
		    i, idx(it), want[i]);
		queue_remove(&q, it);
	}
	cr_assert_null(queue_first(&q));
	cr_assert_eq(q.len, 0);
	queue_free(&q);
}

Test(queue, bounded)
{
	struct queue	q;

	queue_init(&q, 2);
	cr_assert_eq(queue_push(&q, &items[0], 0, 0), 0);
	cr_assert_eq(queue_push(&q, &items[1], 0, 0), 0);
	errno = 0;
	cr_assert_eq(queue_push(&q, &items[2], 9, 0), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(q.len, 2);
	queue_remove(&q, &items[0]);
	cr_assert_eq(queue_push(&q, &items[2], 9, 0), 0);
	cr_assert_eq(idx(queue_first(&q)), 2);
	queue_free(&q);

	queue_init(&q, 0);
	cr_assert_eq(queue_push(&q, &items[0], 0, 0), -1, "a queue of 0");
	queue_free(&q);
}

/* A queue kept across a reload: newer items may be due before older ones. */
Test(queue, each_item_at_its_own_deadline)
{
	struct queue	q;

	queue_init(&q, 16);
	cr_assert_eq(queue_push(&q, &items[0], 0, 10000), 0);
	cr_assert_eq(queue_push(&q, &items[1], 0, 0), 0);
	cr_assert_eq(queue_push(&q, &items[2], 0, 500), 0);
	cr_assert_eq(queue_push(&q, &items[3], 0, 700), 0);
	cr_assert_eq(queue_deadline(&q), 500);
	cr_assert_null(queue_expired(&q, 499));
	cr_assert_eq(idx(queue_expired(&q, 500)), 2);
	queue_remove(&q, &items[2]);
	cr_assert_eq(queue_deadline(&q), 700);
	cr_assert_eq(idx(queue_expired(&q, 9999)), 3);
	queue_remove(&q, &items[3]);
	cr_assert_eq(idx(queue_expired(&q, 20000)), 0);
	queue_remove(&q, &items[0]);
	cr_assert_eq(queue_deadline(&q), 0, "an item without a deadline");
	cr_assert_null(queue_expired(&q, UINT64_MAX));
	cr_assert_eq(idx(queue_first(&q)), 1);
	queue_free(&q);
}

/* The earliest deadline, by a scan of the items in the queue. */
static uint64_t
scan_deadline(const int *in)
{
	uint64_t	best = 0;
	size_t		i;

	for (i = 0; i < 64; i++)
		if (in[i] && items[i].deadline_ms != 0 &&
		    (best == 0 || items[i].deadline_ms < best))
			best = items[i].deadline_ms;
	return best;
}

/* Random pushes and removals, from anywhere, keep the earliest deadline. */
Test(queue, deadlines_under_random_removal)
{
	struct queue	 q;
	int		 in[64] = { 0 };
	size_t		 i, k;
	uint64_t	 d;

	srand(8);
	queue_init(&q, 64);
	for (k = 0; k < 20000; k++) {
		i = (size_t)rand() % 64;
		if (in[i]) {
			queue_remove(&q, &items[i]);
			in[i] = 0;
		} else {
			d = rand() % 4 == 0 ? 0 : 1 + (uint64_t)(rand() % 1000);
			cr_assert_eq(queue_push(&q, &items[i], rand() % 3, d), 0);
			in[i] = 1;
		}
		cr_assert_eq(queue_deadline(&q), scan_deadline(in),
		    "step %zu: %" PRIu64 ", want %" PRIu64, k,
		    queue_deadline(&q), scan_deadline(in));
	}
	queue_free(&q);
}

#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "pool_int.h"
#include "route.h"
#include "rules.h"

/*
 * The busy reply is one non-blocking send: a client that cannot take it
 * at once does not get it, and the dispatcher never waits.
 */
void
route_reject(struct class *c, struct conn *cn, enum class_refusal why)
{
	char	peer[ADDR_PORTSTRLEN];
	size_t	len;

	c->stats.refused[why]++;
	access_refused(c->access, cn, c->conf.name, why == CLASS_REFUSED_TIMEOUT ?
	    "timed_out" : "refused", class_refusal_words[why].name);
	if (c->conf.busy_reply != NULL) {
		len = strlen(c->conf.busy_reply);
		if (send(cn->fd, c->conf.busy_reply, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			c->stats.busy_replies++;
	}
	close(cn->fd);
	log_debug("connection %" PRIu64 " from %s: class %s %s; rejected",
	    cn->id, addr_format((const struct sockaddr *)&cn->peer, peer,
	    sizeof(peer)), c->conf.name, class_refusal_words[why].text);
}

static int	route_queue(struct pool *, struct class *, struct conn *,
		    int);

/*
 * Closes the dispatcher's copies of connections sent, a run of
 * consecutive numbers in one call: the kernel hands out the lowest free
 * numbers, so that the accepts of one run are mostly one such run.
 */
static void
route_close(struct conn *const *cns, size_t n)
{
	int	fds[CLASS_SEND_MAX], fd;
	size_t	i, j;

	for (i = 0; i < n; i++) {
		fd = cns[i]->fd;
		for (j = i; j > 0 && fds[j - 1] > fd; j--)
			fds[j] = fds[j - 1];
		fds[j] = fd;
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && fds[j] == fds[j - 1] + 1; j++)
			;
		if (j - i == 1 || close_range((unsigned)fds[i],
		    (unsigned)fds[j - 1], 0) == -1)
			while (i < j)
				close(fds[i++]);
	}
}

/*
 * Connections for class c: to workers while the class has room and
 * nobody waits, the others into its queue, in their order (route_queue).
 * Returns how many were rejected.
 */
static int
route_admit(struct pool *p, struct class *c, struct conn **cns, size_t n,
    int priority)
{
	size_t	i, sent = 0;
	int	refused = 0;

	if (c->queue.len == 0)
		sent = pool_send(p, c, cns, n);
	route_close(cns, sent);
	for (i = sent; i < n; i++)
		refused += route_queue(p, c, cns[i], priority);
	return refused;
}

/*
 * A connection class c could not send now: into its queue, else into its
 * overflow class (whose own slots, queue and overflow apply:
 * configuration forbids cycles), else rejected.  Returns 1 when it was
 * rejected.
 */
static int
route_queue(struct pool *p, struct class *c, struct conn *cn, int priority)
{
	if (class_enqueue(c, cn, priority) == 0) {
		pool_timer_at(p, queue_deadline(&c->queue));
		return 0;
	}
	if (errno != EAGAIN) {
		/* Out of memory, logged: this connection, not the daemon. */
		route_reject(c, cn, CLASS_REFUSED_NO_MEMORY);
		return 1;
	}
	if (c->conf.overflow != -1) {
		c->stats.spilled++;
		return route_admit(p, p->classes[c->conf.overflow], &cn, 1,
		    priority);
	}
	route_reject(c, cn, c->queue.max == 0 ? CLASS_REFUSED_FULL :
	    CLASS_REFUSED_QUEUE_FULL);
	return 1;
}

static void
route_trace(const struct pool *p, const struct conn *cn,
    const struct rules_verdict *v)
{
	char	peer[ADDR_PORTSTRLEN], local[ADDR_PORTSTRLEN];
	char	lane[64], verdict[640];

	addr_format((const struct sockaddr *)&cn->peer, peer, sizeof(peer));
	addr_format((const struct sockaddr *)&cn->local, local, sizeof(local));
	lane[0] = '\0';
	if (cn->lane != -1)
		snprintf(lane, sizeof(lane), " (lane %d, priority %d)",
		    cn->lane, cn->lane_priority);
	log_debug("connection %" PRIu64 " from %s on %s%s: %s%s", cn->id, peer,
	    local, lane, v->entry == -1 ? "no rule -> " : "",
	    config_verdict_describe(p->cf, v, verdict, sizeof(verdict)));
}

/*
 * A regex that could not judge the peer refuses it: counted, and logged
 * at most once a second, so that a flood of such peers cannot flood the
 * log, with the count of those not logged since.
 */
static void
route_match_error(struct pool *p, const struct conn *cn,
    const struct rules_verdict *v)
{
	char		peer[ADDR_PORTSTRLEN], verdict[640];
	uint64_t	now = clock_ms();

	p->match_errors++;
	if (p->match_error_logged_ms != 0 &&
	    now - p->match_error_logged_ms < ROUTE_ERROR_LOG_MS) {
		p->match_errors_unlogged++;
		return;
	}
	log_warnx("connection %" PRIu64 " from %s: %s (%" PRIu64 " match "
	    "errors in all, %" PRIu64 " not logged)", cn->id,
	    addr_format((const struct sockaddr *)&cn->peer, peer, sizeof(peer)),
	    config_verdict_describe(p->cf, v, verdict, sizeof(verdict)),
	    p->match_errors, p->match_errors_unlogged);
	p->match_error_logged_ms = now;
	p->match_errors_unlogged = 0;
}

int
route_conn(struct pool *p, struct conn *cn)
{
	struct rules_verdict	 v;
	struct class		*c;

	rules_match(p->cf->rules, (struct sockaddr *)&cn->peer,
	    cn->listener, &v);
	if (log_verbose())
		route_trace(p, cn, &v);
	cn->rule = v.entry == -1 ? 0 :
	    (int)config_rule_index(p->cf, v.entry) + 1;
	p->rule_hits[cn->rule == 0 ? p->cf->nrules : (size_t)cn->rule - 1]++;
	if (v.error != 0)
		route_match_error(p, cn, &v);
	if (v.action == RULES_DENY) {
		if (v.error == 0)
			p->denied++;
		access_refused(p->access, cn, NULL, v.error == 0 ? "denied" :
		    "refused", v.error == 0 ? "-" : "regex_error");
		close(cn->fd);
		return 1;
	}
	cn->entry = v.entry;
	c = p->classes[v.class_idx];
	/*
	 * Only the lowest priority waits for the end of the run of accepts,
	 * to go in batches: a higher one is never held back to fill one.
	 */
	if (c->conf.priority > p->classes[p->order[p->nclasses - 1]]->
	    conf.priority)
		return route_admit(p, c, &cn, 1, c->conf.priority);
	p->held[p->nheld] = *cn;
	p->held_class[p->nheld++] = v.class_idx;
	return p->nheld == CLASS_SEND_MAX ? route_flush(p) : 0;
}

int
route_flush(struct pool *p)
{
	struct conn	*cns[CLASS_SEND_MAX];
	struct class	*c;
	size_t		 i, k, n;
	int		 refused = 0;

	for (k = 0; k < p->nclasses && p->nheld > 0; k++) {
		for (i = 0, n = 0; i < p->nheld; i++)
			if (p->held_class[i] == p->order[k])
				cns[n++] = &p->held[i];
		if (n == 0)
			continue;
		c = p->classes[p->order[k]];
		refused += route_admit(p, c, cns, n, c->conf.priority);
	}
	p->nheld = 0;
	return refused;
}

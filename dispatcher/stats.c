#include <sys/resource.h>

#include <dirent.h>
#include <inttypes.h>
#include <time.h>

#include "class.h"
#include "listener.h"
#include "pool_int.h"
#include "stats.h"

/*
 * Label values need no escaping: class and listener names are letters,
 * digits, '_', '-' and '.' (config_name_valid), and a listener without a
 * name is labelled by its address as written, which has no quote,
 * backslash or newline either.
 */

double
stats_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
stats_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * The live classes, in configuration order (a retired one may share a
 * name), of the first shard's pool: every shard's pool has the same
 * classes, at the same indexes.
 */
#define STATS_CLASSES(ps, i, c)						\
	for ((i) = 0; (i) < (ps)[0]->nclasses &&			\
	    ((c) = (ps)[0]->classes[i], 1); (i)++)

/* A class's field summed over the shards' pools. */
static uint64_t
stats_sum(struct pool *const *ps, size_t nps, size_t ci,
    uint64_t (*field)(const struct class *))
{
	uint64_t	n = 0;
	size_t		k;

	for (k = 0; k < nps; k++)
		n += field(ps[k]->classes[ci]);
	return n;
}

/* One series per live class of a counter or gauge that field reads. */
static void
stats_per_class(struct buf *b, struct pool *const *ps, size_t nps,
    const char *name, const char *type, const char *help,
    uint64_t (*field)(const struct class *))
{
	const struct class	*c;
	size_t			 i;

	stats_family(b, name, type, help);
	STATS_CLASSES(ps, i, c)
		buf_printf(b, "%s{class=\"%s\"} %" PRIu64 "\n", name,
		    c->conf.name, stats_sum(ps, nps, i, field));
}

static uint64_t stats_handed(const struct class *c) { return c->stats.handed; }
static uint64_t stats_busy(const struct class *c) { return c->stats.busy_replies; }
static uint64_t stats_spilled(const struct class *c) { return c->stats.spilled; }
static uint64_t stats_left(const struct class *c) { return c->stats.left; }
static uint64_t stats_lost(const struct class *c) { return c->stats.lost; }
static uint64_t stats_restarts(const struct class *c) { return c->stats.restarts; }
static uint64_t stats_hung(const struct class *c) { return c->stats.hung; }
static uint64_t stats_queued(const struct class *c) { return c->queue.len; }
static uint64_t stats_waited(const struct class *c) { return c->stats.waited; }

static uint64_t
stats_in_hand(const struct class *c)
{
	/* Draining workers' too: they still hold them. */
	return class_busy(c) - c->queue.len;
}

static uint64_t
stats_running(const struct class *c)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < c->nworkers; i++)
		if (c->workers[i]->pid > 0 && !c->workers[i]->draining)
			n++;
	return n;
}

static void
stats_listeners(struct buf *b, const struct config *cf,
    struct listener *const *ls, size_t n)
{
	const struct config_listener	*cl;
	const struct listener		*l, *sib;
	uint64_t			 accepted;
	size_t				 i, j;

	stats_family(b, "dispatcher_connections_accepted_total", "counter",
	    "Connections accepted, per listener and listening socket (lane).");
	for (i = 0; i < n; i++) {
		l = ls[i];
		cl = &cf->listeners[l->index];
		for (j = 0; j < l->nlanes; j++) {
			/* Every shard's socket of the lane. */
			accepted = 0;
			for (sib = l; sib != NULL; sib = sib->sibling)
				accepted += sib->lane[j].accepted;
			buf_printf(b, "dispatcher_connections_accepted_total"
			    "{listener=\"%s\",lane=\"%zu\"} %" PRIu64 "\n",
			    cl->name != NULL ? cl->name : cl->text, j,
			    accepted);
		}
	}
}

/* With shards, how many connections each accepted, all listeners'. */
static void
stats_shards(struct buf *b, struct listener *const *ls, size_t n,
    size_t nshards)
{
	const struct listener	*l;
	uint64_t		 accepted;
	size_t			 i, j, k;

	if (nshards < 2)
		return;
	stats_family(b, "dispatcher_shard_connections_accepted_total",
	    "counter", "Connections accepted, per shard (acceptors).");
	for (k = 0; k < nshards; k++) {
		accepted = 0;
		for (i = 0; i < n; i++) {
			for (l = ls[i], j = 0; l != NULL && j < k; j++)
				l = l->sibling;
			for (j = 0; l != NULL && j < l->nlanes; j++)
				accepted += l->lane[j].accepted;
		}
		buf_printf(b, "dispatcher_shard_connections_accepted_total"
		    "{shard=\"%zu\"} %" PRIu64 "\n", k, accepted);
	}
}

/* Only listeners with proxy_protocol expect a header: only theirs. */
static void
stats_proxy(struct buf *b, const struct config *cf,
    struct listener *const *ls, size_t n)
{
	const struct config_listener	*cl;
	const struct listener		*sib;
	uint64_t			 count;
	size_t				 i, r;

	stats_family(b, "dispatcher_proxy_headers_total", "counter",
	    "Connections on listeners with proxy_protocol, per listener and "
	    "what became of their PROXY header.");
	for (i = 0; i < n; i++) {
		cl = &cf->listeners[ls[i]->index];
		if (!cl->proxy)
			continue;
		for (r = 0; r < PROXY_RESULTS; r++) {
			/* Every shard's. */
			count = 0;
			for (sib = ls[i]; sib != NULL; sib = sib->sibling)
				count += sib->proxy[r];
			buf_printf(b, "dispatcher_proxy_headers_total"
			    "{listener=\"%s\",result=\"%s\"} %" PRIu64 "\n",
			    cl->name != NULL ? cl->name : cl->text,
			    proxy_result_names[r], count);
		}
	}
}

static void
stats_rules(struct buf *b, struct pool *const *ps, size_t nps)
{
	const struct config	*cf = ps[0]->cf;
	uint64_t		 n;
	size_t			 i, k;

	stats_family(b, "dispatcher_rule_matches_total", "counter",
	    "Connections matched, per rule (numbered in file order) and "
	    "\"default\" for none; counts start again at a reload.");
	if (cf == NULL)
		return;
	for (i = 0; i <= cf->nrules; i++) {
		for (n = 0, k = 0; k < nps; k++)
			n += ps[k]->rule_hits[i];
		if (i < cf->nrules)
			buf_printf(b, "dispatcher_rule_matches_total"
			    "{rule=\"%zu\"} %" PRIu64 "\n", i + 1, n);
		else
			buf_printf(b, "dispatcher_rule_matches_total"
			    "{rule=\"default\"} %" PRIu64 "\n", n);
	}
}

static void
stats_refused(struct buf *b, struct pool *const *ps, size_t nps)
{
	const struct class	*c;
	uint64_t		 denied = 0, errors = 0, n;
	size_t			 i, k, r;

	for (k = 0; k < nps; k++) {
		denied += ps[k]->denied;
		errors += ps[k]->match_errors;
	}
	stats_family(b, "dispatcher_connections_refused_total", "counter",
	    "Connections refused, per reason, and per class for those a "
	    "class refused.");
	buf_printf(b, "dispatcher_connections_refused_total{reason=\"deny\"} "
	    "%" PRIu64 "\n", denied);
	buf_printf(b, "dispatcher_connections_refused_total"
	    "{reason=\"regex_error\"} %" PRIu64 "\n", errors);
	STATS_CLASSES(ps, i, c)
		for (r = 0; r < CLASS_REFUSALS; r++) {
			for (n = 0, k = 0; k < nps; k++)
				n += ps[k]->classes[i]->stats.refused[r];
			buf_printf(b, "dispatcher_connections_refused_total"
			    "{class=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
			    c->conf.name, class_refusal_words[r].name, n);
		}
}

/*
 * Every connection handed to a worker is one observation: those sent at
 * once waited 0, and fall in every bucket.
 */
static void
stats_wait(struct buf *b, struct pool *const *ps, size_t nps)
{
	const char		*name = "dispatcher_queue_wait_seconds";
	const struct class	*c;
	uint64_t		 cum, handed, wait_ms;
	size_t			 i, k, s;

	stats_family(b, name, "histogram", "Time connections handed to "
	    "workers waited in their class's queue (0 when sent at once).");
	STATS_CLASSES(ps, i, c) {
		handed = stats_sum(ps, nps, i, stats_handed);
		cum = handed - stats_sum(ps, nps, i, stats_waited);
		for (k = 0; k < CLASS_WAIT_BUCKETS; k++) {
			for (s = 0; s < nps; s++)
				cum += ps[s]->classes[i]->stats.wait_bucket[k];
			buf_printf(b, "%s_bucket{class=\"%s\",le=\"%g\"} "
			    "%" PRIu64 "\n", name, c->conf.name,
			    class_wait_le_ms[k] / 1000.0, cum);
		}
		for (wait_ms = 0, s = 0; s < nps; s++)
			wait_ms += ps[s]->classes[i]->stats.wait_ms;
		buf_printf(b, "%s_bucket{class=\"%s\",le=\"+Inf\"} %" PRIu64
		    "\n", name, c->conf.name, handed);
		buf_printf(b, "%s_sum{class=\"%s\"} %.3f\n", name,
		    c->conf.name, wait_ms / 1000.0);
		buf_printf(b, "%s_count{class=\"%s\"} %" PRIu64 "\n", name,
		    c->conf.name, handed);
	}
}

/* Descriptors open now, less the one reading the folder. */
static long
stats_open_fds(void)
{
	DIR	*d;
	long	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3;	/* ".", ".." and the folder's own */
}

static void
stats_daemon(struct buf *b, const struct stats_daemon *sd)
{
	struct rlimit	rl;
	long		fds;

	stats_family(b, "dispatcher_reloads_total", "counter",
	    "Reloads of the configuration, by result.");
	buf_printf(b, "dispatcher_reloads_total{result=\"success\"} %" PRIu64
	    "\ndispatcher_reloads_total{result=\"failure\"} %" PRIu64 "\n",
	    sd->reloads_ok, sd->reloads_failed);
	stats_family(b, "dispatcher_last_reload_success_timestamp_seconds",
	    "gauge", "When the running configuration was loaded.");
	buf_printf(b, "dispatcher_last_reload_success_timestamp_seconds %.3f\n",
	    sd->last_reload_s);
	stats_family(b, "dispatcher_start_time_seconds", "gauge",
	    "When the dispatcher started.");
	buf_printf(b, "dispatcher_start_time_seconds %.3f\n", sd->started_s);
	if ((fds = stats_open_fds()) >= 0) {
		stats_family(b, "dispatcher_open_fds", "gauge",
		    "Descriptors the dispatcher has open.");
		buf_printf(b, "dispatcher_open_fds %ld\n", fds);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		stats_family(b, "dispatcher_max_fds", "gauge",
		    "The dispatcher's limit on open descriptors.");
		buf_printf(b, "dispatcher_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
	}
	if (sd->access_log) {
		stats_family(b, "dispatcher_access_log_dropped_lines_total",
		    "counter", "Access log lines dropped: the disk was too "
		    "slow for them.");
		buf_printf(b, "dispatcher_access_log_dropped_lines_total "
		    "%" PRIu64 "\n", sd->access_dropped);
	}
	stats_family(b, "dispatcher_build_info", "gauge",
	    "The dispatcher's version, as a label.");
	buf_printf(b, "dispatcher_build_info{version=\"%s\"} 1\n",
	    DISPATCHER_VERSION);
}

void
stats_render(struct buf *b, struct pool *const *ps, size_t nps,
    struct listener *const *ls, size_t nls, const struct stats_daemon *sd)
{
	stats_listeners(b, ps[0]->cf, ls, nls);
	stats_shards(b, ls, nls, nps);
	stats_proxy(b, ps[0]->cf, ls, nls);
	stats_rules(b, ps, nps);
	stats_refused(b, ps, nps);
	stats_per_class(b, ps, nps, "dispatcher_connections_handed_total", "counter",
	    "Connections handed to the class's workers.", stats_handed);
	stats_per_class(b, ps, nps, "dispatcher_busy_replies_total", "counter",
	    "Busy replies written in full to connections the class refused.",
	    stats_busy);
	stats_per_class(b, ps, nps, "dispatcher_connections_spilled_total",
	    "counter", "Connections sent on to the class's overflow class.",
	    stats_spilled);
	stats_per_class(b, ps, nps, "dispatcher_connections_left_queue_total",
	    "counter", "Clients that went away while queued.", stats_left);
	stats_per_class(b, ps, nps, "dispatcher_connections_lost_total", "counter",
	    "Connections in the hands of workers that died or hung.",
	    stats_lost);
	stats_per_class(b, ps, nps, "dispatcher_connections_queued", "gauge",
	    "Connections waiting in the class's queue now.", stats_queued);
	stats_per_class(b, ps, nps, "dispatcher_connections_in_hand", "gauge",
	    "Connections the class's workers hold now.", stats_in_hand);
	stats_per_class(b, ps, nps, "dispatcher_workers", "gauge",
	    "Workers of the class running now.", stats_running);
	stats_per_class(b, ps, nps, "dispatcher_worker_restarts_total", "counter",
	    "Workers started again after they died.", stats_restarts);
	stats_per_class(b, ps, nps, "dispatcher_workers_hung_total", "counter",
	    "Workers killed and replaced for making no progress.", stats_hung);
	stats_wait(b, ps, nps);
	stats_daemon(b, sd);
}

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lanes.h"
#include "listen.h"
#include "listener.h"
#include "log.h"
#include "shard.h"
#include "systemd.h"
#include "upgrade.h"

/*
 * Compiles the listener's lanes and gives them to it, and to its
 * siblings: their sockets are opened lane by lane, every shard's socket
 * of a lane before the next lane's, in the order the program counts
 * them (lanes.h).  Lanes that cannot be had leave the listener as it was.
 */
static void
listen_lanes(struct listener *l, const struct config *cf, size_t index)
{
	struct lanes_prog	 lp;
	struct listener		*sib;
	char			 prios[LANES_MAX * 24];
	size_t			 k;
	int			 on = 0;

	if (lanes_compile(cf, index, &lp) == -1) {
		log_warnx("lanes of %s: out of memory; unchanged",
		    listener_name(l));
		return;
	}
	/* A socket that cannot be had: listener_lanes fails on it, logged. */
	for (k = 2; l->sibling != NULL && k <= lp.nlanes; k++)
		for (sib = l; sib != NULL; sib = sib->sibling)
			if (listener_grow(sib, k) == -1)
				goto grown;
 grown:
	for (sib = l; sib != NULL; sib = sib->sibling)
		on = listener_lanes(sib, cf->listeners[index].lanes, &lp);
	if (on)
		log_info("lanes on %s: %zu (priorities %s)", listener_name(l),
		    lp.nlanes, lanes_priorities(&lp, prios, sizeof(prios)));
	/* The administrator's limit, which raising gives clients their lane. */
	if (lp.stop == LANES_OPTMEM)
		log_warnx("lanes on %s: net.core.optmem_max leaves rules out of "
		    "the program, to user space only (dispatcher -t names them)",
		    listener_name(l));
	lanes_free(&lp);
}

void
listen_undo(struct listen *ls, struct listener **next, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!listener_in(ls->v, ls->n, next[i]))
			listener_close(next[i]);
	free(next);
}

/*
 * A listener for cl, with a sibling a shard: an upgrade's sockets,
 * systemd's, or bound now; the shards' sockets an upgrade did not pass
 * join the first's group.  Returns how many shards have their socket:
 * fewer than ls->nshards is a failure, logged, with errno set.
 */
static size_t
listen_one(const struct listen *ls, const struct config_listener *cl,
    struct listener **l)
{
	size_t	k;

	if ((*l = upgrade_listener(cl, ls->nshards)) == NULL &&
	    (*l = listener_open(cl, systemd_socket(cl))) == NULL)
		return 0;
	for (k = 1; listener_sibling(*l, k) != NULL; k++)
		;
	while (k < ls->nshards && listener_join(*l) == 0)
		k++;
	return k;
}

struct listener **
listen_open(struct listen *ls, const struct config *cf,
    config_report_fn *also, void *arg)
{
	struct listener	**next;
	size_t		  i, j, k, n = cf->nlisteners;
	char		  why[512];

	if ((next = calloc(n * ls->nshards, sizeof(*next))) == NULL) {
		log_warn("cannot open the listeners");
		if (also != NULL)
			also(arg, cf->path, 0, 0, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < ls->n && next[i] == NULL; j++)
			if (listener_is(ls->v[j], &cf->listeners[i]))
				next[i] = ls->v[j];
		if (next[i] != NULL)
			continue;
		if ((k = listen_one(ls, &cf->listeners[i], &next[i])) <
		    ls->nshards) {
			snprintf(why, sizeof(why), "cannot listen on %s: %s",
			    cf->listeners[i].text, strerror(errno));
			if (also != NULL)
				also(arg, cf->path, 0, 0, why);
			listen_undo(ls, next, i + (k > 0));
			return NULL;
		}
	}
	for (k = 1; k < ls->nshards; k++)
		for (i = 0; i < n; i++)
			next[k * n + i] = listener_sibling(next[i], k);
	return next;
}

void
listen_commit(struct listen *ls, const struct config *cf,
    struct listener **next)
{
	size_t	i, j, k, n = cf->nlisteners;

	for (i = 0; i < n; i++) {
		for (k = 0; k < ls->nshards; k++)
			listener_set_index(next[k * n + i], i);
		if (!listener_in(ls->v, ls->n, next[i]))
			log_info("listening on %s%s", listener_name(next[i]),
			    next[i]->inherited ? " (socket from systemd)" : "");
	}
	for (k = 0; k < ls->nshards; k++)
		shard_listen(ls->shards[k], cf, next + k * n, n);
	for (i = 0; i < n; i++) {
		listen_lanes(next[i], cf, i);
		listener_defer(next[i], cf->listeners[i].proxy);
	}
	for (j = 0; j < ls->n; j++)
		if (!listener_in(next, n, ls->v[j])) {
			log_info("no longer listening on %s",
			    listener_name(ls->v[j]));
			listener_close(ls->v[j]);
		}
	free(ls->v);
	ls->v = next;
	ls->n = n;
}

void
listen_close(struct listen *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++)
		listener_close(ls->v[i]);
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}

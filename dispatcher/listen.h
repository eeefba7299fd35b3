/*
 * listen: the listening sockets of every configured listener, one a
 * shard (shard.h), across reloads.
 *
 * A reload changes them in two steps, so that it can still fail between
 * them and leave everything as it was: listen_open opens the new
 * configuration's listeners, reusing the ones already open on the same
 * address so that a reload never closes a listening socket that stays;
 * listen_commit then puts them in place, gives each shard its own, runs
 * the lanes and closes the ones no longer configured, or listen_undo
 * undoes the first step.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

#include "config.h"

struct listener;
struct shard;

struct listen {
	/*
	 * Each configured listener's, one a shard: shard k's of listener i
	 * at k * n + i, the first n being the first shard's, whose siblings
	 * the others are.
	 */
	struct listener		**v;
	size_t			  n;
	struct shard *const	 *shards;
	size_t			  nshards;
};

/*
 * The listeners of cf, in its order, with a sibling a shard, in an array
 * laid out as ls->v: an upgrade's sockets, systemd's, or bound now.
 * NULL when one cannot be had, logged and told to also (NULL: none).
 */
struct listener	**listen_open(struct listen *ls, const struct config *cf,
		    config_report_fn *also, void *arg);
/* Closes the first n listeners of next not open already; frees next. */
void		  listen_undo(struct listen *ls, struct listener **next,
		    size_t n);
/* Puts next, listen_open's for cf, in place.  Holding every shard. */
void		  listen_commit(struct listen *ls, const struct config *cf,
		    struct listener **next);
/* Closes every listening socket, which no shard looks at any more. */
void		  listen_close(struct listen *ls);

#endif

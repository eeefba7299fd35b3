/*
 * spawnattr: the attributes both programs start a child with (a worker, an
 * exec handler's program): no signal blocked, the ones the parent reads
 * or ignores back at their defaults, and a process group of its own, so
 * that a signal to the parent's group (Ctrl-C in a shell) does not reach
 * it, and the parent alone decides how it stops.
 */
#ifndef SPAWNATTR_H
#define SPAWNATTR_H

#include <spawn.h>

/* Initialises attr (posix_spawnattr_destroy it after use): 0, or errno. */
int	spawnattr_init(posix_spawnattr_t *attr);

#endif

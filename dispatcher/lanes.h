/*
 * lanes: priority that holds under overload, by steering in the kernel.
 *
 * A listener with lanes has one listening socket per priority level, all
 * in one SO_REUSEPORT group, and a classic BPF program compiled from the
 * address rules that picks, for each SYN, the socket of its class's
 * priority by its source address.  A flood of low-priority clients then
 * fills its own accept queue, not the one high-priority clients wait in,
 * and the dispatcher drains the higher lanes first.
 *
 * The program only steers: every connection is still matched by
 * rules_match, so a program that stops short costs priority, never a
 * wrong class.
 */
#ifndef LANES_H
#define LANES_H

#include <linux/filter.h>

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define LANES_MAX	CONFIG_MAX_LANES
#define LANES_MAX_INSNS	BPF_MAXINSNS

/* Why the program leaves the rules from lanes_prog.decided on to user space. */
enum lanes_stop {
	LANES_DONE,		/* it does not: every rule is in it */
	LANES_REGEX,		/* a regex, which the kernel cannot match */
	LANES_PORT,		/* a port condition */
	LANES_FULL,		/* the kernel's limit on instructions */
	LANES_OPTMEM,		/* its limit on a program's memory */
};

struct lanes_prog {
	struct sock_filter	*insns;
	size_t			 ninsns;
	size_t			 nlanes;	/* 1: nothing to steer */
	int			 priority[LANES_MAX];	/* of each lane, ascending */
	size_t			 merged;	/* lower levels lane 0 also takes */
	/*
	 * The entries of the ruleset before this one, in order, are decided
	 * in the kernel as rules_match decides them; stop says why the
	 * next one is not.
	 */
	size_t			 decided;
	enum lanes_stop		 stop;
	long			 optmem;	/* LANES_OPTMEM: the limit, or 0 */
};

/*
 * Compiles the program of a listener of a loaded configuration: the lane
 * of each priority level that its rules lead to, the default class's
 * included, the lowest first.  The program is sized for the running
 * kernel, which is asked whether it takes it: it holds fewer entries
 * where net.core.optmem_max, in the caller's network namespace, is low.
 * A listener without lanes gets a program that returns lane 0.  Returns
 * 0, or -1 when out of memory.
 */
int	 lanes_compile(const struct config *, size_t listener,
	    struct lanes_prog *);
void	 lanes_free(struct lanes_prog *);

/* Attaches the program to the reuseport group of a socket; -1 with errno. */
int	 lanes_attach(int fd, const struct lanes_prog *);

/* "0, 10": the lanes' priorities, lowest first; returns buf. */
const char *lanes_priorities(const struct lanes_prog *, char *buf, size_t len);

/*
 * Writes, on one line, the listener's lanes and which rules the program
 * holds and which stay in user space only.
 */
void	 lanes_describe(const struct config *, size_t listener,
	    const struct lanes_prog *, FILE *);

#endif

/* dispatcher: the event loop of the daemon. */
#ifndef DISPATCHER_H
#define DISPATCHER_H

#include "config.h"

#define DISPATCHER_GRACE_MS	10000	/* in-flight connections at shutdown */
#define DISPATCHER_REAP_MS	3000	/* workers' exit before SIGKILL */

/* A config_report_fn that logs each problem as a warning line. */
void	dispatcher_report(void *, const char *file, int line, int warning,
	    const char *text);

/*
 * Serves the configuration, which it takes over, until SIGTERM or SIGINT.
 * Returns the exit code.
 */
int	dispatcher_run(struct config *);

#endif

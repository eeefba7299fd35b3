/* Exit codes shared by both programs (sysexits.h values). */
#ifndef EXITCODE_H
#define EXITCODE_H

#define EXIT_USAGE	64	/* bad command line */
#define EXIT_SOFTWARE	70	/* internal error: a broken invariant */
#define EXIT_OSERR	71	/* system error: a socket, a fork, memory */
#define EXIT_CONFIG	78	/* the configuration is invalid */

#endif

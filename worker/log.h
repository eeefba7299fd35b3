/*
 * log: one line per event on stderr, "PROG: LEVEL: message".
 * Every function saves and restores errno.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

/* Exit codes shared by both programs (sysexits.h values). */
#define EXIT_USAGE	64	/* bad command line */
#define EXIT_SOFTWARE	70	/* internal error: a broken invariant */
#define EXIT_OSERR	71	/* system error: a socket, a fork, memory */
#define EXIT_CONFIG	78	/* the configuration is invalid */

void	log_init(const char *prog, int verbose);
int	log_verbose(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug_line(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* Without -v its arguments are not even evaluated: none has side effects. */
#define log_debug(...) do {				\
	if (log_verbose())				\
		log_debug_line(__VA_ARGS__);		\
} while (0)

/* For start-up and broken invariants only: logs and exits. */
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif

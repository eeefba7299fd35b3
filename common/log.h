/*
 * log: one line per event on stderr, "PROG: LEVEL: message".
 * Every function saves and restores errno.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#include "exitcode.h"

/* Until it is called, lines are named after the program's file. */
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

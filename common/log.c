#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*log_prog;
static int		 log_debug_on;

void
log_init(const char *prog, int verbose)
{
	log_prog = prog;
	log_debug_on = verbose;
}

int
log_verbose(void)
{
	return log_debug_on;
}

static void	log_vline(const char *, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/*
 * One fprintf per line: stderr is unbuffered, and a single write keeps
 * the lines of the dispatcher and its workers from interleaving.
 */
static void
log_vline(const char *level, const char *reason, const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_prog == NULL)
		log_prog = program_invocation_short_name;
	if (reason != NULL)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, level, msg, reason);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, level, msg);
}

#define LOG_BODY(level, reason) do {			\
	int	saved = errno;				\
	va_list	ap;					\
	va_start(ap, fmt);				\
	log_vline(level, reason, fmt, ap);		\
	va_end(ap);					\
	errno = saved;					\
} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY("warning", strerror(errno));
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY("warning", NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY("info", NULL);
}

void
log_debug_line(const char *fmt, ...)
{
	LOG_BODY("debug", NULL);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY("fatal", strerror(errno));
	exit(EXIT_OSERR);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY("fatal", NULL);
	exit(EXIT_SOFTWARE);
}

/*
 * config: the configuration file, read with libconfig and checked in full.
 *
 * config_load reads and checks a whole file and compiles its rules.  Every
 * problem, all of them in one run, goes to a report function, sorted by
 * file and line.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>
#include <sys/socket.h>

#define CONFIG_MAX_WORKERS	256
#define CONFIG_MAX_DELAY_MS	3600000		/* an hour */
#define CONFIG_MAX_REPLY	4096
#define CONFIG_MAX_NAME		64
#define CONFIG_DEFAULT_CLASS	"normal"
#define CONFIG_DEFAULT_REPLY \
	"Request handled with {class} priority by worker {pid}\n"

struct config_listener {
	char			*text;		/* as written, for messages */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

struct config_class {
	char	*name;
	int	 workers;
	char	*reply;
	int	 delay_ms;
	int	 line;		/* where it was defined */
};

/* Where each rule was written, for "rule #N at FILE:LINE". */
struct config_rule {
	char	*file;
	int	 line;
};

struct config {
	char			*path;
	struct config_listener	*listeners;
	size_t			 nlisteners;
	struct config_class	*classes;
	size_t			 nclasses;
	int			 default_class;
	struct rules		*rules;
	struct config_rule	*rule_src;	/* one per rule, in order */
	size_t			 nrules;
};

/*
 * Receives one problem: its place (line 0 is about the file as a whole),
 * whether it is only a warning, and the message.
 */
typedef void	 config_report_fn(void *arg, const char *file, int line,
		    int warning, const char *text);

/* Returns NULL when the file has any error; warnings alone do not count. */
struct config	*config_load(const char *path, config_report_fn *, void *arg);

/* Prints "FILE:LINE: message" (or "FILE:LINE: warning: ...") on the FILE *arg. */
void		 config_report_print(void *arg, const char *file, int line,
		    int warning, const char *text);
void		 config_free(struct config *);

/* Index of the class of that name, or -1. */
int		 config_class_find(const struct config *, const char *name);

/* Whether two classes need the same workers (same program and arguments). */
int		 config_class_same_workers(const struct config_class *,
		    const struct config_class *);

#endif

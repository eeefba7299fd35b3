/*
 * config: the configuration file, read with libconfig and checked in full.
 *
 * config_load reads and checks a whole file and compiles its rules.  Every
 * problem is written to the error stream as "FILE:LINE: message", all of
 * them in one run, sorted by line; a warning as "FILE:LINE: warning: ...".
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

struct config	*config_load(const char *path, FILE *errs);
void		 config_free(struct config *);

/* Index of the class of that name, or -1. */
int		 config_class_find(const struct config *, const char *name);

/* Whether two classes need the same workers (same program and arguments). */
int		 config_class_same_workers(const struct config_class *,
		    const struct config_class *);

#endif

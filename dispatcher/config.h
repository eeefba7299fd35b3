/*
 * config: the configuration file, read with libconfig and checked in full.
 *
 * config_load reads and checks a whole file and compiles its rules.  Every
 * problem, all of them in one run, goes to a report function, sorted by
 * file and line.  It runs in the live daemon on every reload: running out
 * of memory is one more error, never the end of the process.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "contract.h"

/*
 * A class's name, reply, delay and write timeout are the worker's
 * arguments: their limits and defaults are the contract's (CONTRACT_*).
 */
#define CONFIG_MAX_WORKERS	256
#define CONFIG_MAX_CONNECTIONS	1000000
#define CONFIG_MAX_QUEUE	1000000
#define CONFIG_DEFAULT_QUEUE	1024
#define CONFIG_MAX_QUEUE_TIMEOUT_MS	3600000		/* an hour */
#define CONFIG_DEFAULT_QUEUE_TIMEOUT_MS	10000
/*
 * A worker with connections in hand that reports none done for this long
 * is hung: by default twice delay_ms and a minute, room for a slow client
 * and the lingering close besides the delay.
 */
#define CONFIG_MAX_WORKER_TIMEOUT_MS	86400000	/* a day */
#define CONFIG_WORKER_TIMEOUT_BASE_MS	60000
#define CONFIG_MAX_LISTENER_NAME	64		/* as a class's */
#define CONFIG_MAX_PRIORITY	1000
/*
 * Sockets per listener with lanes: a priority level a lane each, the
 * lowest levels sharing lane 0 beyond it.
 */
#define CONFIG_MAX_LANES	8
#define CONFIG_MAX_ACCEPTORS	64	/* shards: accept loops, each a thread */
/*
 * Descriptors the dispatcher needs besides queued connections, channels
 * and listening sockets: standard streams, epoll, signalfd, timers.
 */
#define CONFIG_FD_RESERVE	16
#define CONFIG_DEFAULT_CLASS	"normal"
/* Connections waiting for their PROXY header (proxy_wait.c). */
#define CONFIG_DEFAULT_PROXY_PENDING	1024
#define CONFIG_DEFAULT_PROXY_TIMEOUT_MS	3000
#define CONFIG_MAX_PROXY_TIMEOUT_MS	60000
#define CONFIG_DEFAULT_UPGRADE_TIMEOUT_MS	30000
#define CONFIG_MAX_UPGRADE_TIMEOUT_MS		3600000

struct config_listener {
	char			*text;		/* as written, for messages */
	char			*name;		/* for rules, or NULL */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 lanes;		/* a socket per priority level */
	int			 proxy;		/* a PROXY header comes first */
	struct rules		*proxy_from;	/* who may send it: any match */
};

/* An address of the daemon's own, such as the metrics endpoint's. */
struct config_addr {
	char			*text;		/* as written; NULL: not set */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

struct config_class {
	char	*name;
	int	 workers;
	char	*reply;
	int	 delay_ms;
	int	 write_timeout_ms;	/* for a reply to go; 0: no limit */
	int	 max_connections;	/* in hand across its workers; 0: no limit */
	int	 queue;			/* may wait for a slot */
	int	 queue_timeout_ms;	/* 0: no limit */
	int	 overflow;		/* class to spill into, -1: reject */
	char	*busy_reply;		/* written to a rejected client, or NULL */
	int	 priority;		/* higher first */
	int	 abort_on_close;	/* a queued client's FIN drops it */
	int	 worker_timeout_ms;	/* no DONE for this long: hung; 0: never */
	int	 sched_batch;		/* workers run SCHED_BATCH */
	const char *handler;		/* CONTRACT_HANDLER_* */
	char	**command;		/* "exec": argv, NULL-terminated */
	int	 exec_timeout_ms;	/* "exec": a program's limit; 0: none */
	int	 http_timeout_ms;	/* "http": for the request head */
	char	**worker;		/* its program's argv; NULL: dispatch-worker */
	int	 line;			/* where it was defined */
};

/*
 * A rule as written: where, and which entries of the ruleset it became.
 * A rule with a list file becomes one entry per address in the list.
 */
struct config_rule {
	char		*file;
	int		 line;
	char		*list;		/* the list file, or NULL */
	unsigned	*list_lines;	/* the line of each entry in it */
	size_t		 first;		/* its first entry in the ruleset */
	size_t		 count;		/* how many */
};

/*
 * The control socket (control.c): a Unix stream socket made once at
 * start-up, with its owner and mode.
 */
#define CONFIG_CONTROL_MODE	0600
struct config_control {
	char	*path;		/* NULL: no control socket */
	uid_t	 uid;		/* (uid_t)-1: the dispatcher's */
	gid_t	 gid;		/* (gid_t)-1: the dispatcher's */
	mode_t	 mode;
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
	struct config_addr	 metrics;	/* the Prometheus endpoint */
	char			*access_log;	/* a path, "-": stderr, NULL: none */
	struct config_control	 control;
	int			 proxy_pending;	/* waiting for their header */
	int			 proxy_timeout_ms;
	/*
	 * "user" and "group": whom to run as once listening (privs.c), or
	 * NULL; looked up when loaded, gid the user's own group by default.
	 */
	char			*user;
	uid_t			 uid;
	gid_t			 gid;
	int			 acceptors;	/* shards (shard.h); 1: none */
	/* For a new binary, started on SIGUSR2, to be ready (upgrade.c). */
	int			 upgrade_timeout_ms;
};

#define CONFIG_MAX_LIST_ERRORS	20	/* per list file, then it stops */
#define CONFIG_MAX_SHADOWED	20	/* warnings, then a count */

/*
 * Receives one problem: its place (line 0 is about the file as a whole),
 * whether it is only a warning, and the message.
 */
typedef void	 config_report_fn(void *arg, const char *file, int line,
		    int warning, const char *text);

/*
 * Returns NULL, having freed all it allocated, when the file has any
 * error; warnings alone do not count.  When an allocation fails, the one
 * problem reported is "out of memory" at the line being read (or line 0),
 * as what the checks find after it may be its consequences.
 */
struct config	*config_load(const char *path, config_report_fn *, void *arg);

/* Prints "FILE:LINE: [warning: ]message" on the FILE * that arg is. */
void		 config_report_print(void *arg, const char *file, int line,
		    int warning, const char *text);
void		 config_free(struct config *);

/* The index in rule_src of the rule that an entry of the ruleset comes from. */
size_t		 config_rule_index(const struct config *, int entry);

/*
 * Describes an entry of the ruleset as "rule #N at FILE:LINE", with
 * " (file LIST:LINE)" for an entry of a list; returns buf.
 */
const char	*config_rule_describe(const struct config *, int entry,
		    char *buf, size_t len);

/*
 * Describes what a match decided: "default class X", or the rule and
 * "-> deny", "-> class X" or its regex's match error and "-> refused";
 * returns buf.
 */
struct rules_verdict;
const char	*config_verdict_describe(const struct config *,
		    const struct rules_verdict *, char *buf, size_t len);

/*
 * Says which rule a client at peer (A.B.C.D[:PORT], V6 or [V6]:PORT) that
 * arrived on listener lname (its name or address; NULL: any) matches:
 * 0 with "ADDRESS -> VERDICT" in buf, or -1 with why not (a bad address,
 * an unknown listener) in buf.
 */
int		 config_explain(const struct config *, const char *peer,
		    const char *lname, char *buf, size_t len);

/* Index of the listener with that name or that address as written, or -1. */
int		 config_listener_find(const struct config *, const char *);

/*
 * The index in to of the listener at index in from: the same address,
 * which is the same listening socket across a reload; -1 when to has no
 * such listener (or index is -1).
 */
int		 config_listener_map(const struct config *from, int index,
		    const struct config *to);

/* Index of the class of that name, or -1. */
int		 config_class_find(const struct config *, const char *name);

/*
 * A copy of an argv, a class's "command" or "worker" (NULL for NULL),
 * or NULL out of memory; and its end.
 */
char		**config_argv_dup(char *const *argv);
void		 config_argv_free(char **argv);

/*
 * The arguments a worker of the class is started with (the caller
 * compares two with contract_same); they point into the class.
 */
void		 config_class_args(const struct config_class *,
		    const char *program, int verbose, struct contract_args *);

#endif

/*
 * contract: what the dispatcher and a worker program agree on, written
 * once for both: how a worker is started (its argv), the reply template
 * and its placeholders, the limits of each argument, and when a worker
 * started for one class's settings can go on serving new ones.
 *
 * The configuration accepts exactly what contract_parse accepts, so a
 * class that loads is a class whose workers start.
 */
#ifndef CONTRACT_H
#define CONTRACT_H

#include <stddef.h>

#define CONTRACT_DEFAULT_REPLY \
	"Request handled with {class} priority by worker {pid}\n"
#define CONTRACT_MAX_NAME	64		/* bytes in a class name */
#define CONTRACT_MAX_REPLY	4096		/* bytes in a reply template */
#define CONTRACT_MAX_DELAY_MS	3600000		/* an hour */
#define CONTRACT_MAX_WRITE_TIMEOUT_MS	3600000		/* an hour */
#define CONTRACT_DEFAULT_WRITE_TIMEOUT_MS	30000
/*
 * What a worker does with a connection (-H): "reply" writes the reply
 * (the default); "exec" runs a program with the connection as its
 * standard input and output (worker_exec.c); "http" reads an HTTP request
 * head first and answers with the reply as the body of an HTTP response
 * (worker_http.c), the head given the HTTP timeout to come.
 */
#define CONTRACT_HANDLER_REPLY	"reply"
#define CONTRACT_HANDLER_EXEC	"exec"
#define CONTRACT_HANDLER_HTTP	"http"
#define CONTRACT_DEFAULT_HTTP_TIMEOUT_MS	10000
#define CONTRACT_MAX_HTTP_TIMEOUT_MS	3600000		/* an hour */
#define CONTRACT_MAX_COMMAND	32		/* a program's argv, without NULL */
#define CONTRACT_MAX_EXEC_TIMEOUT_MS	86400000	/* a day */
#define CONTRACT_DEFAULT_EXEC_TIMEOUT_MS	60000
/* A program still running this long after its SIGTERM gets SIGKILL. */
#define CONTRACT_EXEC_KILL_MS	2000
/*
 * argv[] with its NULL: dispatch-worker's 16 for the options, "--", then
 * the command, or a user's worker program's own.
 */
#define CONTRACT_ARGV_MAX	64
#define CONTRACT_FD_RESERVE	16		/* a worker's descriptors not for connections */

/*
 * The class's settings, in the environment of every worker, so that a
 * program of the user's (which is given its own argv alone) can honour
 * them too.
 */
#define CONTRACT_ENV_CLASS	"DISPATCH_CLASS"
#define CONTRACT_ENV_REPLY	"DISPATCH_REPLY"
#define CONTRACT_ENV_DELAY	"DISPATCH_DELAY_MS"
#define CONTRACT_ENV_WRITE_TIMEOUT	"DISPATCH_WRITE_TIMEOUT_MS"
#define CONTRACT_ENV_MAX	4

/* What a worker is started with. */
struct contract_args {
	const char	*program;
	/*
	 * A program of the user's: its whole argv, program being argv[0];
	 * NULL for dispatch-worker, whose argv contract_argv builds.
	 */
	char *const	*argv;
	const char	*class;		/* its name */
	const char	*reply;		/* the template */
	int		 delay_ms;	/* before each reply */
	int		 write_timeout_ms; /* for the reply to go; 0: no limit */
	int		 verbose;	/* one debug line per connection */
	const char	*handler;	/* CONTRACT_HANDLER_*; NULL: "reply" */
	/* With "exec": the program's argv, NULL-terminated, and its limit. */
	char *const	*command;
	int		 exec_timeout_ms; /* 0: no limit */
	int		 http_timeout_ms; /* with "http": for a head to come */
};

/*
 * A worker's argv, pointing into the args it was built from, and the
 * CONTRACT_ENV_* variables to add to its environment.
 */
struct contract_argv {
	char		*argv[CONTRACT_ARGV_MAX];
	char		 delay[16];
	char		 write_timeout[16];
	char		 exec_timeout[16];
	char		 http_timeout[16];
	char		*env[CONTRACT_ENV_MAX + 1];
	char		 env_class[sizeof(CONTRACT_ENV_CLASS "=") +
			    CONTRACT_MAX_NAME];
	char		 env_reply[sizeof(CONTRACT_ENV_REPLY "=") +
			    CONTRACT_MAX_REPLY];
	char		 env_delay[sizeof(CONTRACT_ENV_DELAY "=") + 16];
	char		 env_write_timeout[sizeof(CONTRACT_ENV_WRITE_TIMEOUT "=") +
			    16];
};

enum contract_placeholder {
	CONTRACT_BRACE,		/* "{{": a literal "{" */
	CONTRACT_CLASS,		/* "{class}" */
	CONTRACT_PID,		/* "{pid}" */
	CONTRACT_PEER,		/* "{peer}": the client's address */
	CONTRACT_NONE = -1,
};

/*
 * The placeholder that s, which starts with '{', begins with, and its
 * length in *len; CONTRACT_NONE when it names none of them.
 */
enum contract_placeholder contract_placeholder(const char *s, size_t *len);

/*
 * Checks a reply template: NULL when the worker takes it, else why not.
 * With *at NULL the reason follows the reply's name ("is longer than
 * 4096 bytes").  Else *at is the offending placeholder, which runs to the
 * next '}' if any, and the reason reads "KIND: HINT" ("unknown
 * placeholder: expected ..."), so that a message can quote the
 * placeholder after KIND.
 */
const char	*contract_reply_check(const char *reply, const char **at);

/*
 * The connections a worker holds at once with nofile descriptors (its
 * RLIMIT_NOFILE, raised to the hard limit it inherits from the
 * dispatcher): past them it takes nothing from its channel, so the
 * dispatcher sends it no more, and what waits does so in the dispatcher's
 * queue rather than in flight, where it would count against the user's
 * descriptors in flight (ETOOMANYREFS) and stall every class.
 */
size_t		 contract_max_conn(unsigned long nofile);

/*
 * The handler of that name, as the contract's own string (one of the
 * CONTRACT_HANDLER_* strings); NULL when there is none.
 */
const char	*contract_handler(const char *name);

/* Builds the argv that starts a worker with these args. */
/*
 * Builds the argv that starts a worker with these args (a user's
 * program: its own, of fewer than CONTRACT_ARGV_MAX entries, which the
 * configuration checks), and its CONTRACT_ENV_* variables.
 */
void		 contract_argv(const struct contract_args *,
		    struct contract_argv *);

/*
 * Reads a worker's argv into args, with program set to argv[0]: 0, or
 * -1 with a message for the usage line in err.  What argv leaves out
 * takes its default: the default reply, no delay, the default write
 * timeout, the "reply" handler, the default exec and HTTP timeouts.
 * With "-H exec", the program's argv follows the options (after "--"),
 * its name an absolute path; with any other handler nothing follows
 * them.  -T (the HTTP timeout) goes with "-H http" alone.
 */
int		 contract_parse(int argc, char *argv[], struct contract_args *,
		    char *err, size_t errlen);

/*
 * Whether a worker started with a can serve a class configured as b:
 * the same program, the same argv and the same settings, its command's
 * among them (the exec timeout counts with a command only, the HTTP
 * timeout for "http").
 */
int		 contract_same(const struct contract_args *a,
		    const struct contract_args *b);

#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"

#define CONTRACT_STR(x)		#x
#define CONTRACT_XSTR(x)	CONTRACT_STR(x)

static const char *const contract_handlers[] = {
	CONTRACT_HANDLER_REPLY, CONTRACT_HANDLER_EXEC, CONTRACT_HANDLER_HTTP,
	NULL
};

static const struct {
	const char			*text;
	enum contract_placeholder	 kind;
} contract_names[] = {
	{ "{{", CONTRACT_BRACE },
	{ "{class}", CONTRACT_CLASS },
	{ "{pid}", CONTRACT_PID },
	{ "{peer}", CONTRACT_PEER },
};

enum contract_placeholder
contract_placeholder(const char *s, size_t *len)
{
	size_t	i, n;

	for (i = 0; i < sizeof(contract_names) / sizeof(contract_names[0]);
	    i++) {
		n = strlen(contract_names[i].text);
		if (strncmp(s, contract_names[i].text, n) == 0) {
			*len = n;
			return contract_names[i].kind;
		}
	}
	return CONTRACT_NONE;
}

const char *
contract_reply_check(const char *reply, const char **at)
{
	const char	*p;
	size_t		 len;

	*at = NULL;
	if (strlen(reply) > CONTRACT_MAX_REPLY)
		return "is longer than " CONTRACT_XSTR(CONTRACT_MAX_REPLY) " bytes";
	for (p = reply; (p = strchr(p, '{')) != NULL; p += len) {
		if (contract_placeholder(p, &len) != CONTRACT_NONE)
			continue;
		*at = p;
		if (strchr(p, '}') == NULL)
			return "unterminated placeholder: write \"{{\" for a "
			    "literal \"{\"";
		return "unknown placeholder: expected {class}, {pid} or {peer}";
	}
	return NULL;
}

/*
 * Reads option opt's argument s, milliseconds from 0 to max, into *ms:
 * 0, or -1 with a message in err.
 */
static int
contract_ms(int opt, const char *s, int max, int *ms, char *err,
    size_t errlen)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    n > max) {
		snprintf(err, errlen, "-%c: milliseconds, 0 to %d", opt, max);
		return -1;
	}
	*ms = (int)n;
	return 0;
}

const char *
contract_handler(const char *name)
{
	size_t	i;

	for (i = 0; contract_handlers[i] != NULL; i++)
		if (strcmp(contract_handlers[i], name) == 0)
			return contract_handlers[i];
	return NULL;
}

/* Its handler: args built by hand may leave it out. */
static const char *
contract_handler_of(const struct contract_args *a)
{
	return a->handler != NULL ? a->handler : CONTRACT_HANDLER_REPLY;
}

/* The class's settings, as the environment names them. */
static void
contract_env(const struct contract_args *a, struct contract_argv *out)
{
	snprintf(out->env_class, sizeof(out->env_class), "%s=%s",
	    CONTRACT_ENV_CLASS, a->class);
	snprintf(out->env_reply, sizeof(out->env_reply), "%s=%s",
	    CONTRACT_ENV_REPLY, a->reply);
	snprintf(out->env_delay, sizeof(out->env_delay), "%s=%d",
	    CONTRACT_ENV_DELAY, a->delay_ms);
	snprintf(out->env_write_timeout, sizeof(out->env_write_timeout),
	    "%s=%d", CONTRACT_ENV_WRITE_TIMEOUT, a->write_timeout_ms);
	out->env[0] = out->env_class;
	out->env[1] = out->env_reply;
	out->env[2] = out->env_delay;
	out->env[3] = out->env_write_timeout;
	out->env[CONTRACT_ENV_MAX] = NULL;
}

void
contract_argv(const struct contract_args *a, struct contract_argv *out)
{
	const char	*handler = contract_handler_of(a);
	int		 argc = 0, i;

	contract_env(a, out);
	if (a->argv != NULL) {
		while (argc < CONTRACT_ARGV_MAX - 1 && a->argv[argc] != NULL) {
			out->argv[argc] = a->argv[argc];
			argc++;
		}
		out->argv[argc] = NULL;
		return;
	}
	snprintf(out->delay, sizeof(out->delay), "%d", a->delay_ms);
	snprintf(out->write_timeout, sizeof(out->write_timeout), "%d",
	    a->write_timeout_ms);
	/* execve does not write to argv: the casts only drop const. */
	out->argv[argc++] = (char *)a->program;
	out->argv[argc++] = "-n";
	out->argv[argc++] = (char *)a->class;
	out->argv[argc++] = "-r";
	out->argv[argc++] = (char *)a->reply;
	out->argv[argc++] = "-d";
	out->argv[argc++] = out->delay;
	out->argv[argc++] = "-w";
	out->argv[argc++] = out->write_timeout;
	if (a->verbose)
		out->argv[argc++] = "-v";
	/* The default handler is left out: workers of old take the argv. */
	if (strcmp(handler, CONTRACT_HANDLER_REPLY) != 0) {
		out->argv[argc++] = "-H";
		out->argv[argc++] = (char *)handler;
	}
	if (strcmp(handler, CONTRACT_HANDLER_HTTP) == 0) {
		snprintf(out->http_timeout, sizeof(out->http_timeout), "%d",
		    a->http_timeout_ms);
		out->argv[argc++] = "-T";
		out->argv[argc++] = out->http_timeout;
	}
	if (a->command != NULL) {
		snprintf(out->exec_timeout, sizeof(out->exec_timeout), "%d",
		    a->exec_timeout_ms);
		out->argv[argc++] = "-x";
		out->argv[argc++] = out->exec_timeout;
		out->argv[argc++] = "--";
		for (i = 0; a->command[i] != NULL &&
		    i < CONTRACT_MAX_COMMAND; i++)
			out->argv[argc++] = a->command[i];
	}
	out->argv[argc] = NULL;
}

int
contract_parse(int argc, char *argv[], struct contract_args *a, char *err,
    size_t errlen)
{
	const char	*why, *at;
	size_t		 kind;
	int		 ch, http_timeout = 0;

	memset(a, 0, sizeof(*a));
	a->program = argv[0];
	a->reply = CONTRACT_DEFAULT_REPLY;
	a->write_timeout_ms = CONTRACT_DEFAULT_WRITE_TIMEOUT_MS;
	a->handler = CONTRACT_HANDLER_REPLY;
	a->exec_timeout_ms = CONTRACT_DEFAULT_EXEC_TIMEOUT_MS;
	a->http_timeout_ms = CONTRACT_DEFAULT_HTTP_TIMEOUT_MS;
	err[0] = '\0';
	/*
	 * 0, not 1: glibc then forgets an earlier argv entirely, including
	 * the rest of an option cluster ("-xv") it stopped in, which it
	 * would otherwise go on reading as the start of this argv.  "+":
	 * options end at the first operand, the command's name, so that
	 * its own options are left to it.
	 */
	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+n:r:d:w:vH:x:T:")) != -1) {
		switch (ch) {
		case 'n':
			a->class = optarg;
			break;
		case 'r':
			a->reply = optarg;
			break;
		case 'd':
			if (contract_ms(ch, optarg, CONTRACT_MAX_DELAY_MS,
			    &a->delay_ms, err, errlen) == -1)
				return -1;
			break;
		case 'w':
			if (contract_ms(ch, optarg,
			    CONTRACT_MAX_WRITE_TIMEOUT_MS, &a->write_timeout_ms,
			    err, errlen) == -1)
				return -1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'H':
			if ((a->handler = contract_handler(optarg)) == NULL) {
				snprintf(err, errlen, "-H: \"%s\", \"%s\" or "
				    "\"%s\"", CONTRACT_HANDLER_REPLY,
				    CONTRACT_HANDLER_EXEC, CONTRACT_HANDLER_HTTP);
				return -1;
			}
			break;
		case 'T':
			/* An HTTP client has a time limit, always. */
			if (contract_ms(ch, optarg,
			    CONTRACT_MAX_HTTP_TIMEOUT_MS, &a->http_timeout_ms,
			    err, errlen) == -1 || a->http_timeout_ms == 0) {
				snprintf(err, errlen, "-T: milliseconds, 1 to "
				    "%d", CONTRACT_MAX_HTTP_TIMEOUT_MS);
				return -1;
			}
			http_timeout = 1;
			break;
		case 'x':
			if (contract_ms(ch, optarg,
			    CONTRACT_MAX_EXEC_TIMEOUT_MS, &a->exec_timeout_ms,
			    err, errlen) == -1)
				return -1;
			break;
		default:
			snprintf(err, errlen, "unknown option or missing "
			    "argument: -%c", optopt);
			return -1;
		}
	}
	if (a->class == NULL) {
		snprintf(err, errlen, "-n CLASS is required");
		return -1;
	}
	if (http_timeout &&
	    strcmp(a->handler, CONTRACT_HANDLER_HTTP) != 0) {
		snprintf(err, errlen, "-T is for -H %s", CONTRACT_HANDLER_HTTP);
		return -1;
	}
	if (strcmp(a->handler, CONTRACT_HANDLER_EXEC) == 0) {
		if (optind == argc || argv[optind][0] != '/' ||
		    argc - optind > CONTRACT_MAX_COMMAND) {
			snprintf(err, errlen, "-H exec: the command follows "
			    "the options, its program an absolute path, 1 to "
			    "%d arguments", CONTRACT_MAX_COMMAND);
			return -1;
		}
		/* getopt has permuted nothing: see "+" above. */
		a->command = argv + optind;
	} else if (optind != argc) {
		snprintf(err, errlen, "nothing follows the options");
		return -1;
	}
	if (a->class[0] == '\0' || strlen(a->class) > CONTRACT_MAX_NAME) {
		snprintf(err, errlen, "-n: 1 to %d bytes", CONTRACT_MAX_NAME);
		return -1;
	}
	if ((why = contract_reply_check(a->reply, &at)) != NULL) {
		kind = strcspn(why, ":");
		if (at == NULL)
			snprintf(err, errlen, "-r: the reply %s", why);
		else
			snprintf(err, errlen, "-r: %.*s \"%.*s\" in the "
			    "reply%s", (int)kind, why,
			    (int)(strcspn(at, "}") + 1), at, why + kind);
		return -1;
	}
	return 0;
}

size_t
contract_max_conn(unsigned long nofile)
{
	return nofile > CONTRACT_FD_RESERVE ? nofile - CONTRACT_FD_RESERVE : 1;
}

/* Two argv lists, NULL for none, entry by entry. */
static int
contract_same_argv(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return 0;
	return *a == NULL && *b == NULL;
}

int
contract_same(const struct contract_args *a, const struct contract_args *b)
{
	return strcmp(a->program, b->program) == 0 &&
	    contract_same_argv(a->argv, b->argv) &&
	    strcmp(contract_handler_of(a), contract_handler_of(b)) == 0 &&
	    (strcmp(contract_handler_of(a), CONTRACT_HANDLER_HTTP) != 0 ||
	    a->http_timeout_ms == b->http_timeout_ms) &&
	    contract_same_argv(a->command, b->command) &&
	    (a->command == NULL || a->exec_timeout_ms == b->exec_timeout_ms) &&
	    strcmp(a->class, b->class) == 0 &&
	    strcmp(a->reply, b->reply) == 0 && a->delay_ms == b->delay_ms &&
	    a->write_timeout_ms == b->write_timeout_ms &&
	    a->verbose == b->verbose;
}

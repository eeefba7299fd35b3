#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"

#define CONTRACT_STR(x)		#x
#define CONTRACT_XSTR(x)	CONTRACT_STR(x)

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

void
contract_argv(const struct contract_args *a, struct contract_argv *out)
{
	int	argc = 0;

	snprintf(out->delay, sizeof(out->delay), "%d", a->delay_ms);
	/* execve does not write to argv: the casts only drop const. */
	out->argv[argc++] = (char *)a->program;
	out->argv[argc++] = "-n";
	out->argv[argc++] = (char *)a->class;
	out->argv[argc++] = "-r";
	out->argv[argc++] = (char *)a->reply;
	out->argv[argc++] = "-d";
	out->argv[argc++] = out->delay;
	if (a->verbose)
		out->argv[argc++] = "-v";
	out->argv[argc] = NULL;
}

int
contract_parse(int argc, char *argv[], struct contract_args *a, char *err,
    size_t errlen)
{
	const char	*why, *at;
	char		*end;
	long		 delay;
	size_t		 kind;
	int		 ch;

	memset(a, 0, sizeof(*a));
	a->program = argv[0];
	a->reply = CONTRACT_DEFAULT_REPLY;
	err[0] = '\0';
	/*
	 * 0, not 1: glibc then forgets an earlier argv entirely, including
	 * the rest of an option cluster ("-xv") it stopped in, which it
	 * would otherwise go on reading as the start of this argv.
	 */
	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, "n:r:d:v")) != -1) {
		switch (ch) {
		case 'n':
			a->class = optarg;
			break;
		case 'r':
			a->reply = optarg;
			break;
		case 'd':
			errno = 0;
			delay = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    *end != '\0' || errno != 0 ||
			    delay > CONTRACT_MAX_DELAY_MS) {
				snprintf(err, errlen, "-d: milliseconds, 0 to "
				    "%d", CONTRACT_MAX_DELAY_MS);
				return -1;
			}
			a->delay_ms = (int)delay;
			break;
		case 'v':
			a->verbose = 1;
			break;
		default:
			snprintf(err, errlen, "unknown option or missing "
			    "argument: -%c", optopt);
			return -1;
		}
	}
	if (optind != argc || a->class == NULL) {
		snprintf(err, errlen, "-n CLASS is required, and nothing "
		    "follows the options");
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

int
contract_same(const struct contract_args *a, const struct contract_args *b)
{
	return strcmp(a->program, b->program) == 0 &&
	    strcmp(a->class, b->class) == 0 &&
	    strcmp(a->reply, b->reply) == 0 && a->delay_ms == b->delay_ms &&
	    a->verbose == b->verbose;
}

#include <sys/resource.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "dispatcher.h"
#include "lanes.h"
#include "log.h"
#include "rules.h"

#define MAIN_DEFAULT_CONFIG	"etc/rules.cfg"

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dispatcher [-c FILE] [-t] [-v] [-h] [-V]\n"
	    "       dispatcher [-c FILE] -e ADDRESS[:PORT] [-L LISTENER]\n"
	    "  -c FILE  configuration (default: " MAIN_DEFAULT_CONFIG
	    ", relative to the current directory)\n"
	    "  -t       check the configuration, print \"FILE: configuration OK\""
	    " and exit\n"
	    "  -v       also log one debug line per connection\n"
	    "  -e ADDR  explain which rule a client at ADDR (A.B.C.D, A.B.C.D:PORT,"
	    "\n           V6 or [V6]:PORT; port 0 when not given) matches, and "
	    "exit\n"
	    "  -L NAME  with -e: the client arrived on this listener (its name "
	    "or address)\n"
	    "  -h       print this help and exit\n"
	    "  -V       print the version and exit\n"
	    "exit codes: 0 success, 64 usage, 70 internal error, 71 system "
	    "error, 78 configuration error\n");
}

/* A client address as the user writes it, with or without a port. */
static int
main_parse_peer(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	const char		*colon = strchr(text, ':');
	socklen_t		 len;
	char			 err[256];

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[' || (colon != NULL && strchr(colon + 1, ':') == NULL))
		return addr_parse_hostport(text, ss, &len, err, sizeof(err));
	if (colon == NULL) {
		sin->sin_family = AF_INET;
		return inet_pton(AF_INET, text, &sin->sin_addr) == 1 ? 0 : -1;
	}
	sin6->sin6_family = AF_INET6;
	return inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1 ? 0 : -1;
}

/* -e: the same compiled matcher as the daemon, on one address. */
static int
main_explain(const struct config *cf, const char *peer, const char *lname)
{
	struct sockaddr_storage	 ss;
	struct rules_verdict	 v;
	char			 text[ADDR_STRLEN], verdict[640];
	int			 listener = -1;

	if (lname != NULL &&
	    (listener = config_listener_find(cf, lname)) == -1) {
		fprintf(stderr, "dispatcher: no listener \"%s\" in %s\n", lname,
		    cf->path);
		return EXIT_USAGE;
	}
	if (main_parse_peer(peer, &ss) == -1) {
		fprintf(stderr, "dispatcher: bad address \"%s\": expected "
		    "A.B.C.D[:PORT], V6 or [V6]:PORT\n", peer);
		return EXIT_USAGE;
	}
	addr_unmap(&ss);
	rules_match(cf->rules, (struct sockaddr *)&ss, listener, &v);
	addr_ntop((struct sockaddr *)&ss, text, sizeof(text));
	printf("%s -> %s\n", text,
	    config_verdict_describe(cf, &v, verdict, sizeof(verdict)));
	return 0;
}

/* -t: for each listener with lanes, what the kernel program holds. */
static int
main_lanes(const struct config *cf)
{
	struct lanes_prog	lp;
	size_t			i;

	for (i = 0; i < cf->nlisteners; i++) {
		if (!cf->listeners[i].lanes)
			continue;
		if (lanes_compile(cf, i, &lp) == -1) {
			fprintf(stderr, "dispatcher: lanes of %s: out of "
			    "memory\n", cf->listeners[i].text);
			return EXIT_OSERR;
		}
		lanes_describe(cf, i, &lp, stdout);
		lanes_free(&lp);
	}
	return 0;
}

/*
 * Descriptors held in the dispatcher (queued connections, and those in
 * flight on the channels) count against this limit: take all we may.
 */
static void
main_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

int
main(int argc, char *argv[])
{
	struct config	*cf;
	const char	*path = MAIN_DEFAULT_CONFIG, *explain = NULL;
	const char	*listener = NULL;
	int		 ch, check = 0, verbose = 0, rc;

	while ((ch = getopt(argc, argv, "c:tvhVe:L:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'e':
			explain = optarg;
			break;
		case 'L':
			listener = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("dispatcher %s\n", DISPATCHER_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (listener != NULL && explain == NULL) {
		fprintf(stderr, "dispatcher: -L goes with -e\n");
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "dispatcher: unexpected argument \"%s\"\n",
		    argv[optind]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	log_init("dispatcher", verbose);

	if (check || explain != NULL) {
		/* Like a compiler: bare FILE:LINE: lines, for editors too. */
		if ((cf = config_load(path, config_report_print, stderr)) == NULL)
			return EXIT_CONFIG;
		if (explain != NULL)
			rc = main_explain(cf, explain, listener);
		else if ((rc = main_lanes(cf)) == 0)
			printf("%s: configuration OK\n", path);
		config_free(cf);
		return rc;
	}
	if ((cf = config_load(path, dispatcher_report, NULL)) == NULL) {
		log_warnx("%s: invalid configuration; not starting", path);
		return EXIT_CONFIG;
	}
	main_raise_nofile();
	return dispatcher_run(cf);
}

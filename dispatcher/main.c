#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "dispatcher.h"
#include "lanes.h"
#include "log.h"
#include "upgrade.h"

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

/* -e: which rule a client at peer matches. */
static int
main_explain(const struct config *cf, const char *peer, const char *lname)
{
	char	answer[1024];

	if (config_explain(cf, peer, lname, answer, sizeof(answer)) == -1) {
		fprintf(stderr, "dispatcher: %s\n", answer);
		return EXIT_USAGE;
	}
	printf("%s\n", answer);
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

	/* What SIGUSR2 starts again: before getopt reorders argv. */
	upgrade_save(argc, argv);
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

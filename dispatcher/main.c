#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "dispatcher.h"
#include "log.h"

#define MAIN_DEFAULT_CONFIG	"etc/rules.cfg"

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dispatcher [-c FILE] [-t] [-v] [-h] [-V]\n"
	    "  -c FILE  configuration (default: " MAIN_DEFAULT_CONFIG
	    ", relative to the current directory)\n"
	    "  -t       check the configuration, print \"FILE: configuration OK\""
	    " and exit\n"
	    "  -v       also log one debug line per connection\n"
	    "  -h       print this help and exit\n"
	    "  -V       print the version and exit\n"
	    "exit codes: 0 success, 64 usage, 70 internal error, 71 system "
	    "error, 78 configuration error\n");
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
	const char	*path = MAIN_DEFAULT_CONFIG;
	int		 ch, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "c:tvhV")) != -1) {
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
	if (optind != argc) {
		fprintf(stderr, "dispatcher: unexpected argument \"%s\"\n",
		    argv[optind]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	log_init("dispatcher", verbose);

	if (check) {
		/* Like a compiler: bare FILE:LINE: lines, for editors too. */
		if ((cf = config_load(path, config_report_print, stderr)) == NULL)
			return EXIT_CONFIG;
		printf("%s: configuration OK\n", path);
		config_free(cf);
		return 0;
	}
	if ((cf = config_load(path, dispatcher_report, NULL)) == NULL) {
		log_warnx("%s: invalid configuration; not starting", path);
		return EXIT_CONFIG;
	}
	main_raise_nofile();
	return dispatcher_run(cf);
}

/*
 * A class's "worker": a program of the user's that speaks the worker
 * protocol (docs/WORKER-PROTOCOL.md), started with exactly this argv and
 * no shell in place of dispatch-worker.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

/*
 * The program must be there and runnable when the file is loaded, as the
 * user the dispatcher runs as then (after a drop to "user", that one):
 * a typo is an error here, not a worker that keeps failing to start.
 */
static void
config_worker_program(struct config_ctx *ctx, const config_setting_t *s,
    const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		config_error(ctx, s, "\"worker\": cannot run \"%s\": %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		config_error(ctx, s, "\"worker\": \"%s\" is not a regular file",
		    path);
	else if (access(path, X_OK) == -1)
		config_error(ctx, s, "\"worker\": cannot run \"%s\": %s", path,
		    strerror(errno));
}

void
config_worker(struct config_ctx *ctx, const config_setting_t *g,
    struct config_class *c)
{
	config_setting_t	*ws, *e;
	char			**argv;
	const char		 *text;
	int			  i, n, bad = 0;

	c->worker = NULL;
	if ((ws = config_setting_get_member(g, "worker")) == NULL)
		return;
	/* The handlers are dispatch-worker's: a program does its own. */
	if (strcmp(c->handler, CONTRACT_HANDLER_REPLY) != 0) {
		config_error(ctx, ws, "\"worker\" runs a program of its own: "
		    "\"handler\" must then be \"%s\" (the default)",
		    CONTRACT_HANDLER_REPLY);
		return;
	}
	if (!config_setting_is_array(ws) && !config_setting_is_list(ws)) {
		config_error(ctx, ws, "\"worker\" must be a list of strings: "
		    "[ \"/path/to/program\", \"arg\" ]");
		return;
	}
	if ((n = config_setting_length(ws)) <= 0) {
		config_error(ctx, ws, "\"worker\" is empty: it needs the "
		    "program's path");
		return;
	}
	if (n >= CONTRACT_ARGV_MAX) {
		config_error(ctx, ws, "\"worker\" has more than %d entries",
		    CONTRACT_ARGV_MAX - 1);
		return;
	}
	for (i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(ws,
		    (unsigned)i)) != CONFIG_TYPE_STRING) {
			config_error(ctx, config_setting_get_elem(ws,
			    (unsigned)i), "\"worker\" entries must be strings");
			bad = 1;
		}
	if (bad)
		return;
	if ((argv = calloc((size_t)n + 1, sizeof(*argv))) == NULL) {
		config_nomem(ctx, ws);
		return;
	}
	for (i = 0; i < n && !bad; i++) {
		e = config_setting_get_elem(ws, (unsigned)i);
		if (i == 0) {
			/* A relative path starts from the file's folder. */
			argv[0] = config_relpath(ctx, e,
			    config_setting_source_file(e) != NULL ?
			    config_setting_source_file(e) : ctx->path);
		} else if ((text = config_string(ctx, e)) != NULL)
			argv[i] = config_strdup(ctx, e, text);
		bad = argv[i] == NULL;
	}
	if (bad) {
		config_argv_free(argv);
		return;
	}
	config_worker_program(ctx, config_setting_get_elem(ws, 0), argv[0]);
	c->worker = argv;
}

char **
config_argv_dup(char *const *argv)
{
	char	**copy;
	size_t	  i, n;

	if (argv == NULL)
		return NULL;
	for (n = 0; argv[n] != NULL; n++)
		;
	if ((copy = calloc(n + 1, sizeof(*copy))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((copy[i] = strdup(argv[i])) == NULL) {
			config_argv_free(copy);
			return NULL;
		}
	return copy;
}

void
config_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

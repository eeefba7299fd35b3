#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

/* Where a program's bare name is looked for when PATH is not set. */
#define CONFIG_DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"

/* Whether path is a regular file we may execute. */
static int
config_executable(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/*
 * The program a command names: an absolute path to an executable file, or
 * a bare name found now in PATH's absolute folders, as the shell would
 * find it.  Looked up at load, so that a typo is a FILE:LINE error of -t
 * and of a reload rather than a failure at every connection; the worker
 * gets the absolute path.  A copy, or NULL when reported.
 */
static char *
config_program(struct config_ctx *ctx, const config_setting_t *s,
    const char *name)
{
	const char	*path, *dir, *end;
	char		 full[PATH_MAX];
	size_t		 len;

	if (name[0] == '/') {
		if (config_executable(name))
			return config_strdup(ctx, s, name);
		config_error(ctx, s, "\"command\": \"%s\" is not an executable "
		    "file", name);
		return NULL;
	}
	if (name[0] == '\0' || strchr(name, '/') != NULL) {
		config_error(ctx, s, "\"command\": \"%s\" must be an absolute "
		    "path or a program in PATH", name);
		return NULL;
	}
	if ((path = getenv("PATH")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	for (dir = path; *dir != '\0'; dir = *end == ':' ? end + 1 : end) {
		end = dir + strcspn(dir, ":");
		len = (size_t)(end - dir);
		/* A relative folder would depend on where we run from. */
		if (dir[0] != '/' || (size_t)snprintf(full, sizeof(full),
		    "%.*s/%s", (int)len, dir, name) >= sizeof(full))
			continue;
		if (config_executable(full))
			return config_strdup(ctx, s, full);
	}
	config_error(ctx, s, "\"command\": program \"%s\" not found in PATH",
	    name);
	return NULL;
}

/* "command": a list of 1 to CONTRACT_MAX_COMMAND strings, into c. */
static void
config_command(struct config_ctx *ctx, const config_setting_t *s,
    struct config_class *c)
{
	const config_setting_t	*e;
	const char		*text;
	size_t			 i, n;

	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) ||
	    (n = (size_t)config_setting_length(s)) == 0 ||
	    n > CONTRACT_MAX_COMMAND) {
		config_error(ctx, s, "\"command\" must be a list of 1 to %d "
		    "strings: [ \"/usr/bin/program\", \"arg\" ]",
		    CONTRACT_MAX_COMMAND);
		return;
	}
	for (i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(s,
		    (unsigned)i)) != CONFIG_TYPE_STRING) {
			config_error(ctx, s, "\"command\" must be a list of "
			    "strings");
			return;
		}
	if ((c->command = calloc(n + 1, sizeof(*c->command))) == NULL) {
		config_nomem(ctx, s);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if ((text = config_string(ctx, e)) == NULL)
			break;
		c->command[i] = i == 0 ? config_program(ctx, s, text) :
		    config_strdup(ctx, s, text);
		if (c->command[i] == NULL)
			break;
	}
	if (i < n) {
		config_argv_free(c->command);
		c->command = NULL;
	}
}

void
config_handler(struct config_ctx *ctx, const config_setting_t *g,
    struct config_class *c)
{
	const config_setting_t	*s, *cs;
	const char		*name;

	c->handler = CONTRACT_HANDLER_REPLY;
	c->exec_timeout_ms = CONTRACT_DEFAULT_EXEC_TIMEOUT_MS;
	c->http_timeout_ms = CONTRACT_DEFAULT_HTTP_TIMEOUT_MS;
	config_get_int(ctx, g, "exec_timeout_ms", 0,
	    CONTRACT_MAX_EXEC_TIMEOUT_MS, &c->exec_timeout_ms);
	cs = config_setting_get_member(g, "command");
	if ((name = config_get_string(ctx, g, "handler")) != NULL) {
		s = config_setting_get_member(g, "handler");
		if ((c->handler = contract_handler(name)) == NULL) {
			config_error(ctx, s, "unknown handler \"%s\" (expected "
			    "\"%s\", \"%s\" or \"%s\")", name,
			    CONTRACT_HANDLER_REPLY, CONTRACT_HANDLER_EXEC,
			    CONTRACT_HANDLER_HTTP);
			c->handler = CONTRACT_HANDLER_REPLY;
			return;
		}
	}
	/* A setting of another handler would be ignored: refused. */
	if ((s = config_setting_get_member(g, "http_timeout_ms")) != NULL) {
		if (strcmp(c->handler, CONTRACT_HANDLER_HTTP) != 0)
			config_error(ctx, s, "\"http_timeout_ms\" is for "
			    "handler = \"%s\"", CONTRACT_HANDLER_HTTP);
		else
			config_get_int(ctx, g, "http_timeout_ms", 1,
			    CONTRACT_MAX_HTTP_TIMEOUT_MS, &c->http_timeout_ms);
	}
	if (strcmp(c->handler, CONTRACT_HANDLER_EXEC) != 0) {
		if (cs != NULL)
			config_error(ctx, cs, "\"command\" needs handler = "
			    "\"%s\"", CONTRACT_HANDLER_EXEC);
		return;
	}
	if (cs == NULL) {
		config_error(ctx, config_setting_get_member(g, "handler"),
		    "handler \"%s\" needs \"command\"", CONTRACT_HANDLER_EXEC);
		return;
	}
	config_command(ctx, cs, c);
}

#include <sched.h>
#include <string.h>

#include "config_int.h"

char *
config_strdup(struct config_ctx *ctx, const config_setting_t *s,
    const char *str)
{
	char	*p;

	if ((p = strdup(str)) == NULL)
		config_nomem(ctx, s);
	return p;
}

int
config_check_keys(struct config_ctx *ctx, const config_setting_t *g,
    const char *const *keys)
{
	config_setting_t	*s;
	const char		*name;
	int			 i, k, bad = 0;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		/* libconfig 1.5 keeps a name it could not copy as NULL. */
		if ((name = config_setting_name(s)) == NULL) {
			config_nomem(ctx, s);
			bad = 1;
			continue;
		}
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(keys[k], name) == 0)
				break;
		if (keys[k] == NULL) {
			config_error(ctx, s, "unknown key \"%s\"", name);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

const char *
config_string(struct config_ctx *ctx, const config_setting_t *s)
{
	const char	*text;

	if ((text = config_setting_get_string(s)) == NULL)
		config_nomem(ctx, s);
	return text;
}

const char *
config_get_string(struct config_ctx *ctx, const config_setting_t *g,
    const char *key)
{
	config_setting_t	*s;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_error(ctx, s, "\"%s\" must be a string", key);
		return NULL;
	}
	return config_string(ctx, s);
}

void
config_get_int(struct config_ctx *ctx, const config_setting_t *g,
    const char *key, int min, int max, int *v)
{
	config_setting_t	*s;
	long long		 n;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		config_error(ctx, s, "\"%s\" must be an integer", key);
		return;
	}
	n = config_setting_get_int64(s);
	if (n < min || n > max) {
		config_error(ctx, s, "\"%s\" must be %d to %d", key, min, max);
		return;
	}
	*v = (int)n;
}

void
config_get_bool(struct config_ctx *ctx, const config_setting_t *g,
    const char *key, int *v)
{
	config_setting_t	*s;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		config_error(ctx, s, "\"%s\" must be true or false", key);
		return;
	}
	*v = config_setting_get_bool(s);
}

int
config_name_valid(struct config_ctx *ctx, const config_setting_t *s,
    const char *what, const char *name, int max)
{
	size_t	len = strlen(name);

	if (len > 0 && len <= (size_t)max &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == len)
		return 1;
	config_error(ctx, s, "bad %s name \"%s\": use 1 to %d letters, "
	    "digits, '_', '-' or '.'", what, name, max);
	return 0;
}

/*
 * A count, or "auto": one a CPU the dispatcher may run on (its affinity,
 * as taskset or a cgroup's cpuset leave it), read at each load, so that a
 * reload follows a changed affinity.
 */
void
config_get_count(struct config_ctx *ctx, const config_setting_t *g,
    const char *key, int max, int *v)
{
	config_setting_t	*s;
	cpu_set_t		 set;
	int			 n;

	if ((s = config_setting_get_member(g, key)) == NULL ||
	    config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_get_int(ctx, g, key, 1, max, v);
		return;
	}
	if (strcmp(config_setting_get_string(s), "auto") != 0) {
		config_error(ctx, s, "\"%s\" must be 1 to %d or \"auto\"", key,
		    max);
		return;
	}
	n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	*v = n < 1 ? 1 : n > max ? max : n;
}

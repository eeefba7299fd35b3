/*
 * config_int: what the files of the configuration loader share, and no
 * one else sees.
 *
 * config.c       config_load, the top level, listeners, classes, default
 * config_rules.c the rules, list files and conditions; describing a rule
 * config_get.c   reading one setting: known keys, typed values, names
 * config_msg.c   the collected FILE:LINE messages, out of memory among them
 * config_control.c the control socket's keys
 * config_observe.c "metrics" and "access_log": what watches the daemon
 * config_user.c  "user" and "group", looked up
 * config_handler.c a class's handler, its command and exec_timeout_ms
 * config_worker.c a class's "worker": a program of the user's
 * config_proxy.c a listener's PROXY protocol keys and their bounds
 *
 * Every problem is collected in a config_ctx and counted; config_load
 * fails when any was an error.  Running out of memory is one of them:
 * config_load runs in the live daemon on every reload, so a failed
 * allocation fails that load, never the daemon.
 */
#ifndef CONFIG_INT_H
#define CONFIG_INT_H

#include <limits.h>
#include <libconfig.h>

#include "config.h"

/*
 * Problems are collected, not printed at once, so that they come out
 * sorted by line whatever order the checks run in.
 */
struct config_msg {
	char	*file;
	int	 line;
	int	 warning;
	size_t	 seq;		/* keeps the sort stable */
	char	*text;
};

struct config_ctx {
	const char		*path;
	struct config		*cf;
	struct config_msg	*msgs;
	size_t			 nmsgs;
	int			 nerrors;
	/*
	 * The first allocation that failed, held here because a message
	 * about it could not be allocated either.
	 */
	int			 nomem;
	char			 nomem_file[PATH_MAX];
	int			 nomem_line;
	/* The top-level settings, found in the first pass. */
	config_setting_t	*listen, *deflt, *classes, *rules;
	int			 lanes;		/* the top-level "lanes" */
};

/* config_msg.c */
void	 config_msg(struct config_ctx *, const config_setting_t *, int error,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A problem at a place that no setting stands for: syntax, a list line. */
void	 config_msg_at(struct config_ctx *, const char *file, int line,
	    int error, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
#define config_error(ctx, s, ...)	config_msg(ctx, s, 1, __VA_ARGS__)
#define config_warning(ctx, s, ...)	config_msg(ctx, s, 0, __VA_ARGS__)
#define config_error_at(ctx, f, l, ...)	config_msg_at(ctx, f, l, 1, __VA_ARGS__)
/*
 * An allocation failed while reading s (NULL: the file as a whole), or
 * at FILE:LINE: an error, told once as "out of memory".
 */
void	 config_nomem(struct config_ctx *, const config_setting_t *);
void	 config_nomem_at(struct config_ctx *, const char *file, int line);
/*
 * Hands every message to report, sorted by file and line, or only out of
 * memory if that happened; frees them.
 */
void	 config_msgs_flush(struct config_ctx *, config_report_fn *, void *arg);

/* config_get.c */
/* A copy of str, or NULL with out of memory reported at s. */
char		*config_strdup(struct config_ctx *, const config_setting_t *s,
		    const char *str);
/* Reports every key of group g that is not in keys; 0 when there is none. */
int		 config_check_keys(struct config_ctx *, const config_setting_t *g,
		    const char *const *keys);
/*
 * A string setting's text.  libconfig 1.5 keeps a string it could not copy
 * as NULL: that is out of memory, reported, and NULL.
 */
const char	*config_string(struct config_ctx *, const config_setting_t *s);
/* g's member key as a string; NULL when absent or (reported) not a string. */
const char	*config_get_string(struct config_ctx *, const config_setting_t *g,
		    const char *key);
/* Stores g's integer member key in *v if present and in [min, max]. */
void		 config_get_int(struct config_ctx *, const config_setting_t *g,
		    const char *key, int min, int max, int *v);
/*
 * Stores g's member key in *v if present: 1 to max, or "auto" for one a
 * CPU the process may run on, at most max.
 */
void		 config_get_count(struct config_ctx *, const config_setting_t *g,
		    const char *key, int max, int *v);
/* Stores g's boolean member key in *v if present. */
void		 config_get_bool(struct config_ctx *, const config_setting_t *g,
		    const char *key, int *v);
/*
 * A class's or listener's name (what: "class", "listener") of at most max
 * bytes; 0 if reported.
 */
int		 config_name_valid(struct config_ctx *, const config_setting_t *s,
		    const char *what, const char *name, int max);

/* config_control.c */
/* The control socket's top-level keys, into cf->control. */
void	 config_control(struct config_ctx *, const config_setting_t *root);

/* config_observe.c */
/* The top-level "metrics" address and "access_log" file, into cf. */
void	 config_metrics(struct config_ctx *, config_setting_t *root);
void	 config_access_log(struct config_ctx *, config_setting_t *root);

/* config_user.c */
/* Reads the top-level "user" and "group" into cf. */
void	 config_user(struct config_ctx *, config_setting_t *root);

/* config_handler.c */
/*
 * A class's "handler", "command", "exec_timeout_ms" and
 * "http_timeout_ms", into c.
 */
void	 config_handler(struct config_ctx *, const config_setting_t *g,
	    struct config_class *c);

/* config_worker.c */
/* A class's "worker" list, checked, into c->worker. */
void	 config_worker(struct config_ctx *, const config_setting_t *g,
	    struct config_class *c);

/* config_proxy.c */
/* The top-level "proxy_pending" and "proxy_timeout_ms", into cf. */
void	 config_proxy(struct config_ctx *, const config_setting_t *root);
/*
 * A listener group's "proxy_protocol" and "proxy_from" (required with
 * it, refused without it), into l.
 */
void	 config_proxy_listener(struct config_ctx *, const config_setting_t *g,
	    struct config_listener *l);

/* config_rules.c */
/*
 * The path that s, a string setting in file from, names: a relative one
 * starts from from's folder.  NULL when out of memory (reported).
 */
char	*config_relpath(struct config_ctx *, const config_setting_t *s,
	    const char *from);
/* Adds the rules to a new cf->rules. */
void	 config_rules(struct config_ctx *, config_setting_t *rules);
/* Once every rule is in, and only if they all are: compiles them. */
void	 config_compile(struct config_ctx *);

#endif

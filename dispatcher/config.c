#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config_int.h"
#include "rules.h"

static const char *const config_top_keys[] = {
	"listen", "default", "classes", "rules", "lanes", "metrics",
	"access_log", "control", "control_user", "control_group",
	"control_mode", "user", "group", "proxy_pending", "proxy_timeout_ms",
	"acceptors", "upgrade_timeout_ms", NULL
};
static const char *const config_class_keys[] = {
	"name", "workers", "reply", "delay_ms", "write_timeout_ms",
	"max_connections", "queue", "queue_timeout_ms", "overflow",
	"busy_reply", "priority", "abort_on_close", "worker_timeout_ms",
	"sched_batch",
	"handler", "command", "exec_timeout_ms", "http_timeout_ms", "worker",
	NULL
};
static const char *const config_listen_keys[] = {
	"address", "name", "lanes", "proxy_protocol", "proxy_from", NULL
};

/* One entry of "listen": "HOST:PORT", or { address = "..."; name = "..."; }. */
static void
config_listener(struct config_ctx *ctx, config_setting_t *s)
{
	struct config		*cf = ctx->cf;
	struct config_listener	*l = &cf->listeners[cf->nlisteners];
	config_setting_t	*as;
	const char		*addr, *name = NULL;
	char			 err[256];
	size_t			 j;

	as = s;
	l->lanes = ctx->lanes;
	if (config_setting_is_group(s)) {
		config_check_keys(ctx, s, config_listen_keys);
		name = config_get_string(ctx, s, "name");
		config_get_bool(ctx, s, "lanes", &l->lanes);
		if ((as = config_setting_get_member(s, "address")) == NULL) {
			config_error(ctx, s, "listener needs \"address\"");
			return;
		}
	}
	if (config_setting_type(as) != CONFIG_TYPE_STRING) {
		config_error(ctx, as, "\"listen\" entries must be "
		    "\"HOST:PORT\" strings or { address = ...; name = ...; }");
		return;
	}
	if ((addr = config_string(ctx, as)) == NULL)
		return;
	if (addr_parse_hostport(addr, &l->ss, &l->sslen, err,
	    sizeof(err)) == -1) {
		config_error(ctx, as, "%s", err);
		return;
	}
	if (name != NULL && !config_name_valid(ctx,
	    config_setting_get_member(s, "name"), "listener", name,
	    CONFIG_MAX_LISTENER_NAME))
		return;
	for (j = 0; j < cf->nlisteners; j++) {
		if (addr_same(&cf->listeners[j].ss, cf->listeners[j].sslen,
		    &l->ss, l->sslen)) {
			config_error(ctx, as, "duplicate listen address \"%s\"",
			    addr);
			return;
		}
		if (name != NULL && cf->listeners[j].name != NULL &&
		    strcmp(cf->listeners[j].name, name) == 0) {
			config_error(ctx, config_setting_get_member(s, "name"),
			    "duplicate listener name \"%s\"", name);
			return;
		}
	}
	l->text = config_strdup(ctx, as, addr);
	l->name = name != NULL ? config_strdup(ctx, s, name) : NULL;
	if (l->text == NULL || (name != NULL && l->name == NULL)) {
		free(l->text);
		free(l->name);
		return;
	}
	if (config_setting_is_group(s))
		config_proxy_listener(ctx, s, l);
	cf->nlisteners++;
}

static void
config_listen(struct config_ctx *ctx, config_setting_t *ls)
{
	struct config	*cf = ctx->cf;
	const char	*text;
	size_t		 i, n;

	if (ls == NULL) {
		config_error_at(ctx, ctx->path, 1, "missing \"listen\"");
		return;
	}
	if (config_setting_type(ls) == CONFIG_TYPE_STRING) {
		if ((text = config_string(ctx, ls)) != NULL)
			config_error(ctx, ls, "\"listen\" must be a list: "
			    "[ \"%s\" ]", text);
		return;
	}
	if (!config_setting_is_array(ls) && !config_setting_is_list(ls)) {
		config_error(ctx, ls, "\"listen\" must be a list of "
		    "\"HOST:PORT\" strings");
		return;
	}
	if ((n = config_setting_length(ls)) == 0) {
		config_error(ctx, ls, "\"listen\" is empty");
		return;
	}
	if ((cf->listeners = calloc(n, sizeof(*cf->listeners))) == NULL) {
		config_nomem(ctx, ls);
		return;
	}
	for (i = 0; i < n; i++)
		config_listener(ctx, config_setting_get_elem(ls, i));
}

/*
 * A reply may only use the placeholders the worker knows, so that a typo
 * such as {clas} is an error here and not a surprise in every reply.
 */
static void
config_reply(struct config_ctx *ctx, const config_setting_t *s,
    const char *reply)
{
	const char	*why, *at;
	size_t		 kind;

	if ((why = contract_reply_check(reply, &at)) == NULL)
		return;
	if (at == NULL) {
		config_error(ctx, s, "\"reply\" %s", why);
		return;
	}
	kind = strcspn(why, ":");
	config_error(ctx, s, "%.*s \"%.*s\" in \"reply\"%s", (int)kind, why,
	    (int)(strcspn(at, "}") + 1), at, why + kind);
}

/*
 * Second pass over the classes, once all are known: where each spills,
 * and no spill may lead back to where it started.
 */
static void
config_overflow(struct config_ctx *ctx, config_setting_t *cs)
{
	struct config		*cf = ctx->cf;
	config_setting_t	*g, *os;
	const char		*name, *to;
	size_t			 i, hops;
	int			 from, k;

	for (i = 0; (g = config_setting_get_elem(cs, i)) != NULL; i++) {
		if (!config_setting_is_group(g) ||
		    (os = config_setting_get_member(g, "overflow")) == NULL ||
		    (to = config_get_string(ctx, g, "overflow")) == NULL ||
		    (name = config_get_string(ctx, g, "name")) == NULL ||
		    (from = config_class_find(cf, name)) == -1)
			continue;
		if (strcmp(to, "reject") == 0)
			continue;
		if ((k = config_class_find(cf, to)) == -1) {
			config_error(ctx, os, "unknown class \"%s\" (expected "
			    "\"reject\" or a class)", to);
			continue;
		}
		cf->classes[from].overflow = k;
	}
	for (i = 0; i < cf->nclasses; i++) {
		k = (int)i;
		for (hops = 0; hops <= cf->nclasses && k != -1; hops++)
			if ((k = cf->classes[k].overflow) == (int)i)
				break;
		if (k == (int)i) {
			config_error_at(ctx, ctx->path, cf->classes[i].line,
			    "class \"%s\" overflows back into itself",
			    cf->classes[i].name);
			cf->classes[i].overflow = -1;	/* report a cycle once */
		}
	}
}

/*
 * Every queued connection is a descriptor in the dispatcher: the queues
 * must fit under the limit it runs with (raised to the hard limit).
 */
static void
config_fits(struct config_ctx *ctx, const config_setting_t *cs)
{
	struct config	*cf = ctx->cf;
	struct rlimit	 rl;
	unsigned long	 need;
	size_t		 i;
	int		 proxy = 0;

	/* Each shard has its own sockets, and a worker at least a class. */
	need = CONFIG_FD_RESERVE + cf->nlisteners * CONFIG_MAX_LANES *
	    (unsigned long)cf->acceptors;
	/* proxy_pending is shared out among the shards, as a queue is. */
	for (i = 0; i < cf->nlisteners; i++)
		proxy |= cf->listeners[i].proxy;
	if (proxy)
		need += (unsigned long)cf->proxy_pending;
	for (i = 0; i < cf->nclasses; i++)
		need += (unsigned long)cf->classes[i].queue + (unsigned long)
		    (cf->classes[i].workers > cf->acceptors ?
		    cf->classes[i].workers : cf->acceptors);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    need > rl.rlim_max)
		config_error(ctx, cs, "the queues need %lu descriptors, more "
		    "than the limit of %lu (RLIMIT_NOFILE): lower \"queue\"%s or "
		    "raise the limit", need, (unsigned long)rl.rlim_max,
		    proxy ? " or \"proxy_pending\"" : "");
}

/*
 * A worker may take delay_ms for every connection, or with "exec" a
 * program's whole time limit and its kill's grace: it is hung only
 * later.  A program without a time limit may run for ever: then nothing
 * says a worker is hung.
 */
static void
config_worker_timeout(struct config_ctx *ctx, config_setting_t *g,
    struct config_class *c)
{
	config_setting_t	*s;
	const char		*what = "\"delay_ms\"";
	int			 span = c->delay_ms, deflt;

	/* The time a connection may rightly take; the default doubles it. */
	deflt = 2 * c->delay_ms + CONFIG_WORKER_TIMEOUT_BASE_MS;
	if (c->command != NULL) {
		what = "\"exec_timeout_ms\" and its kill's grace";
		span = c->exec_timeout_ms == 0 ? -1 :
		    c->exec_timeout_ms + CONTRACT_EXEC_KILL_MS;
		deflt = span == -1 ? 0 : 2 * span + CONFIG_WORKER_TIMEOUT_BASE_MS;
	} else if (strcmp(c->handler, CONTRACT_HANDLER_HTTP) == 0) {
		/* A client may take its timeout to send its head, then wait. */
		what = "\"delay_ms\" and \"http_timeout_ms\" together";
		span += c->http_timeout_ms;
		deflt += c->http_timeout_ms;
	}
	c->worker_timeout_ms = -1;
	config_get_int(ctx, g, "worker_timeout_ms", 0,
	    CONFIG_MAX_WORKER_TIMEOUT_MS, &c->worker_timeout_ms);
	if (c->worker_timeout_ms == -1)
		c->worker_timeout_ms = deflt;
	else if (c->worker_timeout_ms != 0 && span == -1) {
		s = config_setting_get_member(g, "worker_timeout_ms");
		config_error(ctx, s, "\"worker_timeout_ms\" must be 0 when "
		    "\"exec_timeout_ms\" is 0: a program may then run for "
		    "ever");
	} else if (c->worker_timeout_ms != 0 && c->worker_timeout_ms <= span) {
		s = config_setting_get_member(g, "worker_timeout_ms");
		config_error(ctx, s, "\"worker_timeout_ms\" must be 0 or longer "
		    "than %s (%d)", what, span);
	}
}

/*
 * By default the workers of the lowest priority, when a class stands
 * above it, run as SCHED_BATCH: woken by a batch, they do not preempt
 * the dispatcher, which goes on to close its copies and accept the next
 * run before they take it.  The classes above keep the wake-up
 * preemption that serves them sooner, and with one level for all there
 * is no class to favour: the kernel's default stays.
 */
static void
config_sched_batch(struct config *cf)
{
	size_t	i;
	int	lowest = INT_MAX, highest = INT_MIN;

	for (i = 0; i < cf->nclasses; i++) {
		if (cf->classes[i].priority < lowest)
			lowest = cf->classes[i].priority;
		if (cf->classes[i].priority > highest)
			highest = cf->classes[i].priority;
	}
	for (i = 0; i < cf->nclasses; i++)
		if (cf->classes[i].sched_batch == -1)
			cf->classes[i].sched_batch = lowest < highest &&
			    cf->classes[i].priority == lowest;
}

static void
config_classes(struct config_ctx *ctx, config_setting_t *cs)
{
	struct config		*cf = ctx->cf;
	struct config_class	*c;
	config_setting_t	*g;
	const char		*name, *reply, *busy;
	size_t			 i, n;
	int			 dup;

	if (cs == NULL) {
		config_error_at(ctx, ctx->path, 1, "missing \"classes\"");
		return;
	}
	if (!config_setting_is_list(cs)) {
		config_error(ctx, cs, "\"classes\" must be a list of groups: "
		    "( { name = \"normal\"; workers = 2; } )");
		return;
	}
	if ((n = config_setting_length(cs)) == 0) {
		config_error(ctx, cs, "\"classes\" is empty");
		return;
	}
	if ((cf->classes = calloc(n, sizeof(*cf->classes))) == NULL) {
		config_nomem(ctx, cs);
		return;
	}
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(cs, i);
		if (!config_setting_is_group(g)) {
			config_error(ctx, g, "a class must be a group: "
			    "{ name = \"...\"; workers = N; }");
			continue;
		}
		config_check_keys(ctx, g, config_class_keys);
		c = &cf->classes[cf->nclasses];
		c->workers = 1;
		c->write_timeout_ms = CONTRACT_DEFAULT_WRITE_TIMEOUT_MS;
		c->queue = CONFIG_DEFAULT_QUEUE;
		c->queue_timeout_ms = CONFIG_DEFAULT_QUEUE_TIMEOUT_MS;
		c->overflow = -1;
		c->sched_batch = -1;
		config_get_count(ctx, g, "workers", CONFIG_MAX_WORKERS,
		    &c->workers);
		config_get_int(ctx, g, "delay_ms", 0, CONTRACT_MAX_DELAY_MS,
		    &c->delay_ms);
		config_get_int(ctx, g, "write_timeout_ms", 0,
		    CONTRACT_MAX_WRITE_TIMEOUT_MS, &c->write_timeout_ms);
		config_get_int(ctx, g, "max_connections", 0,
		    CONFIG_MAX_CONNECTIONS, &c->max_connections);
		config_get_int(ctx, g, "queue", 0, CONFIG_MAX_QUEUE, &c->queue);
		config_get_int(ctx, g, "queue_timeout_ms", 0,
		    CONFIG_MAX_QUEUE_TIMEOUT_MS, &c->queue_timeout_ms);
		config_get_int(ctx, g, "priority", -CONFIG_MAX_PRIORITY,
		    CONFIG_MAX_PRIORITY, &c->priority);
		config_get_bool(ctx, g, "abort_on_close", &c->abort_on_close);
		config_get_bool(ctx, g, "sched_batch", &c->sched_batch);
		config_handler(ctx, g, c);
		config_worker_timeout(ctx, g, c);
		if ((busy = config_get_string(ctx, g, "busy_reply")) != NULL &&
		    strlen(busy) > CONTRACT_MAX_REPLY)
			config_error(ctx, config_setting_get_member(g,
			    "busy_reply"), "\"busy_reply\" is longer than %d "
			    "bytes", CONTRACT_MAX_REPLY);
		if ((reply = config_get_string(ctx, g, "reply")) != NULL)
			config_reply(ctx, config_setting_get_member(g, "reply"),
			    reply);
		if ((name = config_get_string(ctx, g, "name")) == NULL) {
			if (config_setting_get_member(g, "name") == NULL)
				config_error(ctx, g, "class needs \"name\"");
			config_argv_free(c->command);
			c->command = NULL;
			continue;
		}
		if (!config_name_valid(ctx, config_setting_get_member(g,
		    "name"), "class", name, CONTRACT_MAX_NAME)) {
			config_argv_free(c->command);
			c->command = NULL;
			continue;
		}
		if ((dup = config_class_find(cf, name)) != -1) {
			config_error(ctx, config_setting_get_member(g, "name"),
			    "duplicate class \"%s\" (first at line %d)", name,
			    cf->classes[dup].line);
			config_argv_free(c->command);
			c->command = NULL;
			continue;
		}
		config_worker(ctx, g, c);
		c->name = config_strdup(ctx, g, name);
		c->line = config_setting_source_line(g);
		c->reply = config_strdup(ctx, g, reply != NULL ? reply :
		    CONTRACT_DEFAULT_REPLY);
		c->busy_reply = busy != NULL ? config_strdup(ctx, g, busy) :
		    NULL;
		if (c->name == NULL || c->reply == NULL ||
		    (busy != NULL && c->busy_reply == NULL)) {
			free(c->name);
			free(c->reply);
			free(c->busy_reply);
			config_argv_free(c->command);
			config_argv_free(c->worker);
			c->command = c->worker = NULL;
			continue;
		}
		cf->nclasses++;
	}
	config_overflow(ctx, cs);
	config_fits(ctx, cs);
	config_sched_batch(cf);
}

static void
config_default(struct config_ctx *ctx, config_setting_t *ds)
{
	struct config	*cf = ctx->cf;
	const char	*name = CONFIG_DEFAULT_CLASS;

	if (ds != NULL) {
		if (config_setting_type(ds) != CONFIG_TYPE_STRING) {
			config_error(ctx, ds, "\"default\" must be a string");
			return;
		}
		if ((name = config_string(ctx, ds)) == NULL)
			return;
	}
	cf->default_class = config_class_find(cf, name);
	/* With no class at all, that is the error already reported. */
	if (cf->default_class != -1 || cf->nclasses == 0)
		return;
	if (ds != NULL)
		config_error(ctx, ds, "unknown class \"%s\"", name);
	else
		config_error_at(ctx, ctx->path, 1, "missing \"default\", and "
		    "there is no class \"%s\"", name);
}

/* First pass: every top-level key is known, and each is remembered. */
static void
config_top(struct config_ctx *ctx, config_setting_t *root)
{
	config_setting_t	*s;
	const char		*name;
	int			 i;

	config_check_keys(ctx, root, config_top_keys);
	for (i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		/* A name libconfig could not copy is reported by the check. */
		if ((name = config_setting_name(s)) == NULL)
			continue;
		if (strcmp(name, "listen") == 0)
			ctx->listen = s;
		else if (strcmp(name, "default") == 0)
			ctx->deflt = s;
		else if (strcmp(name, "classes") == 0)
			ctx->classes = s;
		else if (strcmp(name, "rules") == 0)
			ctx->rules = s;
	}
}

/* Reads the file with libconfig; 0, or -1 with the error recorded. */
static int
config_parse(struct config_ctx *ctx, config_t *lc)
{
	FILE	*fp;
	char	*copy;

	/* @include paths are relative to the configuration's folder. */
	if ((copy = config_strdup(ctx, NULL, ctx->path)) == NULL)
		return -1;
	config_set_include_dir(lc, dirname(copy));
	free(copy);
	/* libconfig 1.5 keeps a folder it could not copy as NULL. */
	if (config_get_include_dir(lc) == NULL) {
		config_nomem(ctx, NULL);
		return -1;
	}

	if ((fp = fopen(ctx->path, "r")) == NULL) {
		config_error_at(ctx, ctx->path, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	if (config_read(lc, fp) == CONFIG_FALSE) {
		config_error_at(ctx, config_error_file(lc),
		    config_error_line(lc), "syntax error: %s",
		    config_error_text(lc));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* Reads the file into ctx->cf and checks it, pass by pass. */
static void
config_file(struct config_ctx *ctx)
{
	config_t	lc;

	config_init(&lc);
	if (config_parse(ctx, &lc) == 0) {
		config_top(ctx, config_root_setting(&lc));
		config_proxy(ctx, config_root_setting(&lc));
		/* The shards' count sizes what the classes need: before them. */
		config_get_count(ctx, config_root_setting(&lc), "acceptors",
		    CONFIG_MAX_ACCEPTORS, &ctx->cf->acceptors);
		/* The listeners' default: read before them. */
		config_get_bool(ctx, config_root_setting(&lc), "lanes",
		    &ctx->lanes);
		config_listen(ctx, ctx->listen);
		config_metrics(ctx, config_root_setting(&lc));
		config_access_log(ctx, config_root_setting(&lc));
		config_classes(ctx, ctx->classes);
		config_default(ctx, ctx->deflt);
		config_rules(ctx, ctx->rules);
		config_compile(ctx);
		config_control(ctx, config_root_setting(&lc));
		config_user(ctx, config_root_setting(&lc));
		ctx->cf->upgrade_timeout_ms = CONFIG_DEFAULT_UPGRADE_TIMEOUT_MS;
		config_get_int(ctx, config_root_setting(&lc),
		    "upgrade_timeout_ms", 1, CONFIG_MAX_UPGRADE_TIMEOUT_MS,
		    &ctx->cf->upgrade_timeout_ms);
	}
	config_destroy(&lc);
}

struct config *
config_load(const char *path, config_report_fn *report, void *arg)
{
	struct config_ctx	 ctx;
	struct config		*cf;

	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		config_nomem(&ctx, NULL);
	else if ((cf->path = config_strdup(&ctx, NULL, path)) != NULL) {
		cf->default_class = -1;
		cf->acceptors = 1;
		ctx.cf = cf;
		config_file(&ctx);
	}
	config_msgs_flush(&ctx, report, arg);
	if (ctx.nerrors > 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
}

void
config_free(struct config *cf)
{
	size_t	i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nlisteners; i++) {
		free(cf->listeners[i].text);
		free(cf->listeners[i].name);
		rules_free(cf->listeners[i].proxy_from);
	}
	free(cf->listeners);
	for (i = 0; i < cf->nclasses; i++) {
		free(cf->classes[i].name);
		free(cf->classes[i].reply);
		free(cf->classes[i].busy_reply);
		config_argv_free(cf->classes[i].command);
		config_argv_free(cf->classes[i].worker);
	}
	free(cf->classes);
	for (i = 0; i < cf->nrules; i++) {
		free(cf->rule_src[i].file);
		free(cf->rule_src[i].list);
		free(cf->rule_src[i].list_lines);
	}
	free(cf->rule_src);
	free(cf->control.path);
	rules_free(cf->rules);
	free(cf->metrics.text);
	free(cf->access_log);
	free(cf->user);
	free(cf->path);
	free(cf);
}

int
config_listener_find(const struct config *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->nlisteners; i++)
		if ((cf->listeners[i].name != NULL &&
		    strcmp(cf->listeners[i].name, name) == 0) ||
		    strcmp(cf->listeners[i].text, name) == 0)
			return (int)i;
	return -1;
}

int
config_listener_map(const struct config *from, int index,
    const struct config *to)
{
	const struct config_listener	*l;
	size_t				 i;

	if (index < 0 || (size_t)index >= from->nlisteners)
		return -1;
	l = &from->listeners[index];
	for (i = 0; i < to->nlisteners; i++)
		if (addr_same(&l->ss, l->sslen, &to->listeners[i].ss,
		    to->listeners[i].sslen))
			return (int)i;
	return -1;
}

int
config_class_find(const struct config *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->nclasses; i++)
		if (strcmp(cf->classes[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
config_class_args(const struct config_class *c, const char *program,
    int verbose, struct contract_args *a)
{
	a->program = c->worker != NULL ? c->worker[0] : program;
	a->argv = c->worker;
	a->class = c->name;
	a->reply = c->reply;
	a->delay_ms = c->delay_ms;
	a->write_timeout_ms = c->write_timeout_ms;
	a->verbose = verbose;
	a->handler = c->handler;
	a->command = c->command;
	a->exec_timeout_ms = c->exec_timeout_ms;
	a->http_timeout_ms = c->http_timeout_ms;
}

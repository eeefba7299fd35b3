#include <sys/resource.h>

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "contract.h"
#include "lanes.h"
#include "rules.h"

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
	/* The top-level settings, found in the first pass. */
	config_setting_t	*listen, *deflt, *classes, *rules;
	int			 lanes;		/* the top-level "lanes" */
};

static const char *const config_top_keys[] = {
	"listen", "default", "classes", "rules", "lanes", NULL
};
static const char *const config_class_keys[] = {
	"name", "workers", "reply", "delay_ms", "max_connections", "queue",
	"queue_timeout_ms", "overflow", "busy_reply", "priority", NULL
};
static const char *const config_listen_keys[] = {
	"address", "name", "lanes", NULL
};
static const char *const config_rule_keys[] = {
	"address", "regex", "file", "listener", "port", "class", "action", NULL
};

static char *
config_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

/*
 * Messages quote values from the file: a control character in one must
 * not start a line of its own, which would pass for another message.
 */
static void
config_escape(char *text, size_t size)
{
	char	out[1024];
	size_t	i, o = 0;

	for (i = 0; text[i] != '\0' && o + 5 < sizeof(out); i++) {
		if ((unsigned char)text[i] >= 0x20 && text[i] != 0x7f)
			out[o++] = text[i];
		else if (text[i] == '\n')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\n");
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x",
			    (unsigned char)text[i]);
	}
	out[o] = '\0';
	snprintf(text, size, "%s", out);
}

static void __attribute__((format(printf, 5, 0)))
config_vmsg(struct config_ctx *ctx, const char *file, int line, int error,
    const char *fmt, va_list ap)
{
	struct config_msg	*m;
	char			 text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	config_escape(text, sizeof(text));
	m = reallocarray(ctx->msgs, ctx->nmsgs + 1, sizeof(*m));
	if (m == NULL)
		abort();
	ctx->msgs = m;
	m = &ctx->msgs[ctx->nmsgs];
	m->file = config_strdup(file != NULL ? file : ctx->path);
	m->line = line;
	m->warning = !error;
	m->seq = ctx->nmsgs++;
	m->text = config_strdup(text);
	if (error)
		ctx->nerrors++;
}

static void __attribute__((format(printf, 4, 5)))
config_msg(struct config_ctx *ctx, const config_setting_t *s, int error,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_vmsg(ctx, config_setting_source_file(s),
	    config_setting_source_line(s), error, fmt, ap);
	va_end(ap);
}

#define config_error(ctx, s, ...)	config_msg(ctx, s, 1, __VA_ARGS__)
#define config_warning(ctx, s, ...)	config_msg(ctx, s, 0, __VA_ARGS__)

/* A problem at a place that no setting stands for: syntax, a missing key. */
static void __attribute__((format(printf, 5, 6)))
config_msg_at(struct config_ctx *ctx, const char *file, int line, int error,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_vmsg(ctx, file, line, error, fmt, ap);
	va_end(ap);
}

#define config_error_at(ctx, f, l, ...)	config_msg_at(ctx, f, l, 1, __VA_ARGS__)

static int
config_msg_cmp(const void *a, const void *b)
{
	const struct config_msg	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->file, y->file)) != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
config_msgs_flush(struct config_ctx *ctx, config_report_fn *report, void *arg)
{
	struct config_msg	*m;
	size_t			 i;

	if (ctx->nmsgs == 0)
		return;
	qsort(ctx->msgs, ctx->nmsgs, sizeof(*ctx->msgs), config_msg_cmp);
	for (i = 0; i < ctx->nmsgs; i++) {
		m = &ctx->msgs[i];
		report(arg, m->file, m->line, m->warning, m->text);
		free(m->file);
		free(m->text);
	}
	free(ctx->msgs);
	ctx->msgs = NULL;
	ctx->nmsgs = 0;
}

void
config_report_print(void *arg, const char *file, int line, int warning,
    const char *text)
{
	FILE	*fp = arg;

	/* Line 0: about the file as a whole, such as opening it. */
	if (line == 0)
		fprintf(fp, "%s: %s%s\n", file, warning ? "warning: " : "",
		    text);
	else
		fprintf(fp, "%s:%d: %s%s\n", file, line,
		    warning ? "warning: " : "", text);
}

/* Reports every key of group g that is not in keys; 0 when there is none. */
static int
config_check_keys(struct config_ctx *ctx, const config_setting_t *g,
    const char *const *keys)
{
	config_setting_t	*s;
	const char		*name;
	int			 i, k, bad = 0;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		name = config_setting_name(s);
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

/* g's member key as a string; NULL when absent or (reported) not a string. */
static const char *
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
	return config_setting_get_string(s);
}

/* Stores g's integer member key in *v if present and in [min, max]. */
static void
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

/* Stores g's boolean member key in *v if present. */
static void
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

/* A class's or listener's name (what: "class", "listener"); 0 if reported. */
static int
config_name_valid(struct config_ctx *ctx, const config_setting_t *s,
    const char *what, const char *name)
{
	size_t	len = strlen(name);

	if (len > 0 && len <= CONFIG_MAX_NAME &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == len)
		return 1;
	config_error(ctx, s, "bad %s name \"%s\": use 1 to %d letters, "
	    "digits, '_', '-' or '.'", what, name, CONFIG_MAX_NAME);
	return 0;
}

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
	addr = config_setting_get_string(as);
	if (addr_parse_hostport(addr, &l->ss, &l->sslen, err,
	    sizeof(err)) == -1) {
		config_error(ctx, as, "%s", err);
		return;
	}
	if (name != NULL && !config_name_valid(ctx,
	    config_setting_get_member(s, "name"), "listener", name))
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
	l->text = config_strdup(addr);
	l->name = name != NULL ? config_strdup(name) : NULL;
	cf->nlisteners++;
}

static void
config_listen(struct config_ctx *ctx, config_setting_t *ls)
{
	struct config	*cf = ctx->cf;
	size_t		 i, n;

	if (ls == NULL) {
		config_error_at(ctx, ctx->path, 1, "missing \"listen\"");
		return;
	}
	if (config_setting_type(ls) == CONFIG_TYPE_STRING) {
		config_error(ctx, ls, "\"listen\" must be a list: "
		    "[ \"%s\" ]", config_setting_get_string(ls));
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
	if ((cf->listeners = calloc(n, sizeof(*cf->listeners))) == NULL)
		abort();
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
	static const char *const names[] = { "class", "pid", "peer", NULL };
	const char	*p, *end;
	size_t		 len;
	int		 k;

	if (strlen(reply) > CONFIG_MAX_REPLY) {
		config_error(ctx, s, "\"reply\" is longer than %d bytes",
		    CONFIG_MAX_REPLY);
		return;
	}
	for (p = reply; (p = strchr(p, '{')) != NULL; p = end + 1) {
		if (p[1] == '{') {
			end = p + 1;
			continue;
		}
		if ((end = strchr(p, '}')) == NULL) {
			config_error(ctx, s, "unterminated placeholder in "
			    "\"reply\" (write \"{{\" for a literal \"{\")");
			return;
		}
		len = end - p - 1;
		for (k = 0; names[k] != NULL; k++)
			if (strlen(names[k]) == len &&
			    strncmp(names[k], p + 1, len) == 0)
				break;
		if (names[k] == NULL)
			config_error(ctx, s, "unknown placeholder \"%.*s\" in "
			    "\"reply\": expected {class}, {pid} or {peer}",
			    (int)(len + 2), p);
	}
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
	unsigned long	 need = CONFIG_FD_RESERVE + cf->nlisteners * LANES_MAX;
	size_t		 i;

	for (i = 0; i < cf->nclasses; i++)
		need += (unsigned long)cf->classes[i].queue +
		    (unsigned long)cf->classes[i].workers;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    need > rl.rlim_max)
		config_error(ctx, cs, "the queues need %lu descriptors, more "
		    "than the limit of %lu (RLIMIT_NOFILE): lower \"queue\" or "
		    "raise the limit", need, (unsigned long)rl.rlim_max);
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
	if ((cf->classes = calloc(n, sizeof(*cf->classes))) == NULL)
		abort();
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
		c->queue = CONFIG_DEFAULT_QUEUE;
		c->queue_timeout_ms = CONFIG_DEFAULT_QUEUE_TIMEOUT_MS;
		c->overflow = -1;
		config_get_int(ctx, g, "workers", 1, CONFIG_MAX_WORKERS,
		    &c->workers);
		config_get_int(ctx, g, "delay_ms", 0, CONFIG_MAX_DELAY_MS,
		    &c->delay_ms);
		config_get_int(ctx, g, "max_connections", 0,
		    CONFIG_MAX_CONNECTIONS, &c->max_connections);
		config_get_int(ctx, g, "queue", 0, CONFIG_MAX_QUEUE, &c->queue);
		config_get_int(ctx, g, "queue_timeout_ms", 0,
		    CONFIG_MAX_DELAY_MS, &c->queue_timeout_ms);
		config_get_int(ctx, g, "priority", -CONFIG_MAX_PRIORITY,
		    CONFIG_MAX_PRIORITY, &c->priority);
		if ((busy = config_get_string(ctx, g, "busy_reply")) != NULL &&
		    strlen(busy) > CONFIG_MAX_REPLY)
			config_error(ctx, config_setting_get_member(g,
			    "busy_reply"), "\"busy_reply\" is longer than %d "
			    "bytes", CONFIG_MAX_REPLY);
		if ((reply = config_get_string(ctx, g, "reply")) != NULL)
			config_reply(ctx, config_setting_get_member(g, "reply"),
			    reply);
		if ((name = config_get_string(ctx, g, "name")) == NULL) {
			if (config_setting_get_member(g, "name") == NULL)
				config_error(ctx, g, "class needs \"name\"");
			continue;
		}
		if (!config_name_valid(ctx, config_setting_get_member(g,
		    "name"), "class", name))
			continue;
		if ((dup = config_class_find(cf, name)) != -1) {
			config_error(ctx, config_setting_get_member(g, "name"),
			    "duplicate class \"%s\" (first at line %d)", name,
			    cf->classes[dup].line);
			continue;
		}
		c->name = config_strdup(name);
		c->line = config_setting_source_line(g);
		c->reply = config_strdup(reply != NULL ? reply :
		    CONFIG_DEFAULT_REPLY);
		if (busy != NULL)
			c->busy_reply = config_strdup(busy);
		cf->nclasses++;
	}
	config_overflow(ctx, cs);
	config_fits(ctx, cs);
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
		name = config_setting_get_string(ds);
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

/* "port": N, "N" or "LOW-HIGH", the client's source port. */
static int
config_port(struct config_ctx *ctx, const config_setting_t *s,
    struct rules_cond *cond)
{
	const char	*text;
	char		*end;
	long		 lo, hi;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		lo = hi = config_setting_get_int64(s) > 65535 ? -1 :
		    (long)config_setting_get_int64(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		text = config_setting_get_string(s);
		lo = hi = -1;
		if (*text >= '0' && *text <= '9') {
			lo = hi = strtol(text, &end, 10);
			if (*end == '-' && end[1] >= '0' && end[1] <= '9')
				hi = strtol(end + 1, &end, 10);
			if (*end != '\0')
				lo = -1;
		}
	} else
		lo = hi = -1;
	if (lo < 0 || hi > 65535 || lo > hi) {
		config_error(ctx, s, "bad \"port\": expected PORT or \"LOW-HIGH\","
		    " 0 to 65535");
		return -1;
	}
	cond->port_min = (unsigned)lo;
	cond->port_max = (unsigned)hi;
	return 0;
}

/* The conditions besides the address: "listener" and "port". */
static int
config_cond(struct config_ctx *ctx, const config_setting_t *g,
    struct rules_cond *cond)
{
	config_setting_t	*ls, *ps;
	const char		*name;

	*cond = RULES_COND_NONE;
	if ((ls = config_setting_get_member(g, "listener")) != NULL) {
		if ((name = config_get_string(ctx, g, "listener")) == NULL)
			return -1;
		cond->listener = config_listener_find(ctx->cf, name);
		if (cond->listener == -1) {
			config_error(ctx, ls, "unknown listener \"%s\"", name);
			return -1;
		}
	}
	if ((ps = config_setting_get_member(g, "port")) != NULL &&
	    config_port(ctx, ps, cond) == -1)
		return -1;
	return 0;
}

/*
 * A list file: one address or CIDR a line, '#' comments, blank lines.
 * Every entry is a rule at the list's place in the order.  Relative paths
 * start from the configuration file's folder.
 */
static void
config_list(struct config_ctx *ctx, const config_setting_t *fs,
    struct config_rule *cr, int cidx, enum rules_action act,
    const struct rules_cond *cond)
{
	FILE		*fp;
	const char	*name = config_setting_get_string(fs);
	char		*line = NULL, *p, *end, *dir, err[512];
	unsigned	*lines;
	size_t		 cap = 0, nlines = 0, size = 0;
	unsigned	 lineno = 0;
	int		 rc, errors = 0;

	if (name[0] == '/')
		cr->list = config_strdup(name);
	else {
		dir = config_strdup(cr->file);
		if (asprintf(&cr->list, "%s/%s", dirname(dir), name) == -1)
			abort();
		free(dir);
	}
	if ((fp = fopen(cr->list, "r")) == NULL) {
		config_error(ctx, fs, "cannot open list \"%s\": %s", cr->list,
		    strerror(errno));
		return;
	}
	while (getline(&line, &size, fp) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (end = p + strlen(p); end > p && (end[-1] == ' ' ||
		    end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'); )
			*--end = '\0';
		if (*p == '\0')
			continue;
		rc = rules_add_address(ctx->cf->rules, p, cidx, act, cond, err,
		    sizeof(err));
		if (rc != 0)
			config_msg_at(ctx, cr->list, (int)lineno, rc == -1, "%s",
			    err);
		if (rc == -1) {
			if (++errors < CONFIG_MAX_LIST_ERRORS)
				continue;
			config_error_at(ctx, cr->list, (int)lineno,
			    "too many errors; the rest of the list is "
			    "not read");
			break;
		}
		if (nlines == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((lines = reallocarray(cr->list_lines, cap,
			    sizeof(*lines))) == NULL)
				abort();
			cr->list_lines = lines;
		}
		cr->list_lines[nlines++] = lineno;
	}
	if (ferror(fp))
		config_error(ctx, fs, "cannot read list \"%s\": %s", cr->list,
		    strerror(errno));
	free(line);
	fclose(fp);
	cr->count = nlines;
}

/* Of "address", "regex" and "file", the one given; -1 when several are. */
static int
config_rule_kind(struct config_ctx *ctx, const config_setting_t *g,
    config_setting_t **ks)
{
	static const char *const kinds[] = { "address", "regex", "file" };
	config_setting_t	*s;
	int			 i, kind = -1;

	*ks = NULL;
	for (i = 0; i < 3; i++) {
		if ((s = config_setting_get_member(g, kinds[i])) == NULL)
			continue;
		if (kind != -1) {
			config_error(ctx, g, "rule has both \"%s\" and \"%s\"",
			    kinds[kind], kinds[i]);
			return -1;
		}
		if (config_get_string(ctx, g, kinds[i]) == NULL)
			return -1;
		kind = i;
		*ks = s;
	}
	return kind;
}

static void
config_rule(struct config_ctx *ctx, config_setting_t *g)
{
	struct config		*cf = ctx->cf;
	struct config_rule	*cr = &cf->rule_src[cf->nrules];
	struct rules_cond	 cond;
	config_setting_t	*ks, *cs, *acs;
	const char		*cname, *action;
	enum rules_action	 act = RULES_ROUTE;
	char			 err[512];
	int			 kind, cidx = -1, rc = 0;

	if (!config_setting_is_group(g)) {
		config_error(ctx, g, "a rule must be a group: "
		    "{ address = \"...\"; class = \"...\"; }");
		return;
	}
	if (config_check_keys(ctx, g, config_rule_keys) == -1)
		return;
	cs = config_setting_get_member(g, "class");
	acs = config_setting_get_member(g, "action");
	cname = config_get_string(ctx, g, "class");
	action = config_get_string(ctx, g, "action");

	if ((kind = config_rule_kind(ctx, g, &ks)) == -1 && ks != NULL)
		return;
	if (config_cond(ctx, g, &cond) == -1)
		return;
	if (ks == NULL && config_setting_get_member(g, "listener") == NULL &&
	    config_setting_get_member(g, "port") == NULL) {
		config_error(ctx, g, "rule needs \"address\", \"regex\", "
		    "\"file\", \"listener\" or \"port\"");
		return;
	}
	if (action != NULL) {
		if (strcmp(action, "deny") == 0)
			act = RULES_DENY;
		else if (strcmp(action, "route") != 0) {
			config_error(ctx, acs, "unknown action \"%s\": "
			    "expected \"route\" or \"deny\"", action);
			return;
		}
	}
	if (act == RULES_DENY && cs != NULL) {
		config_error(ctx, cs, "a rule with action \"deny\" takes no "
		    "\"class\"");
		return;
	}
	if (act == RULES_ROUTE) {
		if (cs == NULL) {
			config_error(ctx, g, "rule needs \"class\" or "
			    "action = \"deny\"");
			return;
		}
		if (cname == NULL)
			return;
		if ((cidx = config_class_find(cf, cname)) == -1) {
			config_error(ctx, cs, "unknown class \"%s\"", cname);
			return;
		}
	}

	cr->file = config_strdup(config_setting_source_file(g) != NULL ?
	    config_setting_source_file(g) : ctx->path);
	cr->line = config_setting_source_line(g);
	cr->first = rules_count(cf->rules);
	cr->count = 1;
	cf->nrules++;
	switch (kind) {
	case 0:
		rc = rules_add_address(cf->rules, config_setting_get_string(ks),
		    cidx, act, &cond, err, sizeof(err));
		break;
	case 1:
		rc = rules_add_regex(cf->rules, config_setting_get_string(ks),
		    cidx, act, &cond, err, sizeof(err));
		break;
	case 2:
		config_list(ctx, ks, cr, cidx, act, &cond);
		return;
	default:
		rc = rules_add_any(cf->rules, cidx, act, &cond, err,
		    sizeof(err));
		break;
	}
	if (rc != 0)
		config_msg(ctx, ks != NULL ? ks : g, rc == -1, "%s", err);
	if (rc == -1)
		cr->count = 0;
}

static void
config_rules(struct config_ctx *ctx, config_setting_t *rs)
{
	struct config	*cf = ctx->cf;
	size_t		 i, n;

	/*
	 * Compiled even when the classes are broken, so that bad addresses
	 * and regexes are reported in the same run.
	 */
	if ((cf->rules = rules_new(cf->default_class)) == NULL)
		abort();
	if (rs == NULL)
		return;		/* every client goes to the default class */
	if (!config_setting_is_list(rs)) {
		config_error(ctx, rs, "\"rules\" must be a list of groups: "
		    "( { address = \"...\"; class = \"...\"; } )");
		return;
	}
	n = config_setting_length(rs);
	if ((cf->rule_src = calloc(n + 1, sizeof(*cf->rule_src))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		config_rule(ctx, config_setting_get_elem(rs, i));
}

/* The configured rule that an entry of the ruleset comes from. */
static const struct config_rule *
config_rule_of(const struct config *cf, size_t entry)
{
	size_t	lo = 0, hi = cf->nrules, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (cf->rule_src[mid].first <= entry)
			lo = mid;
		else
			hi = mid;
	}
	return &cf->rule_src[lo];
}

const char *
config_rule_describe(const struct config *cf, int entry, char *buf,
    size_t len)
{
	const struct config_rule	*cr;

	cr = config_rule_of(cf, (size_t)entry);
	if (cr->list != NULL)
		snprintf(buf, len, "rule #%zu at %s:%d (file %s:%u)",
		    (size_t)(cr - cf->rule_src) + 1, cr->file, cr->line,
		    cr->list, cr->list_lines[entry - cr->first]);
	else
		snprintf(buf, len, "rule #%zu at %s:%d",
		    (size_t)(cr - cf->rule_src) + 1, cr->file, cr->line);
	return buf;
}

const char *
config_verdict_describe(const struct config *cf,
    const struct rules_verdict *v, char *buf, size_t len)
{
	char	rule[512];

	if (v->entry == -1)
		snprintf(buf, len, "default class %s",
		    cf->classes[v->class_idx].name);
	else if (v->action == RULES_DENY)
		snprintf(buf, len, "%s -> deny",
		    config_rule_describe(cf, v->entry, rule, sizeof(rule)));
	else
		snprintf(buf, len, "%s -> class %s",
		    config_rule_describe(cf, v->entry, rule, sizeof(rule)),
		    cf->classes[v->class_idx].name);
	return buf;
}

/*
 * Warns of entries that can never match because an earlier address rule
 * covers them: a sign of a list in the wrong order, or of a typo.
 */
static void
config_shadows(struct config_ctx *ctx)
{
	const struct config		*cf = ctx->cf;
	const struct config_rule	*cr;
	char				 a[512], b[512];
	size_t				 i, n = rules_count(cf->rules), count = 0;
	int				 by;

	for (i = 0; i < n; i++) {
		if ((by = rules_shadowed(cf->rules, i)) == -1)
			continue;
		if (count++ >= CONFIG_MAX_SHADOWED)
			continue;
		cr = config_rule_of(cf, i);
		config_msg_at(ctx, cr->list != NULL ? cr->list : cr->file,
		    cr->list != NULL ? (int)cr->list_lines[i - cr->first] :
		    cr->line, 0, "%s can never match: %s covers it",
		    config_rule_describe(cf, (int)i, a, sizeof(a)),
		    config_rule_describe(cf, by, b, sizeof(b)));
	}
	if (count > CONFIG_MAX_SHADOWED)
		config_msg_at(ctx, ctx->path, 0, 0, "%zu more rules can never "
		    "match", count - CONFIG_MAX_SHADOWED);
}

/* Once every rule is in, and only if they all are. */
static void
config_compile(struct config_ctx *ctx)
{
	char	err[256];

	if (ctx->nerrors > 0)
		return;
	if (rules_compile(ctx->cf->rules, err, sizeof(err)) == -1)
		config_error_at(ctx, ctx->path, 0, "%s", err);
	else
		config_shadows(ctx);
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
		name = config_setting_name(s);
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
	char	*dir, *copy;

	/* @include paths are relative to the configuration's folder. */
	copy = config_strdup(ctx->path);
	dir = dirname(copy);
	config_set_include_dir(lc, dir);
	free(copy);

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

struct config *
config_load(const char *path, config_report_fn *report, void *arg)
{
	struct config_ctx	 ctx;
	struct config		*cf;
	config_t		 lc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		abort();
	cf->path = config_strdup(path);
	cf->default_class = -1;
	ctx.cf = cf;

	config_init(&lc);
	if (config_parse(&ctx, &lc) == 0) {
		config_top(&ctx, config_root_setting(&lc));
		/* The listeners' default: read before them. */
		config_get_bool(&ctx, config_root_setting(&lc), "lanes",
		    &ctx.lanes);
		config_listen(&ctx, ctx.listen);
		config_classes(&ctx, ctx.classes);
		config_default(&ctx, ctx.deflt);
		config_rules(&ctx, ctx.rules);
		config_compile(&ctx);
	}
	config_destroy(&lc);

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
	}
	free(cf->listeners);
	for (i = 0; i < cf->nclasses; i++) {
		free(cf->classes[i].name);
		free(cf->classes[i].reply);
		free(cf->classes[i].busy_reply);
	}
	free(cf->classes);
	for (i = 0; i < cf->nrules; i++) {
		free(cf->rule_src[i].file);
		free(cf->rule_src[i].list);
		free(cf->rule_src[i].list_lines);
	}
	free(cf->rule_src);
	rules_free(cf->rules);
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
config_class_find(const struct config *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->nclasses; i++)
		if (strcmp(cf->classes[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
config_class_same_workers(const struct config_class *a,
    const struct config_class *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->reply, b->reply) == 0 && a->delay_ms == b->delay_ms;
}

void
config_class_args(const struct config_class *c, const char *program,
    int verbose, struct contract_args *args)
{
	args->program = program;
	args->class = c->name;
	args->reply = c->reply;
	args->delay_ms = c->delay_ms;
	args->verbose = verbose;
}

#include <arpa/inet.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config_int.h"
#include "rules.h"

static const char *const config_rule_keys[] = {
	"address", "regex", "file", "listener", "port", "class", "action", NULL
};

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
		if ((text = config_string(ctx, s)) == NULL)
			return -1;
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

char *
config_relpath(struct config_ctx *ctx, const config_setting_t *fs,
    const char *from)
{
	const char	*name = config_setting_get_string(fs);
	char		*dir, *path;

	if (name[0] == '/')
		return config_strdup(ctx, fs, name);
	if ((dir = config_strdup(ctx, fs, from)) == NULL)
		return NULL;
	if (asprintf(&path, "%s/%s", dirname(dir), name) == -1) {
		config_nomem(ctx, fs);
		path = NULL;
	}
	free(dir);
	return path;
}

/*
 * A list file: one address or CIDR a line, '#' comments, blank lines.
 * Every entry is a rule at the list's place in the order.
 */
static void
config_list(struct config_ctx *ctx, const config_setting_t *fs,
    struct config_rule *cr, int cidx, enum rules_action act,
    const struct rules_cond *cond)
{
	FILE		*fp;
	char		*line = NULL, *p, *end, err[512];
	unsigned	*lines;
	size_t		 cap = 0, nlines = 0, size = 0;
	unsigned	 lineno = 0;
	ssize_t		 n;
	int		 rc, errors = 0;

	if ((cr->list = config_relpath(ctx, fs, cr->file)) == NULL)
		return;
	if ((fp = fopen(cr->list, "r")) == NULL) {
		config_error(ctx, fs, "cannot open list \"%s\": %s", cr->list,
		    strerror(errno));
		return;
	}
	while ((n = getline(&line, &size, fp)) != -1) {
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
		/* Room for the entry's line first: no entry goes without. */
		if (nlines == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((lines = reallocarray(cr->list_lines, cap,
			    sizeof(*lines))) == NULL) {
				config_nomem_at(ctx, cr->list, (int)lineno);
				break;
			}
			cr->list_lines = lines;
		}
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
		cr->list_lines[nlines++] = lineno;
	}
	/* getline also stops when it cannot allocate: no end of the file. */
	if (n == -1 && !feof(fp))
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

	cr->file = config_strdup(ctx, g, config_setting_source_file(g) !=
	    NULL ? config_setting_source_file(g) : ctx->path);
	if (cr->file == NULL)
		return;
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

void
config_rules(struct config_ctx *ctx, config_setting_t *rs)
{
	struct config	*cf = ctx->cf;
	size_t		 i, n;

	/*
	 * Compiled even when the classes are broken, so that bad addresses
	 * and regexes are reported in the same run.
	 */
	if ((cf->rules = rules_new(cf->default_class)) == NULL) {
		config_nomem(ctx, rs);
		return;
	}
	if (rs == NULL)
		return;		/* every client goes to the default class */
	if (!config_setting_is_list(rs)) {
		config_error(ctx, rs, "\"rules\" must be a list of groups: "
		    "( { address = \"...\"; class = \"...\"; } )");
		return;
	}
	n = config_setting_length(rs);
	if ((cf->rule_src = calloc(n + 1, sizeof(*cf->rule_src))) == NULL) {
		config_nomem(ctx, rs);
		return;
	}
	for (i = 0; i < n; i++)
		config_rule(ctx, config_setting_get_elem(rs, i));
}

size_t
config_rule_index(const struct config *cf, int entry)
{
	size_t	lo = 0, hi = cf->nrules, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (cf->rule_src[mid].first <= (size_t)entry)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

const char *
config_rule_describe(const struct config *cf, int entry, char *buf,
    size_t len)
{
	const struct config_rule	*cr;

	cr = &cf->rule_src[config_rule_index(cf, entry)];
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
	char	rule[512], error[256];

	if (v->entry == -1)
		snprintf(buf, len, "default class %s",
		    cf->classes[v->class_idx].name);
	else if (v->error != 0)
		snprintf(buf, len, "%s -> regex match error: %s -> refused",
		    config_rule_describe(cf, v->entry, rule, sizeof(rule)),
		    rules_error_text(v->error, error, sizeof(error)));
	else if (v->action == RULES_DENY)
		snprintf(buf, len, "%s -> deny",
		    config_rule_describe(cf, v->entry, rule, sizeof(rule)));
	else
		snprintf(buf, len, "%s -> class %s",
		    config_rule_describe(cf, v->entry, rule, sizeof(rule)),
		    cf->classes[v->class_idx].name);
	return buf;
}

/* A client address as the user writes it, with or without a port. */
static int
config_parse_peer(const char *text, struct sockaddr_storage *ss)
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

/* The same compiled matcher as the daemon's, on one address. */
int
config_explain(const struct config *cf, const char *peer, const char *lname,
    char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct rules_verdict	 v;
	char			 text[ADDR_STRLEN], verdict[640];
	int			 listener = -1;

	if (lname != NULL &&
	    (listener = config_listener_find(cf, lname)) == -1) {
		snprintf(buf, len, "no listener \"%s\" in %s", lname, cf->path);
		return -1;
	}
	if (config_parse_peer(peer, &ss) == -1) {
		snprintf(buf, len, "bad address \"%s\": expected "
		    "A.B.C.D[:PORT], V6 or [V6]:PORT", peer);
		return -1;
	}
	addr_unmap(&ss);
	rules_match(cf->rules, (struct sockaddr *)&ss, listener, &v);
	addr_ntop((struct sockaddr *)&ss, text, sizeof(text));
	snprintf(buf, len, "%s -> %s", text,
	    config_verdict_describe(cf, &v, verdict, sizeof(verdict)));
	return 0;
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
		cr = &cf->rule_src[config_rule_index(cf, (int)i)];
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

void
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

#include <string.h>

#include "config_int.h"
#include "rules.h"

/*
 * The top-level bounds on connections waiting for their PROXY header,
 * read before the listeners, whose descriptors they count.
 */
void
config_proxy(struct config_ctx *ctx, const config_setting_t *root)
{
	struct config	*cf = ctx->cf;

	cf->proxy_pending = CONFIG_DEFAULT_PROXY_PENDING;
	cf->proxy_timeout_ms = CONFIG_DEFAULT_PROXY_TIMEOUT_MS;
	config_get_int(ctx, root, "proxy_pending", 1, CONFIG_MAX_QUEUE,
	    &cf->proxy_pending);
	config_get_int(ctx, root, "proxy_timeout_ms", 1,
	    CONFIG_MAX_PROXY_TIMEOUT_MS, &cf->proxy_timeout_ms);
}

/*
 * proxy_from, compiled as a ruleset of its own: a peer is trusted when an
 * entry matches it (class 1 against the default 0), found in the time a
 * rule takes, and written with the rules' syntax and checks (a prefix
 * with host bits set is masked with a warning).
 */
static struct rules *
config_proxy_from(struct config_ctx *ctx, config_setting_t *fs)
{
	struct rules		*r;
	config_setting_t	*e;
	char			 err[256];
	size_t			 i, n;
	int			 rc;

	if ((!config_setting_is_array(fs) && !config_setting_is_list(fs)) ||
	    (n = config_setting_length(fs)) == 0) {
		config_error(ctx, fs, "\"proxy_from\" must be a list of the "
		    "balancers' addresses or prefixes: [ \"10.0.0.0/8\" ]");
		return NULL;
	}
	if ((r = rules_new(0)) == NULL) {
		config_nomem(ctx, fs);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(fs, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			config_error(ctx, e, "\"proxy_from\" entries must be "
			    "\"ADDRESS\" or \"ADDRESS/LEN\" strings");
			continue;
		}
		if (config_string(ctx, e) == NULL)
			continue;
		rc = rules_add_address(r, config_setting_get_string(e), 1,
		    RULES_ROUTE, NULL, err, sizeof(err));
		if (rc != 0)
			config_msg(ctx, e, rc == -1, "proxy_from: %s", err);
	}
	if (rules_compile(r, err, sizeof(err)) == -1)
		config_error(ctx, fs, "proxy_from: %s", err);
	return r;
}

void
config_proxy_listener(struct config_ctx *ctx, const config_setting_t *g,
    struct config_listener *l)
{
	config_setting_t	*fs = config_setting_get_member(g, "proxy_from");

	config_get_bool(ctx, g, "proxy_protocol", &l->proxy);
	if (!l->proxy) {
		if (fs != NULL)
			config_error(ctx, fs, "\"proxy_from\" without "
			    "\"proxy_protocol = true\"");
		return;
	}
	if (fs == NULL) {
		config_error(ctx, config_setting_get_member(g,
		    "proxy_protocol"), "\"proxy_protocol\" needs \"proxy_from\", "
		    "the balancers' addresses: only they may send the header");
		return;
	}
	l->proxy_from = config_proxy_from(ctx, fs);
}

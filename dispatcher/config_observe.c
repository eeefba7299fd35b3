#include <string.h>

#include "addr.h"
#include "config_int.h"

/*
 * "metrics": where the Prometheus endpoint listens, an address of its
 * own: a listener's would hand scrapes to workers.
 */
void
config_metrics(struct config_ctx *ctx, config_setting_t *root)
{
	struct config_addr	*a = &ctx->cf->metrics;
	config_setting_t	*s;
	const char		*text;
	char			 err[256];
	size_t			 i;

	if ((s = config_setting_get_member(root, "metrics")) == NULL ||
	    (text = config_get_string(ctx, root, "metrics")) == NULL)
		return;
	if (addr_parse_hostport(text, &a->ss, &a->sslen, err,
	    sizeof(err)) == -1) {
		config_error(ctx, s, "bad metrics address \"%s\": expected "
		    "A.B.C.D:PORT or [V6]:PORT", text);
		return;
	}
	for (i = 0; i < ctx->cf->nlisteners; i++)
		if (addr_same(&a->ss, a->sslen, &ctx->cf->listeners[i].ss,
		    ctx->cf->listeners[i].sslen)) {
			config_error(ctx, s, "metrics address \"%s\" is also "
			    "a listener's", text);
			return;
		}
	a->text = config_strdup(ctx, s, text);
}

/* "access_log": a file, or "-" for standard error. */
void
config_access_log(struct config_ctx *ctx, config_setting_t *root)
{
	config_setting_t	*s;
	const char		*path;

	if ((s = config_setting_get_member(root, "access_log")) == NULL ||
	    (path = config_get_string(ctx, root, "access_log")) == NULL)
		return;
	if (path[0] == '\0') {
		config_error(ctx, s, "\"access_log\" must be a path or \"-\"");
		return;
	}
	ctx->cf->access_log = config_strdup(ctx, s, path);
}

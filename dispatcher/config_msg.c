#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

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

	/* After out of memory nothing more is told: see config_msgs_flush. */
	if (ctx->nomem)
		return;
	if (file == NULL)
		file = ctx->path;
	vsnprintf(text, sizeof(text), fmt, ap);
	config_escape(text, sizeof(text));
	if (error)
		ctx->nerrors++;
	if ((m = reallocarray(ctx->msgs, ctx->nmsgs + 1, sizeof(*m))) == NULL) {
		config_nomem_at(ctx, file, line);
		return;
	}
	ctx->msgs = m;
	m = &ctx->msgs[ctx->nmsgs];
	m->file = strdup(file);
	m->text = strdup(text);
	if (m->file == NULL || m->text == NULL) {
		free(m->file);
		free(m->text);
		config_nomem_at(ctx, file, line);
		return;
	}
	m->line = line;
	m->warning = !error;
	m->seq = ctx->nmsgs++;
}

void
config_msg(struct config_ctx *ctx, const config_setting_t *s, int error,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_vmsg(ctx, config_setting_source_file(s),
	    config_setting_source_line(s), error, fmt, ap);
	va_end(ap);
}

void
config_msg_at(struct config_ctx *ctx, const char *file, int line, int error,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_vmsg(ctx, file, line, error, fmt, ap);
	va_end(ap);
}

void
config_nomem_at(struct config_ctx *ctx, const char *file, int line)
{
	/* One is enough: the next ones are likely its consequences. */
	if (ctx->nomem)
		return;
	ctx->nomem = 1;
	ctx->nerrors++;
	snprintf(ctx->nomem_file, sizeof(ctx->nomem_file), "%s",
	    file != NULL ? file : ctx->path);
	ctx->nomem_line = line;
}

void
config_nomem(struct config_ctx *ctx, const config_setting_t *s)
{
	if (s == NULL)
		config_nomem_at(ctx, ctx->path, 0);
	else
		config_nomem_at(ctx, config_setting_source_file(s),
		    config_setting_source_line(s));
}

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

void
config_msgs_flush(struct config_ctx *ctx, config_report_fn *report, void *arg)
{
	struct config_msg	*m;
	size_t			 i;

	/*
	 * After an allocation failed, what the checks found may be its
	 * consequences (a setting libconfig could not name is "missing"):
	 * only that is told.
	 */
	if (ctx->nomem)
		report(arg, ctx->nomem_file, ctx->nomem_line, 0,
		    "out of memory");
	else if (ctx->nmsgs > 0)
		qsort(ctx->msgs, ctx->nmsgs, sizeof(*ctx->msgs),
		    config_msg_cmp);
	for (i = 0; i < ctx->nmsgs; i++) {
		m = &ctx->msgs[i];
		if (!ctx->nomem)
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

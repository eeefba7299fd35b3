#include <sys/un.h>

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/*
 * The owner is looked up at each load, as a name in the passwd and group
 * databases: a typo is an error here rather than a socket nobody may use.
 */
static void
config_control_owner(struct config_ctx *ctx, const config_setting_t *root,
    const char *key, struct config_control *cc)
{
	const config_setting_t	*s;
	const struct passwd	*pw;
	const struct group	*gr;
	const char		*name;

	if ((name = config_get_string(ctx, root, key)) == NULL)
		return;
	s = config_setting_get_member(root, key);
	if (strcmp(key, "control_user") == 0) {
		if ((pw = getpwnam(name)) == NULL)
			config_error(ctx, s, "unknown user \"%s\"", name);
		else
			cc->uid = pw->pw_uid;
	} else {
		if ((gr = getgrnam(name)) == NULL)
			config_error(ctx, s, "unknown group \"%s\"", name);
		else
			cc->gid = gr->gr_gid;
	}
}

/* "control_mode": a string of octal digits, as chmod takes it. */
static void
config_control_mode(struct config_ctx *ctx, const config_setting_t *root,
    struct config_control *cc)
{
	const char	*text;
	size_t		 len;
	unsigned long	 mode;

	if ((text = config_get_string(ctx, root, "control_mode")) == NULL)
		return;
	len = strlen(text);
	if (len == 0 || len > 4 || strspn(text, "01234567") != len ||
	    (mode = strtoul(text, NULL, 8)) > 0777 || (mode & 0600) != 0600) {
		config_error(ctx, config_setting_get_member(root,
		    "control_mode"), "\"control_mode\" must be octal digits "
		    "from \"0600\" to \"0777\" with the owner's read and write "
		    "(\"%s\")", text);
		return;
	}
	cc->mode = (mode_t)mode;
}

void
config_control(struct config_ctx *ctx, const config_setting_t *root)
{
	static const char *const	 keys[] = {
		"control_user", "control_group", "control_mode", NULL
	};
	struct config_control		*cc = &ctx->cf->control;
	struct sockaddr_un		 sun;
	const config_setting_t		*s;
	const char			*path;
	size_t				 i;

	cc->uid = (uid_t)-1;
	cc->gid = (gid_t)-1;
	cc->mode = CONFIG_CONTROL_MODE;
	config_control_owner(ctx, root, "control_user", cc);
	config_control_owner(ctx, root, "control_group", cc);
	config_control_mode(ctx, root, cc);
	if ((s = config_setting_get_member(root, "control")) == NULL) {
		for (i = 0; keys[i] != NULL; i++)
			if ((s = config_setting_get_member(root, keys[i])) !=
			    NULL)
				config_error(ctx, s, "\"%s\" without \"control\"",
				    keys[i]);
		return;
	}
	if ((path = config_get_string(ctx, root, "control")) == NULL)
		return;
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		config_error(ctx, s, "\"control\" must be a path of 1 to %zu "
		    "bytes", sizeof(sun.sun_path) - 1);
		return;
	}
	cc->path = config_strdup(ctx, s, path);
}

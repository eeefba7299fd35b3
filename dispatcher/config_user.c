#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "config_int.h"

/*
 * Looks the name up now, so that an unknown user or group is a
 * FILE:LINE error of -t and of a reload, not a failure after binding.
 * errno tells "no such name" (0 or ENOENT) from a lookup that failed.
 */
static int
config_user_lookup(struct config_ctx *ctx, const config_setting_t *s,
    const char *what, const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw = NULL;
	struct group	*gr = NULL;

	errno = 0;
	if (strcmp(what, "user") == 0)
		pw = getpwnam(name);
	else
		gr = getgrnam(name);
	if (pw == NULL && gr == NULL) {
		if (errno == 0 || errno == ENOENT || errno == ESRCH)
			config_error(ctx, s, "unknown %s \"%s\"", what, name);
		else
			config_error(ctx, s, "cannot look up %s \"%s\": %s",
			    what, name, strerror(errno));
		return -1;
	}
	if (pw != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else
		*gid = gr->gr_gid;
	/* Dropping to root keeps what the drop is there to take away. */
	if ((pw != NULL && *uid == 0) || (gr != NULL && *gid == 0)) {
		config_error(ctx, s, "%s \"%s\" is root's (id 0): name an "
		    "unprivileged %s", what, name, what);
		return -1;
	}
	return 0;
}

void
config_user(struct config_ctx *ctx, config_setting_t *root)
{
	struct config		*cf = ctx->cf;
	config_setting_t	*us, *gs;
	const char		*user, *group;
	uid_t			 uid;
	gid_t			 gid, pgid;

	user = config_get_string(ctx, root, "user");
	group = config_get_string(ctx, root, "group");
	us = config_setting_get_member(root, "user");
	gs = config_setting_get_member(root, "group");
	if (gs != NULL && us == NULL) {
		config_error(ctx, gs, "\"group\" needs \"user\"");
		return;
	}
	if (user == NULL ||
	    config_user_lookup(ctx, us, "user", user, &uid, &pgid) == -1)
		return;
	gid = pgid;		/* the user's primary group by default */
	if (gs != NULL && (group == NULL ||
	    config_user_lookup(ctx, gs, "group", group, &uid, &gid) == -1))
		return;
	if ((cf->user = config_strdup(ctx, us, user)) == NULL)
		return;
	cf->uid = uid;
	cf->gid = gid;
}

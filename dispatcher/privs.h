/*
 * privs: the dispatcher binds its listeners as root, then runs as the
 * configured "user" and "group", and so do the workers it starts after.
 *
 * privs_start, before anything is opened, says whether the process can
 * become that user; privs_drop becomes it and proves that root cannot be
 * had back; privs_reload says whether a new configuration can be put in
 * place by the unprivileged process.
 */
#ifndef PRIVS_H
#define PRIVS_H

#include <stddef.h>

struct config;
struct listener;

/*
 * Before anything is bound: root without "user" is warned about; a
 * process that is not root can only be the configured user already.
 * Returns 0, or EXIT_CONFIG having logged why it cannot run as that user.
 */
int	privs_start(const struct config *);

/*
 * Becomes the configured user, if any: only its group, setresgid,
 * setresuid, no new privileges (PR_SET_NO_NEW_PRIVS); then checks that
 * setuid(0) and setgid(0) fail and that no capability is left, and
 * exits (fatal) otherwise.  Warns when the configuration can no longer
 * be read, as every reload will then fail.
 */
void	privs_drop(const struct config *);

/*
 * Whether next can be put in place after the drop: every socket it needs
 * on a port below the unprivileged limit (1024 by default) is open among
 * the nopen listeners already, lanes included.  Returns 0, or -1 having
 * logged why.  Also logs that a "user" or "group" other than those of
 * the start waits for the next one.
 */
int	privs_reload(const struct config *next, struct listener *const *open,
	    size_t nopen);

#endif

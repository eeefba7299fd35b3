#include <signal.h>
#include <spawn.h>

#include "spawnattr.h"

int
spawnattr_init(posix_spawnattr_t *attr)
{
	sigset_t	none, deflt;
	int		rc;

	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGCHLD);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGUSR1);
	if ((rc = posix_spawnattr_init(attr)) != 0)
		return rc;
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &deflt);
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	return 0;
}

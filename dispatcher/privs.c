#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <netinet/in.h>

#include <grp.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"
#include "privs.h"

#define PRIVS_PORT_START_FILE	"/proc/sys/net/ipv4/ip_unprivileged_port_start"
#define PRIVS_PORT_START	1024	/* the kernel's default */

/* Set by a drop from root: the listeners were bound before it. */
static int	privs_dropped;
static char	privs_user[256];
/* The "user" and "group" of the start, which a reload cannot change. */
static int	privs_has_user;
static uid_t	privs_uid;
static gid_t	privs_gid;

int
privs_start(const struct config *cf)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("getresuid");
	privs_has_user = cf->user != NULL;
	privs_uid = cf->uid;
	privs_gid = cf->gid;
	if (cf->user == NULL) {
		if (euid == 0)
			log_warnx("running as root: set \"user\" in %s to run "
			    "as an unprivileged user once listening", cf->path);
		return 0;
	}
	if (euid == 0 || (ruid == cf->uid && euid == cf->uid &&
	    suid == cf->uid && rgid == cf->gid && egid == cf->gid &&
	    sgid == cf->gid))
		return 0;
	log_warnx("%s: \"user\" is %s (uid %u, gid %u), but the dispatcher "
	    "runs as uid %u, gid %u and cannot switch: start it as root or "
	    "as that user and group", cf->path, cf->user, (unsigned)cf->uid,
	    (unsigned)cf->gid, (unsigned)euid, (unsigned)egid);
	return EXIT_CONFIG;
}

/*
 * The drop is only trusted once root cannot be had back: a securebit
 * (SECBIT_NO_SETUID_FIXUP keeps every capability across setresuid,
 * SECBIT_KEEP_CAPS the permitted ones) or a sandbox that fakes the calls
 * would leave a process that looks unprivileged and is not.
 */
static void
privs_verify(const struct config *cf)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	cap[_LINUX_CAPABILITY_U32S_3];
	uid_t				ruid, euid, suid;
	gid_t				rgid, egid, sgid;
	size_t				i;

	if (setuid(0) != -1 || setresuid(0, 0, 0) != -1 || setgid(0) != -1)
		fatalx("after dropping to user %s, root could be had back: "
		    "refusing to run", cf->user);
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("getresuid");
	if (ruid != cf->uid || euid != cf->uid || suid != cf->uid ||
	    rgid != cf->gid || egid != cf->gid || sgid != cf->gid)
		fatalx("after dropping to user %s, the process runs as uid "
		    "%u/%u/%u, gid %u/%u/%u: refusing to run", cf->user,
		    (unsigned)ruid, (unsigned)euid, (unsigned)suid,
		    (unsigned)rgid, (unsigned)egid, (unsigned)sgid);
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, cap) == -1)
		fatal("capget");
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (cap[i].effective != 0 || cap[i].permitted != 0)
			fatalx("after dropping to user %s, the process still "
			    "has capabilities: refusing to run", cf->user);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatalx("PR_SET_NO_NEW_PRIVS did not hold: refusing to run");
}

/* A reload reads these as the user: say now if it cannot. */
static void
privs_readable(const struct config *cf)
{
	size_t	i;

	if (access(cf->path, R_OK) == -1)
		log_warn("%s is not readable by user %s: reloads will fail",
		    cf->path, cf->user);
	for (i = 0; i < cf->nrules; i++)
		if (cf->rule_src[i].list != NULL &&
		    access(cf->rule_src[i].list, R_OK) == -1)
			log_warn("%s is not readable by user %s: reloads will "
			    "fail", cf->rule_src[i].list, cf->user);
}

void
privs_drop(const struct config *cf)
{
	if (cf->user == NULL)
		return;
	/* Not root: privs_start found the process to be that user already. */
	if (geteuid() == 0) {
		/* Its group alone: root's supplementary groups go. */
		if (setgroups(1, &cf->gid) == -1)
			fatal("setgroups");
		if (setresgid(cf->gid, cf->gid, cf->gid) == -1)
			fatal("setresgid %u", (unsigned)cf->gid);
		if (setresuid(cf->uid, cf->uid, cf->uid) == -1)
			fatal("setresuid %u", (unsigned)cf->uid);
		privs_dropped = 1;
		snprintf(privs_user, sizeof(privs_user), "%s", cf->user);
	}
	/* Nor through an executable's setuid bit or file capabilities. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	privs_verify(cf);
	log_info("running as user %s (uid %u, gid %u)", cf->user,
	    (unsigned)cf->uid, (unsigned)cf->gid);
	privs_readable(cf);
}

/* The lowest port an unprivileged process may bind, in this namespace. */
static int
privs_port_start(void)
{
	FILE	*fp;
	int	 port = PRIVS_PORT_START;

	if ((fp = fopen(PRIVS_PORT_START_FILE, "r")) != NULL) {
		if (fscanf(fp, "%d", &port) != 1)
			port = PRIVS_PORT_START;
		fclose(fp);
	}
	return port;
}

static int
privs_port(const struct config_listener *cl)
{
	if (cl->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&cl->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&cl->ss)->sin6_port);
}

/*
 * How many sockets the listener at index of cf needs that are not open:
 * all of them for a new address (*isnew), the lanes it lacks for one
 * that is open.  -1 when out of memory.
 */
static int
privs_new_sockets(const struct config *cf, size_t index,
    struct listener *const *open, size_t nopen, size_t *n, int *isnew)
{
	struct lanes_prog	 lp;
	const struct listener	*l = NULL;
	size_t			 i;

	for (i = 0; i < nopen && l == NULL; i++)
		if (listener_is(open[i], &cf->listeners[index]))
			l = open[i];
	*isnew = l == NULL;
	*n = l == NULL ? 1 : 0;
	if (!cf->listeners[index].lanes)
		return 0;
	if (lanes_compile(cf, index, &lp) == -1)
		return -1;
	if (l == NULL)
		*n = lp.nlanes;
	else if (lp.nlanes > l->nlanes)
		*n = lp.nlanes - l->nlanes;
	lanes_free(&lp);
	return 0;
}

int
privs_reload(const struct config *next, struct listener *const *open,
    size_t nopen)
{
	size_t	i, n;
	int	start, isnew;

	if (privs_has_user != (next->user != NULL) || (privs_has_user &&
	    (privs_uid != next->uid || privs_gid != next->gid)))
		log_warnx("%s: a changed \"user\" or \"group\" takes effect at "
		    "the next start", next->path);
	if (!privs_dropped)
		return 0;
	start = privs_port_start();
	for (i = 0; i < next->nlisteners; i++) {
		if (privs_port(&next->listeners[i]) >= start)
			continue;
		if (privs_new_sockets(next, i, open, nopen, &n, &isnew) == -1) {
			log_warnx("lanes of %s: out of memory",
			    next->listeners[i].text);
			return -1;
		}
		if (n > 0) {
			log_warnx("cannot %s %s: the listeners were bound as "
			    "root, the dispatcher runs as user %s since the "
			    "privilege drop, and ports below %d need root: "
			    "restart it to listen there", isnew ? "listen on" :
			    "open more lanes on", next->listeners[i].text,
			    privs_user, start);
			return -1;
		}
	}
	return 0;
}

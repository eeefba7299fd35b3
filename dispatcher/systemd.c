#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "addr.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "systemd.h"

/* A socket passed by the service manager. */
struct systemd_socket {
	int			 fd;
	char			*name;		/* LISTEN_FDNAMES' or "unknown" */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	/* "socket 3 \"web\" (127.0.0.1:80)", for messages */
	char			 text[ADDR_PORTSTRLEN + 128];
};

static struct systemd_socket	*systemd_sockets;
static size_t			 systemd_nsockets;
static struct {
	int	type;
	int	fd;
} systemd_timer = { EVENT_WATCHDOG, -1 };

/* Describes s for messages, whatever its address family. */
static void
systemd_describe(struct systemd_socket *s)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)&s->ss;
	char				 addr[ADDR_PORTSTRLEN];

	switch (s->ss.ss_family) {
	case AF_INET:
	case AF_INET6:
		addr_format((const struct sockaddr *)&s->ss, addr,
		    sizeof(addr));
		break;
	case AF_UNIX:
		snprintf(addr, sizeof(addr), "unix:%.*s",
		    (int)(sizeof(addr) - 6),
		    sun->sun_path[0] != '\0' ? sun->sun_path : "(unnamed)");
		break;
	default:
		snprintf(addr, sizeof(addr), "address family %d",
		    s->ss.ss_family);
		break;
	}
	snprintf(s->text, sizeof(s->text), "socket %d \"%.64s\" (%s)", s->fd,
	    s->name, addr);
}

/* Checks and prepares one inherited socket: -1 (logged) when unusable. */
static int
systemd_take(struct systemd_socket *s)
{
	int	flags;

	/* The workers must never hold a listening socket. */
	if (fcntl(s->fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("inherited socket %d", s->fd);
		return -1;
	}
	s->sslen = sizeof(s->ss);
	if (getsockname(s->fd, (struct sockaddr *)&s->ss, &s->sslen) == -1) {
		log_warn("inherited descriptor %d \"%s\" is not a socket",
		    s->fd, s->name);
		return -1;
	}
	systemd_describe(s);
	if ((s->ss.ss_family != AF_INET && s->ss.ss_family != AF_INET6) ||
	    sd_is_socket(s->fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		log_warnx("inherited %s is not a listening TCP socket",
		    s->text);
		return -1;
	}
	/* The accept loop ends on EAGAIN. */
	if ((flags = fcntl(s->fd, F_GETFL)) == -1 ||
	    fcntl(s->fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("inherited %s", s->text);
		return -1;
	}
	return 0;
}

int
systemd_init(void)
{
	char	**names = NULL;
	size_t	  i;
	int	  n, rc = 0;

	if ((n = sd_listen_fds_with_names(1, &names)) < 0) {
		errno = -n;
		log_warn("LISTEN_FDS");
		return -1;
	}
	if (n == 0)
		return 0;
	if ((systemd_sockets = calloc((size_t)n, sizeof(*systemd_sockets)))
	    == NULL)
		fatal("calloc");
	systemd_nsockets = (size_t)n;
	for (i = 0; i < systemd_nsockets; i++) {
		systemd_sockets[i].fd = SD_LISTEN_FDS_START + (int)i;
		/* Taken over: freed by systemd_free. */
		systemd_sockets[i].name = names[i];
		if (systemd_take(&systemd_sockets[i]) == -1)
			rc = -1;
	}
	free(names);
	return rc;
}

/* The index of the listener at s's address, or -1. */
static int
systemd_listener(const struct config *cf, const struct systemd_socket *s)
{
	size_t	i;

	for (i = 0; i < cf->nlisteners; i++)
		if (addr_same(&cf->listeners[i].ss, cf->listeners[i].sslen,
		    &s->ss, s->sslen))
			return (int)i;
	return -1;
}

int
systemd_match(const struct config *cf)
{
	const struct systemd_socket	*s;
	size_t				 i;
	int				 l, named, v6only, rc = 0;
	socklen_t			 len = sizeof(v6only);

	for (i = 0; i < systemd_nsockets; i++) {
		s = &systemd_sockets[i];
		if ((l = systemd_listener(cf, s)) == -1) {
			log_warnx("inherited %s: no listener of %s has its "
			    "address", s->text, cf->path);
			rc = -1;
			continue;
		}
		/* A name that is no listener's (the unit's) is only a name. */
		named = config_listener_find(cf, s->name);
		if (named != -1 && named != l) {
			log_warnx("inherited %s is named after listener %s of "
			    "%s, at %s", s->text, s->name, cf->path,
			    cf->listeners[named].text);
			rc = -1;
		}
		/* "[::]" is dual-stack (listener_socket): so must it be. */
		if (s->ss.ss_family == AF_INET6 &&
		    addr_is_any(&cf->listeners[l].ss) &&
		    (getsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    &len) == -1 || v6only)) {
			log_warnx("inherited %s is IPv6-only, listener %s of "
			    "%s dual-stack (BindIPv6Only=both)", s->text,
			    cf->listeners[l].text, cf->path);
			rc = -1;
		}
	}
	return rc;
}

int
systemd_socket(const struct config_listener *cl)
{
	size_t	i;

	for (i = 0; i < systemd_nsockets; i++)
		if (addr_same(&systemd_sockets[i].ss, systemd_sockets[i].sslen,
		    &cl->ss, cl->sslen))
			return systemd_sockets[i].fd;
	return -1;
}

/*
 * Sends one notification, formatted on the stack: libsystemd's
 * sd_notifyf would allocate, even without a socket to send to, and a
 * reload must not spend an allocation it does not need.
 */
static void
systemd_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
systemd_send(const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_notify(0, msg);
}

void
systemd_ready(const char *fmt, ...)
{
	va_list	ap;
	char	status[256];

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	systemd_send("READY=1\nSTATUS=%s", status);
}

void
systemd_reloading(void)
{
	struct timespec	ts;

	/* systemd 253 and later tell this reload from an older one by it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	systemd_send("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void
systemd_stopping(void)
{
	systemd_send("STOPPING=1\nSTATUS=stopping");
}

void
systemd_mainpid(pid_t pid)
{
	systemd_send("MAINPID=%ld\nSTATUS=upgraded: dispatcher %ld serves",
	    (long)pid, (long)pid);
}

void
systemd_watchdog_start(int epfd)
{
	struct itimerspec	its;
	uint64_t		usec, half;

	if (getenv("NOTIFY_SOCKET") == NULL ||
	    sd_watchdog_enabled(0, &usec) <= 0)
		return;
	systemd_timer.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (systemd_timer.fd == -1)
		fatal("timerfd_create");
	/* Twice per interval: one late turn of the loop is no restart. */
	half = usec / 2 > 0 ? usec / 2 : 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(half / 1000000);
	its.it_value.tv_nsec = (long)(half % 1000000) * 1000;
	its.it_interval = its.it_value;
	if (timerfd_settime(systemd_timer.fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
	event_watch(epfd, EPOLL_CTL_ADD, systemd_timer.fd, EPOLLIN,
	    &systemd_timer);
	log_info("watchdog: a ping every %" PRIu64 " ms", half / 1000);
}

void
systemd_watchdog_event(void)
{
	uint64_t	ticks;

	/* The loop turns: that is what the ping says. */
	if (read(systemd_timer.fd, &ticks, sizeof(ticks)) > 0)
		systemd_send("WATCHDOG=1");
}

void
systemd_free(void)
{
	size_t	i;

	for (i = 0; i < systemd_nsockets; i++) {
		close(systemd_sockets[i].fd);
		free(systemd_sockets[i].name);
	}
	free(systemd_sockets);
	systemd_sockets = NULL;
	systemd_nsockets = 0;
	if (systemd_timer.fd != -1)
		close(systemd_timer.fd);
	systemd_timer.fd = -1;
}

/*
 * systemd: socket activation and the service manager's notifications,
 * through libsystemd.  Without LISTEN_FDS nothing is inherited, and
 * without NOTIFY_SOCKET every notification is a no-op: the dispatcher
 * runs the same outside systemd.
 *
 * The prefix is the file's, systemd_, not libsystemd's own sd_.
 */
#ifndef SYSTEMD_H
#define SYSTEMD_H

#include <sys/types.h>

struct config;
struct config_listener;

/*
 * Takes the sockets passed for this process (LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES), removing those variables so that no worker sees them;
 * makes them non-blocking and close-on-exec.  Returns -1, each problem
 * logged, when one is not a listening TCP socket.
 */
int	systemd_init(void);

/*
 * Whether the inherited sockets fit the configuration: each one has the
 * address of one of its listeners, a dual-stack listener's socket is
 * dual-stack too, and a socket whose name (LISTEN_FDNAMES) is the name
 * of a listener has that listener's address.  Returns -1, each mismatch
 * logged, when they do not.
 */
int	systemd_match(const struct config *);

/* The inherited socket at the listener's address (still ours), or -1. */
int	systemd_socket(const struct config_listener *);

/*
 * Notifications: READY=1 with a STATUS= line (printf format), RELOADING=1
 * before a reload (READY=1 ends it), STOPPING=1 at shutdown.
 */
void	systemd_ready(const char *, ...) __attribute__((format(printf, 1, 2)));
void	systemd_reloading(void);
void	systemd_stopping(void);
/*
 * MAINPID= after an upgrade: the new dispatcher, started by this one, is
 * the service's main process now (the unit needs NotifyAccess=all for
 * its notifications to count before this one is read).
 */
void	systemd_mainpid(pid_t);

/*
 * When the service manager watches this process (WATCHDOG_USEC, and
 * WATCHDOG_PID if set, naming it), a timer in epfd's set that calls for
 * systemd_watchdog_event every half of the interval.
 */
void	systemd_watchdog_start(int epfd);
void	systemd_watchdog_event(void);

/* Closes the inherited sockets and the timer. */
void	systemd_free(void);

#endif

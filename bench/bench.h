/*
 * bench: what the load generator and the baseline servers share: parsing
 * addresses and numbers, and keeping every socket of a benchmark on this
 * machine.  "HOST:PORT" is parsed by the daemon's own addr_parse_hostport.
 */
#ifndef BENCH_H
#define BENCH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

/* Exit codes, as the daemon's (sysexits.h values). */
#define BENCH_EXIT_USAGE	64
#define BENCH_EXIT_OSERR	71

#define BENCH_PROCS_MAX		64	/* a baseline server's -n */

/* A baseline server's command line: [-n procs] [-C class] host:port. */
struct bench_server {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*addr;		/* as given */
	const char		*class;		/* the word in the reply */
	long			 nprocs;
};

int	bench_parse_ip(const char *, int, struct sockaddr_storage *,
	    socklen_t *);
int	bench_is_loopback(const struct sockaddr_storage *);
long	bench_parse_long(const char *, long, long, const char *);
uint64_t bench_now_us(void);
void	bench_server_args(struct bench_server *, int, char *[], const char *);
int	bench_listen(const struct bench_server *);
int	bench_reply(char *, size_t, const char *);
void	bench_die_with_parent(pid_t);

#endif

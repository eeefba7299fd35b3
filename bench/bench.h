/*
 * bench: what the load generator and the baseline server share: parsing
 * addresses and numbers, and keeping every socket of a benchmark on this
 * machine.  "HOST:PORT" is parsed by the daemon's own addr_parse_hostport.
 */
#ifndef BENCH_H
#define BENCH_H

#include <sys/socket.h>

#include <stdint.h>

/* Exit codes, as the daemon's (sysexits.h values). */
#define BENCH_EXIT_USAGE	64
#define BENCH_EXIT_OSERR	71

int	bench_parse_ip(const char *, int, struct sockaddr_storage *,
	    socklen_t *);
int	bench_is_loopback(const struct sockaddr_storage *);
long	bench_parse_long(const char *, long, long, const char *);
uint64_t bench_now_us(void);

#endif

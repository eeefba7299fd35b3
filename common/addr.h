/* addr: socket address parsing and printing shared by both programs. */
#ifndef ADDR_H
#define ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#define ADDR_STRLEN	INET6_ADDRSTRLEN	/* address only */
#define ADDR_PORTSTRLEN	(INET6_ADDRSTRLEN + 8)	/* "[v6]:65535" */

/* Rewrites an IPv4-mapped address (::ffff:a.b.c.d) as AF_INET, in place. */
void		 addr_unmap(struct sockaddr_storage *);

/* Whether it is the wildcard address, 0.0.0.0 or ::. */
int		 addr_is_any(const struct sockaddr_storage *);

/* Whether two addresses, ports included, are the same. */
int		 addr_same(const struct sockaddr_storage *, socklen_t,
		    const struct sockaddr_storage *, socklen_t);

/* The address without port: dotted quad, or IPv6 in RFC 5952 form. */
const char	*addr_ntop(const struct sockaddr *, char *buf, size_t len);

/* The port of an AF_INET or AF_INET6 address. */
unsigned int	 addr_port(const struct sockaddr *);

/* "a.b.c.d:port" or "[v6]:port". */
const char	*addr_format(const struct sockaddr *, char *buf, size_t len);

/*
 * Parses "A.B.C.D:PORT" or "[V6]:PORT" (numeric only, port 1-65535).
 * Returns 0, or -1 with a reason in err.
 */
int		 addr_parse_hostport(const char *text, struct sockaddr_storage *,
		    socklen_t *, char *err, size_t errlen);

#endif

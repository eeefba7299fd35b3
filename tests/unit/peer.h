/* A peer for the unit tests, as accept4 would give it. */
#ifndef TEST_PEER_H
#define TEST_PEER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

/* A numeric host, IPv4 or IPv6, and a port as a socket address. */
static inline void
test_peer(const char *host, unsigned int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((in_port_t)port);
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1,
	    "test peer \"%s\" does not parse", host);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((in_port_t)port);
}

#endif

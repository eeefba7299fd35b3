/* addr: socket address parsing and printing shared by both programs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

void
addr_unmap(struct sockaddr_storage *ss)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 sin;

	if (ss->ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = sin6->sin6_port;
	memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12],
	    sizeof(sin.sin_addr));
	/* Clear the IPv6 tail: the storage compares equal to a fresh one. */
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin, sizeof(sin));
}

int
addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int
addr_same(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

const char *
addr_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a;

	switch (sa->sa_family) {
	case AF_INET:
		a = &((const struct sockaddr_in *)sa)->sin_addr;
		break;
	case AF_INET6:
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		break;
	default:
		errno = EAFNOSUPPORT;
		return NULL;
	}
	/* glibc already prints IPv6 in RFC 5952 form. */
	return inet_ntop(sa->sa_family, a, buf,
	    (socklen_t)(len > ADDR_STRLEN ? ADDR_STRLEN : len));
}

unsigned int
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

const char *
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char		 host[ADDR_STRLEN];
	int		 n;

	if (addr_ntop(sa, host, sizeof(host)) == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		n = snprintf(buf, len, "%s:%u", host, addr_port(sa));
	else
		n = snprintf(buf, len, "[%s]:%u", host, addr_port(sa));
	if (n < 0 || (size_t)n >= len) {
		errno = ENOSPC;
		return NULL;
	}
	return buf;
}

/* Decimal digits only: strtol would take signs, spaces and hex. */
static int
addr_parse_port(const char *s, in_port_t *port)
{
	unsigned long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

int
addr_parse_hostport(const char *text, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[ADDR_STRLEN];
	const char		*h, *colon;
	size_t			 hlen;
	in_port_t		 port;
	int			 v6;

	v6 = text[0] == '[';
	if (v6) {
		h = text + 1;
		colon = strchr(h, ']');
		if (colon == NULL || colon[1] != ':')
			goto bad;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		h = text;
		colon = strrchr(h, ':');
		if (colon == NULL)
			goto bad;
		hlen = (size_t)(colon - h);
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		*sslen = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
		*sslen = sizeof(*sin);
	}
	if (addr_parse_port(colon + 1, &port) == -1) {
		snprintf(err, errlen, "bad port in \"%s\"", text);
		return -1;
	}
	if (v6)
		sin6->sin6_port = port;
	else
		sin->sin_port = port;
	return 0;

 bad:
	snprintf(err, errlen, "bad listen address \"%s\": "
	    "expected A.B.C.D:PORT or [V6]:PORT", text);
	return -1;
}

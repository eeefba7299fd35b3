/* refmatch: the reference first-match scan; see refmatch.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "refmatch.h"

/* Bit by bit on purpose: the reference should be plainly right. */
int
refmatch_mask(uint8_t *a, unsigned int len, unsigned int bits)
{
	unsigned int	 i;
	int		 set = 0;

	for (i = len; i < bits; i++) {
		if (a[i / 8] & (0x80 >> (i % 8)))
			set = 1;
		a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	}
	return set;
}

static int
refmatch_cond_holds(const struct rules_cond *c, int listener,
    unsigned int port)
{
	return (c->listener == -1 || c->listener == listener) &&
	    port >= c->port_min && port <= c->port_max;
}

static int
refmatch_lit_has(const struct refmatch_entry *e, const char *text)
{
	size_t	 tl = strlen(text), ll = strlen(e->lit);

	switch (e->anchor) {
	case REFMATCH_START:
		return strncmp(text, e->lit, ll) == 0;
	case REFMATCH_END:
		return ll <= tl && strcmp(text + tl - ll, e->lit) == 0;
	case REFMATCH_WHOLE:
		return strcmp(text, e->lit) == 0;
	case REFMATCH_INSIDE:
		return strstr(text, e->lit) != NULL;
	}
	return 0;
}

int
refmatch_first(const struct refmatch_entry *e, size_t n, int family,
    const uint8_t *a, int listener, unsigned int port)
{
	static const uint8_t	 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 text[ADDR_STRLEN];
	size_t			 i;

	if (family == AF_INET6 && memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
		family = AF_INET;
		a += sizeof(v4mapped);
	}
	inet_ntop(family, a, text, sizeof(text));
	for (i = 0; i < n; i++) {
		if (!refmatch_cond_holds(&e[i].cond, listener, port))
			continue;
		switch (e[i].kind) {
		case REFMATCH_ADDRESS:
			if (e[i].family == family &&
			    refmatch_prefix_has(e[i].addr, e[i].len, a))
				return (int)i;
			break;
		case REFMATCH_REGEX:
			if (refmatch_lit_has(&e[i], text))
				return (int)i;
			break;
		case REFMATCH_ANY:
			return (int)i;
		}
	}
	return -1;
}

int
refmatch_shadowed(const struct refmatch_entry *e, size_t i)
{
	const struct rules_cond	 none = RULES_COND_NONE;
	size_t			 j;

	if (e[i].kind != REFMATCH_ADDRESS)
		return -1;
	for (j = 0; j < i; j++) {
		if (e[j].kind == REFMATCH_REGEX ||
		    memcmp(&e[j].cond, &none, sizeof(none)) != 0)
			continue;
		if (e[j].kind == REFMATCH_ANY || (e[j].family == e[i].family &&
		    e[j].len <= e[i].len &&
		    refmatch_prefix_has(e[j].addr, e[j].len, e[i].addr)))
			return (int)j;
	}
	return -1;
}

void
refmatch_sockaddr(struct sockaddr_storage *ss, int family, const uint8_t *a,
    unsigned int port, int mapped)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6 || mapped) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((in_port_t)port);
		if (family == AF_INET6)
			memcpy(&sin6->sin6_addr, a, 16);
		else {
			sin6->sin6_addr.s6_addr[10] = 0xff;
			sin6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&sin6->sin6_addr.s6_addr[12], a, 4);
		}
		return;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((in_port_t)port);
	memcpy(&sin->sin_addr, a, 4);
}

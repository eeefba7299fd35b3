#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "proxy.h"

const char *const proxy_result_names[PROXY_RESULTS] = {
	"proxy", "local", "unknown_family", "untrusted", "malformed",
	"oversized", "timeout", "closed", "too_many",
};

static const char proxy_v1_sig[] = "PROXY ";
static const unsigned char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static enum proxy_status
proxy_bad(struct proxy_header *out, const char *why)
{
	out->why = why;
	return PROXY_MALFORMED;
}

/* An address of family af from text t of n bytes, with port port. */
static int
proxy_v1_addr(const char *t, size_t n, int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 text[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, t, n);
	text[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)af;
	return inet_pton(af, text, af == AF_INET ? (void *)&sin->sin_addr :
	    (void *)&sin6->sin6_addr) == 1 ? 0 : -1;
}

/* A port, 0 to 65535 in decimal: digits only, no leading zero. */
static int
proxy_v1_port(const char *t, size_t n, struct sockaddr_storage *ss)
{
	unsigned long	v = 0;
	size_t		i;

	if (n == 0 || n > 5 || (n > 1 && t[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(t[i] - '0');
	}
	if (v > 65535)
		return -1;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)v);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)v);
	return 0;
}

/*
 * "PROXY TCP4 SRC DST SPORT DPORT\r\n", TCP6 alike, or "PROXY UNKNOWN"
 * and anything up to the CRLF; one space between fields, no other.
 */
static enum proxy_status
proxy_v1(const unsigned char *buf, size_t len, struct proxy_header *out)
{
	const char	*line = (const char *)buf, *f[4], *end, *sp;
	size_t		 n, i, flen[4];
	int		 af;

	n = len < sizeof(proxy_v1_sig) - 1 ? len : sizeof(proxy_v1_sig) - 1;
	if (memcmp(buf, proxy_v1_sig, n) != 0)
		return proxy_bad(out, "not a PROXY header");
	out->version = 1;
	n = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	if ((end = memchr(line, '\n', n)) == NULL) {
		if (len >= PROXY_V1_MAX) {
			out->why = "a version 1 line longer than 107 bytes";
			return PROXY_OVERSIZED;
		}
		out->len = len + 1;
		return PROXY_NEED_MORE;
	}
	out->len = (size_t)(end - line) + 1;
	if (out->len < 2 || end[-1] != '\r')
		return proxy_bad(out, "a version 1 line without its CRLF");
	end--;		/* at the CR */
	line += sizeof(proxy_v1_sig) - 1;
	if (line <= end && (size_t)(end - line) >= 7 &&
	    memcmp(line, "UNKNOWN", 7) == 0 && (line + 7 == end ||
	    line[7] == ' ')) {
		/* The specification says to ignore what follows. */
		out->command = PROXY_CMD_UNKNOWN;
		return PROXY_COMPLETE;
	}
	if (line > end || (size_t)(end - line) < 5 ||
	    (memcmp(line, "TCP4 ", 5) != 0 && memcmp(line, "TCP6 ", 5) != 0))
		return proxy_bad(out, "a version 1 protocol other than TCP4, "
		    "TCP6 or UNKNOWN");
	af = line[3] == '4' ? AF_INET : AF_INET6;
	line += 5;
	for (i = 0; i < 4; i++) {
		sp = i < 3 ? memchr(line, ' ', (size_t)(end - line)) : end;
		if (sp == NULL)
			return proxy_bad(out, "a version 1 line with fewer "
			    "than 4 fields after its protocol");
		f[i] = line;
		flen[i] = (size_t)(sp - line);
		line = sp + 1;
	}
	if (proxy_v1_addr(f[0], flen[0], af, &out->src) == -1 ||
	    proxy_v1_addr(f[1], flen[1], af, &out->dst) == -1)
		return proxy_bad(out, "a version 1 address that is not one of "
		    "its protocol's");
	if (proxy_v1_port(f[2], flen[2], &out->src) == -1 ||
	    proxy_v1_port(f[3], flen[3], &out->dst) == -1)
		return proxy_bad(out, "a version 1 port that is not 0 to 65535");
	out->command = PROXY_CMD_PROXY;
	return PROXY_COMPLETE;
}

/* The addresses of a v2 PROXY header over TCP, from its body b. */
static void
proxy_v2_addrs(const unsigned char *b, int af, struct proxy_header *out)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&out->src;
	struct sockaddr_in	*d4 = (struct sockaddr_in *)&out->dst;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&out->src;
	struct sockaddr_in6	*d6 = (struct sockaddr_in6 *)&out->dst;

	memset(&out->src, 0, sizeof(out->src));
	memset(&out->dst, 0, sizeof(out->dst));
	out->src.ss_family = out->dst.ss_family = (sa_family_t)af;
	/* Addresses and ports are in network order, as sockaddrs hold them. */
	if (af == AF_INET) {
		memcpy(&s4->sin_addr, b, 4);
		memcpy(&d4->sin_addr, b + 4, 4);
		memcpy(&s4->sin_port, b + 8, 2);
		memcpy(&d4->sin_port, b + 10, 2);
	} else {
		memcpy(&s6->sin6_addr, b, 16);
		memcpy(&d6->sin6_addr, b + 16, 16);
		memcpy(&s6->sin6_port, b + 32, 2);
		memcpy(&d6->sin6_port, b + 34, 2);
	}
}

/*
 * The 12-byte signature, version and command, family and protocol, the
 * body's length (big-endian), then the body: addresses, then TLVs,
 * which are skipped: nothing here needs what they say.
 */
static enum proxy_status
proxy_v2(const unsigned char *buf, size_t len, struct proxy_header *out)
{
	size_t		n, body;
	unsigned	cmd, fam, proto;

	n = len < sizeof(proxy_v2_sig) ? len : sizeof(proxy_v2_sig);
	if (memcmp(buf, proxy_v2_sig, n) != 0)
		return proxy_bad(out, "not a PROXY header");
	out->version = 2;
	if (len < 13) {
		out->len = PROXY_V2_HEAD;
		return PROXY_NEED_MORE;
	}
	cmd = buf[12] & 0x0f;
	if ((buf[12] >> 4) != 2 || cmd > 1)
		return proxy_bad(out, "a version 2 header of another version "
		    "or command");
	if (len < 14) {
		out->len = PROXY_V2_HEAD;
		return PROXY_NEED_MORE;
	}
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0f;
	if (fam > 3 || proto > 2)
		return proxy_bad(out, "a version 2 header of an undefined "
		    "family or protocol");
	if (len < PROXY_V2_HEAD) {
		out->len = PROXY_V2_HEAD;
		return PROXY_NEED_MORE;
	}
	body = (size_t)buf[14] << 8 | buf[15];
	if (body > PROXY_V2_MAX_BODY) {
		out->why = "a version 2 header longer than 232 bytes";
		return PROXY_OVERSIZED;
	}
	out->len = PROXY_V2_HEAD + body;
	if (len < out->len)
		return PROXY_NEED_MORE;
	if (cmd == 0) {
		/* The balancer's own connection: its address block is ignored. */
		out->command = PROXY_CMD_LOCAL;
		return PROXY_COMPLETE;
	}
	/* TCP (STREAM) over IPv4 (1) or IPv6 (2) is carried, nothing else. */
	if (proto != 1 || (fam != 1 && fam != 2)) {
		out->command = PROXY_CMD_UNKNOWN;
		return PROXY_COMPLETE;
	}
	if (body < (fam == 1 ? 12u : 36u))
		return proxy_bad(out, "a version 2 header too short for its "
		    "addresses");
	proxy_v2_addrs(buf + PROXY_V2_HEAD, fam == 1 ? AF_INET : AF_INET6, out);
	out->command = PROXY_CMD_PROXY;
	return PROXY_COMPLETE;
}

enum proxy_status
proxy_parse(const unsigned char *buf, size_t len, struct proxy_header *out)
{
	out->why = NULL;
	out->version = 0;
	if (len == 0) {
		out->len = 1;
		return PROXY_NEED_MORE;
	}
	if (buf[0] == proxy_v1_sig[0])
		return proxy_v1(buf, len, out);
	if (buf[0] == proxy_v2_sig[0])
		return proxy_v2(buf, len, out);
	return proxy_bad(out, "not a PROXY header");
}

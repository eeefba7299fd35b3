#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "lanes.h"
#include "rules.h"

#define LANES_V4	0x01		/* the families a listener sees */
#define LANES_V6	0x02
#define LANES_GROUP	255		/* compares sharing a return: jt is 8 bits */
#define LANES_SLACK	16		/* what one entry may write past the limit */
#define LANES_NAMES	12		/* rules named per list by lanes_describe */
#define LANES_LEVELS	(2 * CONFIG_MAX_PRIORITY + 1)
#define LANES_OPTMEM_PATH	"/proc/sys/net/core/optmem_max"
#define LANES_SHARD_MEM	15		/* M[] word that holds the shard */
#define LANES_PRELUDE	3		/* instructions that pick the shard */

/*
 * One family's part of the program: a header that loads the source
 * address, then the entries in rule order, each returning its lane, then
 * the default lane.  IPv4 keeps the address in X and, in A, the address
 * under the mask of the entries at hand, so that a run of entries with
 * one mask and one lane costs one compare each, all jumping to one
 * return.  IPv6 keeps the four words in M[0..3].
 */
struct lanes_sec {
	struct sock_filter	*code;
	size_t			 n;
	uint32_t		 shards;	/* 1: a lane is a socket */
	int			 closed;	/* after a match-all: nothing more */
	uint32_t		 mask;		/* IPv4: what A holds */
	size_t			 gstart;	/* IPv4: the open group of compares */
	size_t			 glen;
	uint32_t		 glane;
};

struct lanes_ctx {
	const struct config	*cf;
	int			 listener;
	unsigned		 fams;		/* LANES_V4 | LANES_V6 */
	size_t			 max;		/* instructions the walk may use */
	struct lanes_sec	 v4;
	struct lanes_sec	 v6;
	/*
	 * NULL in the first pass, which returns a key per priority instead
	 * of a lane since the lanes are known only once it is done.
	 */
	const int		*levels;	/* ascending */
	size_t			 nlevels;
	size_t			 drop;		/* the lowest ones, all in lane 0 */
};

enum lanes_fate {
	LANES_IN,		/* decided in the kernel */
	LANES_USER,		/* left to rules_match */
	LANES_ELSEWHERE,	/* can never match on this listener */
};

static unsigned
lanes_listener_fams(const struct config_listener *cl)
{
	if (cl->ss.ss_family == AF_INET)
		return LANES_V4;
	/* As listener_open: "[::]" is dual-stack, any other IPv6 only. */
	return addr_is_any(&cl->ss) ? LANES_V4 | LANES_V6 : LANES_V6;
}

/* The families in which an entry can match on the listener. */
static unsigned
lanes_entry_fams(const struct lanes_ctx *x, const struct rules_entry_info *ei)
{
	if (ei->cond.listener != -1 && ei->cond.listener != x->listener)
		return 0;
	if (ei->kind == RULES_KIND_ADDRESS)
		return x->fams & (ei->family == AF_INET ? LANES_V4 : LANES_V6);
	return x->fams;
}

/* The families whose part still has a say. */
static unsigned
lanes_open_fams(const struct lanes_ctx *x)
{
	return x->fams & ((x->v4.closed ? 0 : LANES_V4) |
	    (x->v6.closed ? 0 : LANES_V6));
}

static uint32_t
lanes_lane(const struct lanes_ctx *x, int priority)
{
	size_t	i;

	for (i = 0; i < x->nlevels && x->levels[i] != priority; i++)
		;
	return i <= x->drop ? 0 : (uint32_t)(i - x->drop);
}

/* A deny goes to the lowest lane, as nobody waits for its answer. */
static uint32_t
lanes_value(const struct lanes_ctx *x, const struct rules_entry_info *ei)
{
	int	p;

	if (ei->action == RULES_DENY)
		return 0;
	p = x->cf->classes[ei->class_idx].priority;
	if (x->levels == NULL)
		return (uint32_t)(p + CONFIG_MAX_PRIORITY + 1);
	return lanes_lane(x, p);
}

static void
lanes_emit(struct lanes_sec *s, uint16_t op, uint8_t jt, uint8_t jf,
    uint32_t k)
{
	/* The walk checks the size after each entry: a broken invariant. */
	if (s->n >= LANES_MAX_INSNS + LANES_SLACK)
		abort();
	s->code[s->n++] = (struct sock_filter){ op, jt, jf, k };
}

/* Instructions a return takes. */
static size_t
lanes_ret_len(const struct lanes_sec *s)
{
	return s->shards > 1 ? 3 : 1;
}

/*
 * Returns a lane: with shards, the socket of the lane in the shard the
 * prelude picked, as the group holds every shard's socket of lane 0,
 * then of lane 1, and so on (lane * shards + shard).
 */
static void
lanes_ret(struct lanes_sec *s, uint32_t lane)
{
	if (s->shards < 2) {
		lanes_emit(s, BPF_RET | BPF_K, 0, 0, lane);
		return;
	}
	lanes_emit(s, BPF_LD | BPF_MEM, 0, 0, LANES_SHARD_MEM);
	lanes_emit(s, BPF_ALU | BPF_ADD | BPF_K, 0, 0, lane * s->shards);
	lanes_emit(s, BPF_RET | BPF_A, 0, 0, 0);
}

static uint32_t
lanes_word(const uint8_t *a)
{
	uint32_t	w;

	memcpy(&w, a, sizeof(w));
	return ntohl(w);
}

/* Parts start with their header: only the address words are loaded. */
static void
lanes_sec_reset(struct lanes_sec *s, int v6)
{
	uint32_t	w;

	s->n = 0;
	s->closed = 0;
	s->glen = 0;
	s->mask = UINT32_MAX;
	if (!v6) {
		lanes_emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0,
		    (uint32_t)(SKF_NET_OFF + 12));
		lanes_emit(s, BPF_MISC | BPF_TAX, 0, 0, 0);
		return;
	}
	for (w = 0; w < 4; w++) {
		lanes_emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0,
		    (uint32_t)(SKF_NET_OFF + 8 + 4 * (int)w));
		lanes_emit(s, BPF_ST, 0, 0, w);
	}
}

/* Ends the open group of IPv4 compares with their return. */
static void
lanes_v4_close(struct lanes_sec *s)
{
	size_t	ret, p;

	if (s->glen == 0)
		return;
	ret = s->n;
	lanes_ret(s, s->glane);
	/* A match jumps to the return, the last miss over it. */
	for (p = s->gstart; p < ret; p++) {
		s->code[p].jt = (uint8_t)(ret - p - 1);
		s->code[p].jf = p == ret - 1 ? (uint8_t)lanes_ret_len(s) : 0;
	}
	s->glen = 0;
}

static void
lanes_v4_add(struct lanes_sec *s, const struct rules_entry_info *ei,
    uint32_t lane)
{
	uint32_t	mask;

	if (ei->len == 0) {
		lanes_v4_close(s);
		lanes_ret(s, lane);
		s->closed = 1;
		return;
	}
	mask = UINT32_MAX << (32 - ei->len);
	if (mask != s->mask) {
		lanes_v4_close(s);
		lanes_emit(s, BPF_MISC | BPF_TXA, 0, 0, 0);
		if (mask != UINT32_MAX)
			lanes_emit(s, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
		s->mask = mask;
	}
	if (s->glen > 0 && (s->glane != lane || s->glen == LANES_GROUP))
		lanes_v4_close(s);
	if (s->glen == 0) {
		s->gstart = s->n;
		s->glane = lane;
	}
	lanes_emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, lanes_word(ei->addr));
	s->glen++;
}

static void
lanes_v6_add(struct lanes_sec *s, const struct rules_entry_info *ei,
    uint32_t lane)
{
	size_t		start = s->n, p;
	unsigned int	w, bits;

	if (ei->len == 0) {
		lanes_ret(s, lane);
		s->closed = 1;
		return;
	}
	for (w = 0; w * 32 < ei->len; w++) {
		lanes_emit(s, BPF_LD | BPF_MEM, 0, 0, w);
		if ((bits = ei->len - w * 32) < 32)
			lanes_emit(s, BPF_ALU | BPF_AND | BPF_K, 0, 0,
			    UINT32_MAX << (32 - bits));
		lanes_emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
		    lanes_word(ei->addr + 4 * w));
	}
	lanes_ret(s, lane);
	/* Every miss goes past the return. */
	for (p = start; p < s->n; p++)
		if (s->code[p].code == (BPF_JMP | BPF_JEQ | BPF_K))
			s->code[p].jf = (uint8_t)(s->n - p - 1);
}

/* Instructions of the whole program, were it finished now. */
static size_t
lanes_size(const struct lanes_ctx *x)
{
	size_t	n = 0, ret = lanes_ret_len(&x->v4);

	if (x->v4.shards > 1)
		n += LANES_PRELUDE;
	if (x->fams == (LANES_V4 | LANES_V6))
		n += 4;		/* the version check */
	if (x->fams & LANES_V4)
		n += x->v4.n + ((x->v4.glen > 0) + !x->v4.closed) * ret;
	if (x->fams & LANES_V6)
		n += x->v6.n + !x->v6.closed * ret;
	return n;
}

/*
 * Adds the entries of the ruleset, in order, up to limit, and returns
 * how many are decided in the kernel: it stops at the first that the
 * program cannot evaluate and that could change its answer (a regex, a
 * port condition), or that would take it past x->max instructions.  An
 * entry that can never match on this listener changes nothing and is
 * passed over.  seen, in the first pass, receives the priorities that
 * the compiled entries lead to.
 */
static size_t
lanes_walk(struct lanes_ctx *x, size_t limit, enum lanes_stop *stop,
    unsigned char *seen)
{
	struct rules_entry_info	ei;
	struct lanes_sec	v4, v6;
	size_t			e;
	unsigned		f;
	uint32_t		value;

	*stop = LANES_DONE;
	for (e = 0; e < limit && lanes_open_fams(x) != 0; e++) {
		if (rules_get(x->cf->rules, e, &ei) == -1)
			abort();
		if ((f = lanes_entry_fams(x, &ei) & lanes_open_fams(x)) == 0)
			continue;
		if (ei.kind == RULES_KIND_REGEX) {
			*stop = LANES_REGEX;
			return e;
		}
		if (ei.cond.port_min != 0 || ei.cond.port_max < 65535) {
			*stop = LANES_PORT;
			return e;
		}
		v4 = x->v4;
		v6 = x->v6;
		value = lanes_value(x, &ei);
		if (f & LANES_V4)
			lanes_v4_add(&x->v4, &ei, value);
		if (f & LANES_V6)
			lanes_v6_add(&x->v6, &ei, value);
		if (lanes_size(x) > x->max) {
			x->v4 = v4;
			x->v6 = v6;
			*stop = LANES_FULL;
			return e;
		}
		if (seen != NULL && ei.action == RULES_ROUTE)
			seen[x->cf->classes[ei.class_idx].priority +
			    CONFIG_MAX_PRIORITY] = 1;
	}
	/* Past a match-all in every family, nothing can change the answer. */
	return limit;
}

static int
lanes_sec_alloc(struct lanes_sec *s)
{
	s->code = calloc(LANES_MAX_INSNS + LANES_SLACK, sizeof(*s->code));
	return s->code == NULL ? -1 : 0;
}

/*
 * With shards, the program starts by picking one from the packet's hash,
 * as the kernel would without a program: the receive hash, which TCP
 * sets from the connection's own on loopback and the card sets on most
 * others (a card that sets none sends every client to the first shard).
 * The source port would not do: Linux picks even ones for connect().
 */
static struct sock_filter *
lanes_prelude(struct sock_filter *p, uint32_t shards)
{
	if (shards < 2)
		return p;
	*p++ = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)(SKF_AD_OFF + SKF_AD_RXHASH));
	*p++ = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, shards);
	*p++ = (struct sock_filter)BPF_STMT(BPF_ST, LANES_SHARD_MEM);
	return p;
}

/* The finished parts, behind a check of the IP version when both are. */
static int
lanes_assemble(struct lanes_ctx *x, struct lanes_prog *lp)
{
	struct sock_filter	*p;
	uint32_t		 deflt;

	deflt = lanes_lane(x, x->cf->classes[x->cf->default_class].priority);
	lanes_v4_close(&x->v4);
	if (!x->v4.closed)
		lanes_ret(&x->v4, deflt);
	if (!x->v6.closed)
		lanes_ret(&x->v6, deflt);
	if ((p = calloc(LANES_MAX_INSNS, sizeof(*p))) == NULL)
		return -1;
	lp->insns = p;
	p = lanes_prelude(p, x->v4.shards);
	if (x->fams == (LANES_V4 | LANES_V6)) {
		/* IPv4 clients of "[::]" arrive as IPv4 packets. */
		*p++ = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
		    (uint32_t)SKF_NET_OFF);
		*p++ = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K,
		    4);
		*p++ = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    4, 1, 0);
		*p++ = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA,
		    (uint32_t)x->v4.n);
	}
	if (x->fams & LANES_V4) {
		memcpy(p, x->v4.code, x->v4.n * sizeof(*p));
		p += x->v4.n;
	}
	if (x->fams & LANES_V6) {
		memcpy(p, x->v6.code, x->v6.n * sizeof(*p));
		p += x->v6.n;
	}
	lp->ninsns = (size_t)(p - lp->insns);
	return 0;
}

/* lanes_compile, with the walk held to max instructions. */
static int
lanes_build(const struct config *cf, size_t listener, size_t max,
    struct lanes_prog *lp)
{
	struct lanes_ctx	 x;
	unsigned char		 seen[LANES_LEVELS];
	int			 levels[LANES_LEVELS];
	enum lanes_stop		 stop;
	size_t			 i, n = 0;
	int			 rc = -1;

	memset(lp, 0, sizeof(*lp));
	memset(&x, 0, sizeof(x));
	memset(seen, 0, sizeof(seen));
	x.cf = cf;
	x.listener = (int)listener;
	x.fams = lanes_listener_fams(&cf->listeners[listener]);
	x.max = max;
	x.v4.shards = x.v6.shards = (uint32_t)cf->acceptors;
	seen[cf->classes[cf->default_class].priority + CONFIG_MAX_PRIORITY] = 1;
	/* Without lanes every connection is lane 0: nothing to walk. */
	if (cf->listeners[listener].lanes) {
		if (lanes_sec_alloc(&x.v4) == -1 ||
		    lanes_sec_alloc(&x.v6) == -1)
			goto done;
		lanes_sec_reset(&x.v4, 0);
		lanes_sec_reset(&x.v6, 1);
		lp->decided = lanes_walk(&x, rules_count(cf->rules), &lp->stop,
		    seen);
	}
	for (i = 0; i < LANES_LEVELS; i++)
		if (seen[i])
			levels[n++] = (int)i - CONFIG_MAX_PRIORITY;
	lp->nlanes = n < LANES_MAX ? n : LANES_MAX;
	lp->merged = n - lp->nlanes;
	for (i = 0; i < lp->nlanes; i++)
		lp->priority[i] = levels[lp->merged + i];
	if (lp->nlanes == 1) {
		/* Nothing to steer: the sockets a reload left are lane 0 too. */
		free(x.v4.code);
		x.v4.code = calloc(LANES_PRELUDE + 3, sizeof(*x.v4.code));
		if ((lp->insns = x.v4.code) == NULL)
			goto done;
		x.v4.n = (size_t)(lanes_prelude(x.v4.code, x.v4.shards) -
		    x.v4.code);
		lanes_ret(&x.v4, 0);
		lp->ninsns = x.v4.n;
		x.v4.code = NULL;
		rc = 0;
		goto done;
	}
	/*
	 * Again, with lanes: the same entries, in no more instructions, as
	 * lanes merge groups of compares that keys kept apart.
	 */
	x.levels = levels;
	x.nlevels = n;
	x.drop = lp->merged;
	lanes_sec_reset(&x.v4, 0);
	lanes_sec_reset(&x.v6, 1);
	(void)lanes_walk(&x, lp->decided, &stop, NULL);
	rc = lanes_assemble(&x, lp);
 done:
	free(x.v4.code);
	free(x.v6.code);
	if (rc == -1)
		lanes_free(lp);
	return rc;
}

/*
 * Whether the kernel takes the program.  Below its 4096 instructions it
 * still refuses, with ENOMEM, a program larger than net.core.optmem_max
 * (20480 bytes by default before Linux 6.9, 131072 since; per network
 * namespace on recent kernels) once converted to eBPF: it compares
 * bpf_prog_size() of the converted program to it (__get_filter, then
 * sk_reuseport_attach_filter, which nothing else charges).  That size is
 * not ours to compute: the conversion makes one to eight instructions of
 * one (two for a return, and for a compare with an address of 128.0.0.0
 * or above, so that about 1,250 such entries fill 20480 bytes; eight for a
 * load), it changes between kernel versions, and the header is the
 * kernel's struct bpf_prog.  So the kernel is asked: an unbound socket
 * with SO_REUSEPORT takes a program into a group of its own, touching no
 * port.  A trial that cannot be made (no socket) says yes: attaching the
 * program will tell, as it did before.
 */
static int
lanes_fits(const struct lanes_prog *lp)
{
	int	fd, on = 1, fits;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 1;
	fits = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) ==
	    -1 || lanes_attach(fd, lp) == 0 || errno != ENOMEM;
	close(fd);
	return fits;
}

/* net.core.optmem_max, for messages; 0 when it cannot be read. */
static long
lanes_optmem(void)
{
	FILE	*fp;
	long	 v = 0;

	if ((fp = fopen(LANES_OPTMEM_PATH, "re")) == NULL)
		return 0;
	if (fscanf(fp, "%ld", &v) != 1)
		v = 0;
	fclose(fp);
	return v;
}

int
lanes_compile(const struct config *cf, size_t listener, struct lanes_prog *lp)
{
	struct lanes_prog	try;
	size_t			lo = 0, hi = LANES_MAX_INSNS, mid;

	if (lanes_build(cf, listener, hi, lp) == -1)
		return -1;
	if (lp->nlanes == 1 || lanes_fits(lp))
		return 0;
	/*
	 * The largest budget whose program the kernel takes: the programs
	 * of smaller budgets hold fewer entries, the same ones first.  A
	 * budget of 0 holds none: one lane, nothing to steer.
	 */
	lanes_free(lp);
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (lanes_build(cf, listener, mid, &try) == -1)
			return -1;
		if (try.nlanes == 1 || lanes_fits(&try))
			lo = mid;
		else
			hi = mid;
		lanes_free(&try);
	}
	if (lanes_build(cf, listener, lo, lp) == -1)
		return -1;
	lp->stop = LANES_OPTMEM;
	lp->optmem = lanes_optmem();
	return 0;
}

void
lanes_free(struct lanes_prog *lp)
{
	free(lp->insns);
	lp->insns = NULL;
	lp->ninsns = 0;
}

int
lanes_attach(int fd, const struct lanes_prog *lp)
{
	struct sock_fprog	fprog;

	memset(&fprog, 0, sizeof(fprog));
	fprog.len = (unsigned short)lp->ninsns;
	fprog.filter = lp->insns;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog,
	    sizeof(fprog));
}

const char *
lanes_priorities(const struct lanes_prog *lp, char *buf, size_t len)
{
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	for (i = 0; i < lp->nlanes && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%d%s", i > 0 ? ", " : "",
		    lp->priority[i], i == 0 && lp->merged > 0 ?
		    " and below" : "");
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* What became of an entry of the ruleset. */
static enum lanes_fate
lanes_fate(const struct lanes_ctx *x, const struct lanes_prog *lp, size_t e)
{
	struct rules_entry_info	ei;

	if (rules_get(x->cf->rules, e, &ei) == -1)
		abort();
	if (lanes_entry_fams(x, &ei) == 0)
		return LANES_ELSEWHERE;
	return e < lp->decided ? LANES_IN : LANES_USER;
}

/* Why the rule holding the entry the program stops at is left out. */
static void
lanes_describe_stop(const struct lanes_prog *lp, FILE *fp)
{
	switch (lp->stop) {
	case LANES_REGEX:
		fprintf(fp, "regex");
		break;
	case LANES_PORT:
		fprintf(fp, "port condition");
		break;
	case LANES_FULL:
		fprintf(fp, "past the kernel's limit of %d instructions",
		    LANES_MAX_INSNS);
		break;
	case LANES_OPTMEM:
		fprintf(fp, "past net.core.optmem_max");
		if (lp->optmem > 0)
			fprintf(fp, " (%ld bytes)", lp->optmem);
		break;
	case LANES_DONE:
		break;
	}
}

/* How many entries of a configured rule met that fate. */
static size_t
lanes_count(const struct lanes_ctx *x, const struct lanes_prog *lp,
    const struct config_rule *cr, enum lanes_fate fate)
{
	size_t	e, n = 0;

	for (e = cr->first; e < cr->first + cr->count; e++)
		if (lanes_fate(x, lp, e) == fate)
			n++;
	return n;
}

/*
 * "; TITLE: rule #1, rule #2 (10 entries)": the rules of one fate, or
 * "none", or nothing at all when optional.
 */
static void
lanes_describe_fate(const struct lanes_ctx *x, const struct lanes_prog *lp,
    enum lanes_fate fate, const char *title, int optional, FILE *fp)
{
	const struct config_rule	*cr;
	size_t				 r, count, named = 0, more = 0;

	for (r = 0; r < x->cf->nrules; r++) {
		cr = &x->cf->rule_src[r];
		if ((count = lanes_count(x, lp, cr, fate)) == 0)
			continue;
		if (named == LANES_NAMES) {
			more++;
			continue;
		}
		if (named++ == 0)
			fprintf(fp, "; %s:", title);
		else
			fputc(',', fp);
		fprintf(fp, " rule #%zu", r + 1);
		if (fate == LANES_USER && lp->decided >= cr->first &&
		    lp->decided < cr->first + cr->count) {
			fprintf(fp, " (");
			if (cr->list != NULL)
				fprintf(fp, "%zu entries: ", count);
			lanes_describe_stop(lp, fp);
			fprintf(fp, ")");
		} else if (cr->list != NULL)
			fprintf(fp, " (%zu entries)", count);
	}
	if (named == 0 && !optional)
		fprintf(fp, "; %s: none", title);
	if (more > 0)
		fprintf(fp, " and %zu more", more);
}

void
lanes_describe(const struct config *cf, size_t listener,
    const struct lanes_prog *lp, FILE *fp)
{
	struct lanes_ctx	x;
	char			prios[LANES_MAX * 24];

	memset(&x, 0, sizeof(x));
	x.cf = cf;
	x.listener = (int)listener;
	x.fams = lanes_listener_fams(&cf->listeners[listener]);
	fprintf(fp, "%s: lanes: %zu (priorities %s)",
	    cf->listeners[listener].text, lp->nlanes,
	    lanes_priorities(lp, prios, sizeof(prios)));
	if (lp->nlanes == 1 && lp->stop != LANES_OPTMEM) {
		fprintf(fp, "; one priority level: nothing to steer\n");
		return;
	}
	lanes_describe_fate(&x, lp, LANES_IN, "in the kernel", 0, fp);
	lanes_describe_fate(&x, lp, LANES_USER, "in user space only", 0, fp);
	lanes_describe_fate(&x, lp, LANES_ELSEWHERE, "not for this listener",
	    1, fp);
	fputc('\n', fp);
}

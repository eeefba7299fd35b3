/*
 * rules_bench: load, compile and lookup costs of the rules library at
 * the scale of a large CIDR list.
 *
 *   rules_bench [-4 v4rules] [-6 v6rules] [-l lookups] [-r runs]
 *       [-L linear] [-s seed] [-b short]
 *
 * IPv4 prefixes: addresses uniform over the whole space; lengths /8 to
 * /15 (short%, 2% by default), /25 to /32 (10%), /16 to /24 (the rest),
 * each uniform in its band.  Short prefixes early in the list hide much
 * of what follows them, so that the first match has few distinct ranges;
 * -b 0 gives the hardest case, about two ranges per prefix.
 * IPv6 prefixes: addresses uniform in 2000::/3; lengths /32 to /48
 * (60%), /49 to /64 (30%), /65 to /128 (10%).  The rules are written as
 * text first and loaded through rules_add_address, so parsing is part of
 * the load time.  Lookups are of uniform random IPv4 addresses and of
 * uniform random addresses in 2000::/3.  Every figure but the load is the
 * median of the runs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "refmatch.h"
#include "rules.h"

#define BENCH_PEERS	(1u << 20)	/* distinct peers, cycled through */
#define BENCH_MAXRUNS	64

struct bench_rng {
	uint64_t	 s;
};

/* A prefix as generated, for the linear reference scan. */
struct bench_prefix {
	uint8_t		 addr[16];
	unsigned int	 len;
};

struct bench_opts {
	size_t		 n4, n6, lookups, linear;
	unsigned int	 runs, short_pct;
	uint64_t	 seed;
};

/* splitmix64: the same sequence on every machine. */
static uint64_t
bench_rng_next(struct bench_rng *r)
{
	uint64_t	 z;

	z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int
bench_rng_below(struct bench_rng *r, unsigned int n)
{
	return (unsigned int)(((bench_rng_next(r) >> 32) * n) >> 32);
}

static void
bench_rng_bytes(struct bench_rng *r, uint8_t *b, size_t n)
{
	uint64_t	 z = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			z = bench_rng_next(r);
		b[i] = (uint8_t)z;
		z >>= 8;
	}
}

static double
bench_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident memory now, from /proc, in KiB. */
static long
bench_rss_kib(void)
{
	FILE	*fp;
	long	 size, res = 0;

	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(fp);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long
bench_maxrss_kib(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned int
bench_v4_len(struct bench_rng *r, unsigned int short_pct)
{
	unsigned int	 k = bench_rng_below(r, 100);

	if (k < short_pct)
		return 8 + bench_rng_below(r, 8);
	if (k < short_pct + 10)
		return 25 + bench_rng_below(r, 8);
	return 16 + bench_rng_below(r, 9);
}

static unsigned int
bench_v6_len(struct bench_rng *r)
{
	unsigned int	 k = bench_rng_below(r, 100);

	if (k < 60)
		return 32 + bench_rng_below(r, 17);
	if (k < 90)
		return 49 + bench_rng_below(r, 16);
	return 65 + bench_rng_below(r, 64);
}

/* A uniform address in 2000::/3. */
static void
bench_v6_addr(struct bench_rng *r, uint8_t *a)
{
	bench_rng_bytes(r, a, 16);
	a[0] = (uint8_t)(0x20 | (a[0] & 0x1f));
}

/*
 * The rule list as text, one "ADDR/LEN" a line, IPv4 first; the prefixes
 * themselves go to p for the reference scan.
 */
static char *
bench_generate(const struct bench_opts *o, struct bench_prefix *p)
{
	struct bench_rng r = { o->seed };
	char		*text, *t;
	char		 a[ADDR_STRLEN];
	size_t		 i, n = o->n4 + o->n6;
	int		 v6;

	if ((text = malloc(n * (ADDR_STRLEN + 5) + 1)) == NULL)
		return NULL;
	t = text;
	for (i = 0; i < n; i++) {
		v6 = i >= o->n4;
		memset(p[i].addr, 0, sizeof(p[i].addr));
		if (v6) {
			bench_v6_addr(&r, p[i].addr);
			p[i].len = bench_v6_len(&r);
		} else {
			bench_rng_bytes(&r, p[i].addr, 4);
			p[i].len = bench_v4_len(&r, o->short_pct);
		}
		refmatch_mask(p[i].addr, p[i].len, v6 ? 128 : 32);
		inet_ntop(v6 ? AF_INET6 : AF_INET, p[i].addr, a, sizeof(a));
		t += sprintf(t, "%s/%u\n", a, p[i].len);
	}
	*t = '\0';
	return text;
}

/*
 * -w: the same prefixes as list files and a configuration naming them, so
 * that `dispatcher -t` can be timed on the very data measured here.
 */
static int
bench_write(const char *dir, const char *text, size_t n4)
{
	const char	*v6 = text;
	FILE		*fp;
	char		 path[4096];
	size_t		 i;

	for (i = 0; i < n4; i++)
		v6 = strchr(v6, '\n') + 1;
	snprintf(path, sizeof(path), "%s/v4.list", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fwrite(text, 1, (size_t)(v6 - text), fp);
	if (fclose(fp) == EOF)
		return -1;
	snprintf(path, sizeof(path), "%s/v6.list", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(v6, fp);
	if (fclose(fp) == EOF)
		return -1;
	snprintf(path, sizeof(path), "%s/rules.cfg", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; }, { name = \"special\"; } );\n"
	    "rules = (\n"
	    "  { file = \"v4.list\"; class = \"special\"; },\n"
	    "  { file = \"v6.list\"; class = \"special\"; }\n"
	    ");\n");
	return fclose(fp) == EOF ? -1 : 0;
}

/* Parses the text rule by rule, as a configuration loader would. */
static struct rules *
bench_load(char *text, size_t n)
{
	struct rules	*rs;
	char		 err[256];
	char		*line, *nl;
	size_t		 i;

	if ((rs = rules_new(0)) == NULL)
		return NULL;
	line = text;
	for (i = 0; i < n; i++) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (rules_add_address(rs, line, 1 + (int)(i % 4), RULES_ROUTE,
		    NULL, err, sizeof(err)) == -1) {
			fprintf(stderr, "rules_bench: %s\n", err);
			exit(1);
		}
		*nl = '\n';
		line = nl + 1;
	}
	if (rules_compile(rs, err, sizeof(err)) == -1) {
		fprintf(stderr, "rules_bench: %s\n", err);
		exit(1);
	}
	return rs;
}

static void
bench_peers(struct bench_rng *r, struct sockaddr_in *p4,
    struct sockaddr_in6 *p6, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		memset(&p4[i], 0, sizeof(p4[i]));
		p4[i].sin_family = AF_INET;
		p4[i].sin_port = htons(40000);
		bench_rng_bytes(r, (uint8_t *)&p4[i].sin_addr, 4);
		memset(&p6[i], 0, sizeof(p6[i]));
		p6[i].sin6_family = AF_INET6;
		p6[i].sin6_port = htons(40000);
		bench_v6_addr(r, p6[i].sin6_addr.s6_addr);
	}
}

/* Nanoseconds per rules_match over count lookups cycling through peers. */
static double
bench_time(struct rules *rs, const void *peers, size_t size, size_t count,
    unsigned long *sum)
{
	struct rules_verdict	 v;
	const char		*p = peers;
	double			 t0;
	size_t			 i;

	t0 = bench_now();
	for (i = 0; i < count; i++) {
		rules_match(rs, (const struct sockaddr *)(const void *)
		    (p + (i % BENCH_PEERS) * size), 0, &v);
		*sum += (unsigned long)v.entry;
	}
	return (bench_now() - t0) * 1e9 / (double)count;
}

/*
 * The baseline: a first-match scan of the rules in order, on the first
 * count peers of each family.  Each answer is checked against the
 * library's.  Gives nanoseconds per lookup, IPv4 then IPv6, in ns.
 */
static void
bench_linear(struct rules *rs, const struct bench_opts *o,
    const struct bench_prefix *p, const struct sockaddr_in *p4,
    const struct sockaddr_in6 *p6, size_t count, double *ns)
{
	struct rules_verdict	 v;
	const uint8_t		*a;
	const struct sockaddr	*sa;
	double			 t0, t;
	size_t			 i, j, from, to;
	int			 want, v6;

	for (v6 = 0; v6 < 2; v6++) {
		t = 0;
		from = v6 ? o->n4 : 0;
		to = v6 ? o->n4 + o->n6 : o->n4;
		for (i = 0; i < count; i++) {
			a = v6 ? p6[i].sin6_addr.s6_addr :
			    (const uint8_t *)&p4[i].sin_addr;
			sa = v6 ? (const void *)&p6[i] : (const void *)&p4[i];
			t0 = bench_now();
			want = -1;
			for (j = from; j < to; j++) {
				if (refmatch_prefix_has(p[j].addr, p[j].len,
				    a)) {
					want = (int)j;
					break;
				}
			}
			t += bench_now() - t0;
			rules_match(rs, sa, 0, &v);
			if (v.entry != want) {
				fprintf(stderr, "rules_bench: lookup %zu: entry "
				    "%d, linear scan says %d\n", i, v.entry,
				    want);
				exit(1);
			}
		}
		ns[v6] = t * 1e9 / (double)count;
	}
}

/*
 * A few regexes that no lookup matches, so every lookup tries them all,
 * with the JIT; returns nanoseconds per lookup.
 */
static double
bench_regex(const struct sockaddr_in *p4, const struct sockaddr_in6 *p6,
    size_t count, unsigned int nregex, unsigned long *sum)
{
	static const char	*pattern[] = {
		"^10\\.1\\.(1|2|3)\\.[0-9]+$",
		"^2001:db8:[0-9a-f]*::1$",
		"\\.255$",
		"^192\\.168\\.",
	};
	struct rules		*rs;
	double			 t4, t6;
	char			 err[256];
	unsigned int		 i;

	if ((rs = rules_new(0)) == NULL)
		exit(1);
	for (i = 0; i < nregex; i++) {
		if (rules_add_regex(rs, pattern[i], 1, RULES_ROUTE, NULL, err,
		    sizeof(err)) == -1 ||
		    (i == nregex - 1 &&
		    rules_compile(rs, err, sizeof(err)) == -1)) {
			fprintf(stderr, "rules_bench: %s\n", err);
			exit(1);
		}
	}
	t4 = bench_time(rs, p4, sizeof(*p4), count, sum);
	t6 = bench_time(rs, p6, sizeof(*p6), count, sum);
	rules_free(rs);
	return (t4 + t6) / 2;
}

static void
bench_usage(void)
{
	fprintf(stderr, "usage: rules_bench [-4 v4rules] [-6 v6rules] "
	    "[-l lookups] [-r runs] [-L linear] [-s seed] [-b short]\n"
	    "       rules_bench [-4 v4rules] [-6 v6rules] [-s seed] [-b short] "
	    "-w DIR\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct bench_opts	 o = { 1000000, 100000, 10000000, 1000, 5, 2, 1 };
	struct bench_rng	 r;
	struct bench_prefix	*p;
	struct sockaddr_in	*p4;
	struct sockaddr_in6	*p6;
	struct rules		*rs;
	char			*text;
	double			 l4[BENCH_MAXRUNS], l6[BENCH_MAXRUNS];
	double			 rx[BENCH_MAXRUNS], lin[2], t0, load;
	double			 m4, m6, mrx;
	unsigned long		 sum = 0;
	long			 rss0, rss1, peak;
	unsigned int		 i;
	int			 ch;
	const char		*dir = NULL;

	while ((ch = getopt(argc, argv, "4:6:l:r:L:s:b:w:")) != -1) {
		switch (ch) {
		case 'w':
			dir = optarg;
			break;
		case 'b':
			o.short_pct = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case '4':
			o.n4 = strtoul(optarg, NULL, 10);
			break;
		case '6':
			o.n6 = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o.lookups = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o.runs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			o.linear = strtoul(optarg, NULL, 10);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		default:
			bench_usage();
		}
	}
	if (argc != optind || o.runs == 0 || o.runs > BENCH_MAXRUNS ||
	    o.short_pct > 90 ||
	    o.linear == 0 || o.linear > BENCH_PEERS || o.lookups < 10)
		bench_usage();

	if ((p = calloc(o.n4 + o.n6 + 1, sizeof(*p))) == NULL ||
	    (text = bench_generate(&o, p)) == NULL) {
		perror("rules_bench");
		return 1;
	}

	if (dir != NULL) {
		if (bench_write(dir, text, o.n4) == -1) {
			perror(dir);
			return 1;
		}
		printf("rules_bench: wrote %s/rules.cfg, v4.list, v6.list\n",
		    dir);
		return 0;
	}

	/* The load is timed once: a second ruleset would blur the RSS. */
	rss0 = bench_rss_kib();
	t0 = bench_now();
	if ((rs = bench_load(text, o.n4 + o.n6)) == NULL) {
		perror("rules_bench");
		return 1;
	}
	load = bench_now() - t0;
	rss1 = bench_rss_kib();
	peak = bench_maxrss_kib();

	if ((p4 = calloc(BENCH_PEERS, sizeof(*p4))) == NULL ||
	    (p6 = calloc(BENCH_PEERS, sizeof(*p6))) == NULL) {
		perror("rules_bench");
		return 1;
	}
	r.s = o.seed ^ 0x5eed;
	bench_peers(&r, p4, p6, BENCH_PEERS);
	for (i = 0; i < o.runs; i++) {
		l4[i] = bench_time(rs, p4, sizeof(*p4), o.lookups, &sum);
		l6[i] = bench_time(rs, p6, sizeof(*p6), o.lookups, &sum);
		rx[i] = bench_regex(p4, p6, o.lookups / 10, 4, &sum);
	}
	m4 = bench_median(l4, o.runs);
	m6 = bench_median(l6, o.runs);
	mrx = bench_median(rx, o.runs);
	bench_linear(rs, &o, p, p4, p6, o.linear, lin);

	printf("rules_bench: %zu IPv4 (%u%% /8-/15) + %zu IPv6 prefixes, "
	    "seed %llu, %zu lookups a run, median of %u runs\n", o.n4,
	    o.short_pct, o.n6, (unsigned long long)o.seed, o.lookups, o.runs);
	printf("%-40s %12s\n", "measure", "value");
	printf("%-40s %12.3f\n", "load + compile (s)", load);
	printf("%-40s %12.1f\n", "peak RSS (MiB)", (double)peak / 1024);
	printf("%-40s %12.1f\n", "RSS delta over load + compile (MiB)",
	    (double)(rss1 - rss0) / 1024);
	printf("%-40s %12.1f\n", "IPv4 rules_match (ns)", m4);
	printf("%-40s %12.1f\n", "IPv4 rules_match (M/s)", 1e3 / m4);
	printf("%-40s %12.1f\n", "IPv6 rules_match (ns)", m6);
	printf("%-40s %12.1f\n", "IPv6 rules_match (M/s)", 1e3 / m6);
	printf("%-40s %12.0f\n", "IPv4 linear scan (ns)", lin[0]);
	printf("%-40s %12.0f\n", "IPv6 linear scan (ns)", lin[1]);
	printf("%-40s %12.0f\n", "IPv4 speed-up over linear (x)",
	    lin[0] / m4);
	printf("%-40s %12.0f\n", "IPv6 speed-up over linear (x)",
	    lin[1] / m6);
	printf("%-40s %12.1f\n", "4 regexes tried, JIT (ns/lookup)", mrx);
	printf("(checksum %lu)\n", sum);
	rules_free(rs);
	free(p4);
	free(p6);
	free(text);
	free(p);
	return 0;
}

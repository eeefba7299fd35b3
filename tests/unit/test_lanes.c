/*
 * Lanes: programs compiled from small rule sets, checked by steering real
 * connections.  A group of reuseport sockets listens on one loopback
 * port, the program is attached, and a client bound to a chosen source
 * address connects: the socket whose accept returns the connection is
 * the lane the kernel chose.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lanes.h"
#include "listener.h"
#include "rules.h"
#include "load.h"
#include "tmpfile.h"

static char	 cfg_path[] = "/tmp/test_lanes.XXXXXX";
static char	 list_path[] = "/tmp/test_lanes_list.XXXXXX";

/* Classes of priority 0, 10 and 20; "normal" is the default. */
#define CLASSES \
	"classes = ( { name = \"normal\"; }, " \
	"{ name = \"special\"; priority = 10; }, " \
	"{ name = \"gold\"; priority = 20; } );\n"
#define V4 "listen = ( { address = \"127.0.0.1:1\"; lanes = true; }, " \
	"{ address = \"127.0.0.1:2\"; name = \"other\"; } );\n" CLASSES

/* Errors only: some cases shadow a rule on purpose. */
static void
report(void *arg, const char *file, int line, int warning, const char *text)
{
	if (!warning)
		config_report_print(arg, file, line, warning, text);
}

static struct config *
load(const char *text)
{
	struct config	*cf;

	test_tmpfile_write(cfg_path, "/tmp/test_lanes.XXXXXX", text);
	cf = config_load(cfg_path, report, stderr);
	unlink(cfg_path);
	cr_assert_not_null(cf, "does not load:\n%s", text);
	return cf;
}

/* A list file at list_path, open for writing. */
static FILE *
list_open(void)
{
	return test_tmpfile(list_path, "/tmp/test_lanes_list.XXXXXX");
}

struct group {
	int	fd[LANES_MAX];
	size_t	n;
	int	family;
	struct sockaddr_storage ss;
	socklen_t sslen;
};

/*
 * n reuseport sockets on addr: the first on port 0, the others on the
 * port it got, so that they join its group in order.  Returns -1 when the
 * machine has no such address (no IPv6).
 */
static int
group_open(struct group *g, const char *addr, size_t n)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&g->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&g->ss;
	int			 on = 1, off = 0;
	size_t			 i;

	memset(g, 0, sizeof(*g));
	g->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	g->ss.ss_family = (sa_family_t)g->family;
	if (g->family == AF_INET) {
		cr_assert_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		g->sslen = sizeof(*sin);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		g->sslen = sizeof(*sin6);
	}
	for (i = 0; i < n; i++) {
		if ((g->fd[i] = socket(g->family, SOCK_STREAM | SOCK_NONBLOCK,
		    0)) == -1)
			return -1;
		g->n++;
		cr_assert_eq(setsockopt(g->fd[i], SOL_SOCKET, SO_REUSEPORT,
		    &on, sizeof(on)), 0);
		if (g->family == AF_INET6)
			cr_assert_eq(setsockopt(g->fd[i], IPPROTO_IPV6,
			    IPV6_V6ONLY, &off, sizeof(off)), 0);
		if (bind(g->fd[i], (struct sockaddr *)&g->ss, g->sslen) == -1)
			return -1;
		cr_assert_eq(listen(g->fd[i], 16), 0);
		cr_assert_eq(getsockname(g->fd[i], (struct sockaddr *)&g->ss,
		    &g->sslen), 0);
	}
	return 0;
}

static void
group_close(struct group *g)
{
	while (g->n > 0)
		close(g->fd[--g->n]);
}

/* The index of the socket that accepts a client bound to src. */
static int
lane_of(const struct group *g, const char *src)
{
	struct sockaddr_storage	 ss, to;
	struct pollfd		 pfd[LANES_MAX];
	int			 c, a, found = -1;
	size_t			 i;

	memset(&ss, 0, sizeof(ss));
	to = g->ss;
	if (strchr(src, ':') != NULL) {
		ss.ss_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, src,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else if (g->family == AF_INET6) {
		/* An IPv4 client of a dual-stack group. */
		ss.ss_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, src,
		    &((struct sockaddr_in *)&ss)->sin_addr), 1);
		to.ss_family = AF_INET;
		((struct sockaddr_in *)&to)->sin_port =
		    ((struct sockaddr_in6 *)&g->ss)->sin6_port;
		((struct sockaddr_in *)&to)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	} else {
		ss.ss_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, src,
		    &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	cr_assert_neq(c = socket(ss.ss_family, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(c, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)), 0,
	    "bind %s: %s", src, strerror(errno));
	cr_assert_eq(connect(c, (struct sockaddr *)&to, ss.ss_family ==
	    AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)), 0, "connect from %s: %s", src,
	    strerror(errno));
	for (i = 0; i < g->n; i++) {
		pfd[i].fd = g->fd[i];
		pfd[i].events = POLLIN;
	}
	cr_assert_eq(poll(pfd, g->n, 2000), 1, "%s: not exactly one lane",
	    src);
	for (i = 0; i < g->n; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		cr_assert_neq(a = accept(g->fd[i], NULL, NULL), -1);
		close(a);
		found = (int)i;
	}
	close(c);
	return found;
}

/* Compiles listener 0 of text and opens a group of its lanes on addr. */
static struct config *
steer(const char *text, const char *addr, struct lanes_prog *lp,
    struct group *g)
{
	struct config	*cf = load(text);

	cr_assert_eq(lanes_compile(cf, 0, lp), 0);
	cr_assert_leq(lp->ninsns, LANES_MAX_INSNS);
	if (group_open(g, addr, lp->nlanes) == -1) {
		group_close(g);
		lanes_free(lp);
		config_free(cf);
		cr_skip_test("no %s on this machine: %s", addr,
		    strerror(errno));
	}
	cr_assert_eq(lanes_attach(g->fd[0], lp), 0, "attach: %s",
	    strerror(errno));
	return cf;
}

static void
done(struct config *cf, struct lanes_prog *lp, struct group *g)
{
	group_close(g);
	lanes_free(lp);
	config_free(cf);
}

/* What lanes_describe writes for listener 0. */
static char *
describe(const struct config *cf, const struct lanes_prog *lp)
{
	char	*text = NULL;
	size_t	 len;
	FILE	*fp;

	cr_assert_not_null(fp = open_memstream(&text, &len));
	lanes_describe(cf, 0, lp, fp);
	fclose(fp);
	return text;
}

#define expect_lane(g, src, lane) \
	cr_expect_eq(lane_of(g, src), lane, "%s: expected lane %d", src, lane)

/*
 * Configurations (after V4), their lanes, and the lane of each client,
 * as "SRC=LANE".
 */
static const struct {
	const char	*what;
	const char	*config;
	const char	*priorities;
	enum lanes_stop	 stop;
	size_t		 decided;
	const char	*clients;
} cases[] = {
	{ "one lane per priority level",
	  "rules = ( { address = \"127.0.0.100\"; class = \"special\"; },"
	  "{ address = \"127.0.2.0/24\"; class = \"special\"; },"
	  "{ address = \"127.0.3.0/28\"; class = \"gold\"; } );",
	  "0, 10, 20", LANES_DONE, 3,
	  "127.0.0.100=1 127.0.0.101=0 127.0.2.7=1 127.0.2.255=1 "
	  "127.0.3.15=2 127.0.3.16=0 127.0.4.1=0" },
	{ "first match in rule order, the /16 before 127.0.9.9",
	  "rules = ( { address = \"127.0.5.5\"; class = \"normal\"; },"
	  "{ address = \"127.0.5.0/24\"; class = \"special\"; },"
	  "{ address = \"127.0.0.0/16\"; class = \"gold\"; },"
	  "{ address = \"127.0.9.9\"; class = \"special\"; } );",
	  "0, 10, 20", LANES_DONE, 4,
	  "127.0.5.5=0 127.0.5.6=1 127.0.9.9=2 127.1.0.1=0" },
	{ "deny goes to the lowest lane; the default class is a level",
	  "default = \"special\";"
	  "rules = ( { address = \"127.0.7.7\"; action = \"deny\"; },"
	  "{ address = \"127.0.7.0/24\"; class = \"gold\"; },"
	  "{ address = \"127.0.8.0/24\"; class = \"normal\"; } );",
	  "0, 10, 20", LANES_DONE, 3,
	  "127.0.7.7=0 127.0.7.8=2 127.0.8.1=0 127.0.0.1=1" },
	{ "another listener's rule never matches, this one's always does",
	  "rules = ( { address = \"127.0.11.0/24\"; listener = \"other\"; "
	  "class = \"normal\"; },"
	  "{ address = \"127.0.11.0/24\"; class = \"special\"; },"
	  "{ listener = \"127.0.0.1:1\"; address = \"127.0.12.0/24\"; "
	  "class = \"gold\"; },"
	  "{ address = \"127.0.13.0/24\"; port = \"1-1000\"; "
	  "class = \"normal\"; },"
	  "{ address = \"127.0.13.0/24\"; class = \"gold\"; } );",
	  "0, 10, 20", LANES_PORT, 3,
	  "127.0.11.3=1 127.0.12.3=2 127.0.13.3=0" },
};

Test(lanes, steering)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	char			 text[2048], prios[64], *list, *src, *eq;
	char			*save;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), V4 "%s\n", cases[i].config);
		cf = steer(text, "127.0.0.1", &lp, &g);
		cr_expect_str_eq(lanes_priorities(&lp, prios, sizeof(prios)),
		    cases[i].priorities, "%s", cases[i].what);
		cr_expect_eq(lp.stop, cases[i].stop, "%s", cases[i].what);
		cr_expect_eq(lp.decided, cases[i].decided, "%s",
		    cases[i].what);
		cr_assert_not_null(list = strdup(cases[i].clients));
		for (src = strtok_r(list, " ", &save); src != NULL;
		    src = strtok_r(NULL, " ", &save)) {
			cr_assert_not_null(eq = strchr(src, '='));
			*eq = '\0';
			cr_expect_eq(lane_of(&g, src), atoi(eq + 1),
			    "%s: %s: expected lane %s", cases[i].what, src,
			    eq + 1);
		}
		free(list);
		done(cf, &lp, &g);
	}
}

Test(lanes, a_regex_leaves_the_rest_to_user_space)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	char			*text;

	cf = steer(V4 "rules = (\n"
	    "  { address = \"127.0.10.1\"; class = \"special\"; },\n"
	    "  { regex = \"^127\\\\.0\\\\.9\\\\.\"; class = \"normal\"; },\n"
	    "  { address = \"127.0.9.0/24\"; class = \"gold\"; }\n"
	    ");\n", "127.0.0.1", &lp, &g);
	/* gold's only rule is not in the program: no lane for it. */
	cr_assert_eq(lp.nlanes, 2);
	cr_expect_eq(lp.decided, 1);
	cr_expect_eq(lp.stop, LANES_REGEX);
	expect_lane(&g, "127.0.10.1", 1);
	expect_lane(&g, "127.0.9.5", 0);
	text = describe(cf, &lp);
	cr_expect_str_eq(text, "127.0.0.1:1: lanes: 2 (priorities 0, 10); "
	    "in the kernel: rule #1; in user space only: rule #2 (regex), "
	    "rule #3\n");
	free(text);
	done(cf, &lp, &g);
}

Test(lanes, a_long_list_stops_at_the_kernel_limit)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	char			 text[1024], *desc;
	FILE			*fp;
	int			 i;

	fp = list_open();
	/* Runs of two masks, in turn. */
	for (i = 0; i < 6000; i++)
		fprintf(fp, "127.%d.%d.%d%s\n", 20 + i / 250, i % 250,
		    i % 7 * 4, i % 3 == 0 ? "/30" : "");
	fclose(fp);
	snprintf(text, sizeof(text), V4 "rules = (\n"
	    "  { address = \"127.0.0.100\"; class = \"gold\"; },\n"
	    "  { file = \"%s\"; class = \"special\"; },\n"
	    "  { address = \"127.0.14.0/24\"; class = \"gold\"; }\n"
	    ");\n", list_path);
	cf = steer(text, "127.0.0.1", &lp, &g);
	unlink(list_path);
	cr_assert_eq(lp.stop, LANES_FULL);
	cr_assert_gt(lp.decided, 1000);
	cr_assert_lt(lp.decided, 6001);
	expect_lane(&g, "127.0.0.100", 2);
	expect_lane(&g, "127.20.0.0", 1);	/* the first entry */
	expect_lane(&g, "127.20.3.13", 1);	/* inside a /30 */
	/* The last entry in the program, and the first left out. */
	i = (int)lp.decided - 2;
	snprintf(text, sizeof(text), "127.%d.%d.%d", 20 + i / 250, i % 250,
	    i % 7 * 4);
	expect_lane(&g, text, 1);
	i++;
	snprintf(text, sizeof(text), "127.%d.%d.%d", 20 + i / 250, i % 250,
	    i % 7 * 4);
	expect_lane(&g, text, 0);
	expect_lane(&g, "127.0.14.1", 0);
	desc = describe(cf, &lp);
	snprintf(text, sizeof(text), "in the kernel: rule #1, rule #2 "
	    "(%zu entries); in user space only: rule #2 (%zu entries: past "
	    "the kernel's limit of 4096 instructions), rule #3\n",
	    lp.decided - 1, 6001 - lp.decided);
	cr_expect_not_null(strstr(desc, text), "%s", desc);
	free(desc);
	done(cf, &lp, &g);
}

Test(lanes, a_list_of_one_class_costs_a_compare_an_entry)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	char			 text[1024];
	FILE			*fp;
	int			 i;

	fp = list_open();
	for (i = 0; i < 4000; i++)
		fprintf(fp, "127.40.%d.%d\n", i / 250, i % 250);
	fclose(fp);
	snprintf(text, sizeof(text), V4 "rules = ( { file = \"%s\"; "
	    "class = \"special\"; } );\n", list_path);
	cf = steer(text, "127.0.0.1", &lp, &g);
	unlink(list_path);
	cr_expect_eq(lp.stop, LANES_DONE);
	cr_expect_lt(lp.ninsns, 4000 + 4000 / 255 + 8);
	expect_lane(&g, "127.40.0.0", 1);
	expect_lane(&g, "127.40.15.249", 1);
	expect_lane(&g, "127.40.15.250", 0);
	done(cf, &lp, &g);
}

Test(lanes, lower_levels_share_lane_zero)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	char			 text[4096], src[32];
	size_t			 off;
	int			 i;

	off = (size_t)snprintf(text, sizeof(text),
	    "listen = ( { address = \"127.0.0.1:1\"; lanes = true; } );\n"
	    "default = \"c0\";\nclasses = (");
	for (i = 0; i < 10; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%s{ name = \"c%d\"; priority = %d; }", i > 0 ? ", " : "",
		    i, i);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    ");\nrules = (");
	for (i = 1; i < 10; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%s{ address = \"127.0.30.%d\"; class = \"c%d\"; }",
		    i > 1 ? ", " : "", i, i);
	snprintf(text + off, sizeof(text) - off, ");\n");
	cf = steer(text, "127.0.0.1", &lp, &g);
	cr_assert_eq(lp.nlanes, LANES_MAX);
	cr_expect_eq(lp.merged, 10 - LANES_MAX);
	cr_expect_eq(lp.priority[0], 10 - LANES_MAX);
	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "127.0.30.%d", i);
		expect_lane(&g, src, i <= 10 - LANES_MAX ? 0 :
		    i - (10 - LANES_MAX));
	}
	done(cf, &lp, &g);
}

Test(lanes, without_lanes_one_lane)
{
	struct lanes_prog	 lp;
	struct config		*cf;

	cf = load(V4 "rules = ( { address = \"127.0.0.100\"; "
	    "class = \"special\"; } );\n");
	cr_assert_eq(lanes_compile(cf, 1, &lp), 0);
	cr_expect_eq(lp.nlanes, 1);
	cr_expect_eq(lp.ninsns, 1);
	lanes_free(&lp);
	config_free(cf);
}

Test(lanes, ipv6)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	static const char *const rules[][2] = {
		{ "{ address = \"::1\"; class = \"special\"; }", "1" },
		{ "{ address = \"::/127\"; class = \"special\"; }", "1" },
		{ "{ address = \"::2/127\"; class = \"special\"; }", "0" },
		{ "{ address = \"::/96\"; class = \"special\"; }", "1" },
		{ "{ address = \"0:0:0:1::/64\"; class = \"special\"; }", "0" },
		{ "{ address = \"::1\"; action = \"deny\"; }, "
		  "{ address = \"::/64\"; class = \"special\"; }", "0" },
		{ "{ address = \"::1\"; class = \"special\"; }, "
		  "{ address = \"::/64\"; class = \"gold\"; }", "1" },
		{ "{ address = \"2001:db8::/32\"; class = \"special\"; }, "
		  "{ address = \"::/0\"; class = \"gold\"; }", "2" },
	};
	char			 text[1024];
	size_t			 i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(text, sizeof(text), "listen = ( { address = "
		    "\"[::1]:1\"; lanes = true; } );\n" CLASSES
		    "rules = ( %s );\n", rules[i][0]);
		cf = steer(text, "::1", &lp, &g);
		cr_expect_eq(lane_of(&g, "::1"), atoi(rules[i][1]),
		    "rules %s: expected lane %s", rules[i][0], rules[i][1]);
		done(cf, &lp, &g);
	}
}

Test(lanes, dual_stack)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;

	cf = steer("listen = ( { address = \"[::]:1\"; lanes = true; } );\n"
	    CLASSES "rules = (\n"
	    "  { address = \"127.0.0.100\"; class = \"special\"; },\n"
	    "  { address = \"::1\"; class = \"gold\"; },\n"
	    "  { address = \"::ffff:127.0.0.0/120\"; class = \"gold\"; }\n"
	    ");\n", "::", &lp, &g);
	cr_assert_eq(lp.nlanes, 3);
	expect_lane(&g, "127.0.0.100", 1);
	expect_lane(&g, "127.0.0.5", 2);	/* a mapped rule is IPv4 */
	expect_lane(&g, "127.0.1.5", 0);
	expect_lane(&g, "::1", 2);
	done(cf, &lp, &g);
}

Test(lanes, rules_get_describes_each_entry)
{
	struct config		*cf;
	struct rules_entry_info	 ei;
	uint8_t			 want[16] = { 10 };

	cf = load(V4 "rules = (\n"
	    "  { address = \"10.0.0.0/8\"; class = \"special\"; },\n"
	    "  { regex = \"x\"; action = \"deny\"; },\n"
	    "  { address = \"::ffff:10.0.0.0/104\"; port = 80; "
	    "class = \"gold\"; },\n"
	    "  { listener = \"other\"; class = \"gold\"; },\n"
	    "  { address = \"2001:db8::/32\"; class = \"normal\"; }\n"
	    ");\n");
	cr_assert_eq(rules_get(cf->rules, 0, &ei), 0);
	cr_expect_eq(ei.kind, RULES_KIND_ADDRESS);
	cr_expect_eq(ei.family, AF_INET);
	cr_expect_eq(ei.len, 8);
	cr_expect_arr_eq(ei.addr, want, 16);
	cr_expect_eq(ei.class_idx, 1);
	cr_expect_eq(ei.cond.listener, -1);
	cr_assert_eq(rules_get(cf->rules, 1, &ei), 0);
	cr_expect_eq(ei.kind, RULES_KIND_REGEX);
	cr_expect_eq(ei.action, RULES_DENY);
	cr_assert_eq(rules_get(cf->rules, 2, &ei), 0);
	cr_expect_eq(ei.kind, RULES_KIND_ADDRESS);
	cr_expect_eq(ei.family, AF_INET);
	cr_expect_eq(ei.len, 8);
	cr_expect_arr_eq(ei.addr, want, 16);
	cr_expect_eq(ei.cond.port_min, 80);
	cr_expect_eq(ei.cond.port_max, 80);
	cr_assert_eq(rules_get(cf->rules, 3, &ei), 0);
	cr_expect_eq(ei.kind, RULES_KIND_ANY);
	cr_expect_eq(ei.cond.listener, 1);
	cr_assert_eq(rules_get(cf->rules, 4, &ei), 0);
	cr_expect_eq(ei.family, AF_INET6);
	cr_expect_eq(ei.len, 32);
	cr_expect_eq(ei.addr[0], 0x20);
	cr_expect_eq(ei.addr[3], 0xb8);
	cr_expect_eq(rules_get(cf->rules, 5, &ei), -1);
	config_free(cf);
}

Test(lanes, a_bad_lanes_value_is_an_error)
{
	struct config	*cf;
	char		*out = NULL;

	cf = test_load(cfg_path, "/tmp/test_lanes.XXXXXX",
	    "lanes = 1;\nlisten = ( { address = \"127.0.0.1:1\"; "
	    "lanes = \"yes\"; } );\n" CLASSES, &out);
	cr_expect_null(cf);
	cr_expect_not_null(strstr(out, ":1: \"lanes\" must be true or false"),
	    "%s", out);
	cr_expect_not_null(strstr(out, ":2: \"lanes\" must be true or false"),
	    "%s", out);
	free(out);
	config_free(cf);
}

Test(lanes, top_level_lanes_is_the_default)
{
	struct config	*cf;

	cf = load("lanes = true;\nlisten = ( \"127.0.0.1:1\", { address = "
	    "\"127.0.0.1:2\"; lanes = false; } );\n" CLASSES);
	cr_expect_eq(cf->listeners[0].lanes, 1);
	cr_expect_eq(cf->listeners[1].lanes, 0);
	config_free(cf);
}

/* A program of n lanes, of priorities 0, 10, 20..., that steers nothing. */
static void
flat_prog(struct lanes_prog *lp, struct sock_filter *ret0, size_t n)
{
	size_t	i;

	memset(lp, 0, sizeof(*lp));
	*ret0 = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	lp->insns = ret0;
	lp->ninsns = 1;
	lp->nlanes = n;
	for (i = 0; i < n; i++)
		lp->priority[i] = (int)i * 10;
}

Test(lanes, sockets_a_reload_leaves_count_as_lane_0)
{
	struct config_listener	 cl;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&cl.ss;
	struct lanes_prog	 lp;
	struct sock_filter	 ret0;
	struct listener		*l;
	socklen_t		 len = sizeof(*sin);
	int			 fd;

	/* A port free now, for the group to share. */
	memset(&cl, 0, sizeof(cl));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_neq(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	close(fd);
	cl.sslen = sizeof(*sin);
	cl.lanes = 1;
	cr_assert_not_null(l = listener_open(&cl, -1));

	flat_prog(&lp, &ret0, 3);
	listener_lanes(l, 1, &lp);
	cr_assert_eq(l->nlanes, 3);
	cr_assert_eq(l->lane[2].priority, 20);
	cr_assert_eq(l->order[0], 2, "the highest lane is not drained first");

	flat_prog(&lp, &ret0, 1);
	listener_lanes(l, 1, &lp);
	cr_assert_eq(l->nlanes, 3, "a socket was closed");
	cr_expect_eq(l->lane[1].priority, 0);
	cr_expect_eq(l->lane[2].priority, 0);
	listener_close(l);
}

/*
 * With shards, the group holds every shard's socket of lane 0, then of
 * lane 1: the program returns lane * shards + shard, the shard from the
 * packet's hash, so that a client keeps its lane and the clients of a
 * lane spread over the shards.
 */
Test(lanes, shards_keep_the_lane_and_spread)
{
	struct lanes_prog	 lp;
	struct group		 g;
	struct config		*cf;
	unsigned		 seen[2][2] = { { 0, 0 }, { 0, 0 } };
	int			 i, k, lane, idx;
	static const char	*src[2] = { "127.0.0.1", "127.0.0.100" };

	cf = load("acceptors = 2;\n" V4
	    "rules = ( { address = \"127.0.0.100\"; class = \"special\"; } );\n");
	cr_assert_eq(lanes_compile(cf, 0, &lp), 0);
	cr_assert_eq(lp.nlanes, 2);
	cr_assert_eq(group_open(&g, "127.0.0.1", 4), 0);
	cr_assert_eq(lanes_attach(g.fd[0], &lp), 0, "attach: %s",
	    strerror(errno));
	for (i = 0; i < 40; i++)
		for (lane = 0; lane < 2; lane++) {
			idx = lane_of(&g, src[lane]);
			cr_assert_eq(idx / 2, lane, "%s: socket %d, not lane %d",
			    src[lane], idx, lane);
			seen[lane][idx % 2]++;
		}
	for (lane = 0; lane < 2; lane++)
		for (k = 0; k < 2; k++)
			cr_expect_gt(seen[lane][k], 0, "lane %d: no client for "
			    "shard %d in 40", lane, k);
	done(cf, &lp, &g);
}

/*
 * The configuration loader: every mistake is an error naming its line,
 * all of them in one run, and a good file compiles into working rules.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "peer.h"
#include "rules.h"
#include "load.h"
#include "tmpfile.h"

static char	 cfg_path[] = "/tmp/test_config.XXXXXX";
static char	*cfg_errors;

/* The header every case starts from: line 1 to 4. */
#define GOOD_HEAD \
	"listen = [ \"127.0.0.1:1337\" ];\n" \
	"default = \"normal\";\n" \
	"classes = ( { name = \"normal\"; workers = 2; },\n" \
	"            { name = \"special\"; } );\n"

static struct config *
load(const char *text)
{
	return test_load(cfg_path, "/tmp/test_config.XXXXXX", text,
	    &cfg_errors);
}

/* Loading fails with, among its lines, "PATH:LINE: message". */
static void
expect_error(const char *text, int line, const char *message)
{
	char	want[1024];

	cr_assert_null(load(text), "loaded although it should not:\n%s", text);
	snprintf(want, sizeof(want), "%s:%d: %s", cfg_path, line, message);
	cr_assert_not_null(strstr(cfg_errors, want),
	    "wanted \"%s\" in:\n%s", want, cfg_errors);
}

/* Writes a list file in /tmp; returns its path, to unlink. */
static char *
write_list(const char *text)
{
	static char	path[64];

	test_tmpfile_write(path, "/tmp/test_config_list.XXXXXX", text);
	return path;
}

static void
teardown(void)
{
	free(cfg_errors);
	cfg_errors = NULL;
}

TestSuite(config, .fini = teardown);

static void
match_on(struct config *cf, const char *ip, unsigned port, int listener,
    struct rules_verdict *v)
{
	struct sockaddr_storage	ss;

	test_peer(ip, port, &ss);
	rules_match(cf->rules, (struct sockaddr *)&ss, listener, v);
}

static void
match_ip(struct config *cf, const char *ip, struct rules_verdict *v)
{
	match_on(cf, ip, 40000, 0, v);
}

Test(config, good_file_compiles_and_routes)
{
	struct rules_verdict	 v;
	struct config		*cf;

	cf = load(GOOD_HEAD
	    "rules = (\n"
	    "  { address = \"10.0.0.0/8\"; class = \"special\"; },\n"
	    "  { regex = \"^192\\\\.168\\\\.\"; class = \"special\"; },\n"
	    "  { address = \"203.0.113.0/24\"; action = \"deny\"; }\n"
	    ");\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_empty(cfg_errors);
	cr_assert_eq(cf->nlisteners, 1);
	cr_assert_eq(cf->nclasses, 2);
	cr_assert_eq(cf->classes[0].workers, 2);
	cr_assert_eq(cf->classes[1].workers, 1, "workers defaults to 1");
	cr_assert_str_eq(cf->classes[1].reply, CONTRACT_DEFAULT_REPLY);
	cr_assert_eq(cf->nrules, 3);
	cr_assert_eq(cf->rule_src[1].line, 7);

	match_ip(cf, "10.9.9.9", &v);
	cr_assert_eq(v.entry, 0);
	cr_assert_eq(v.class_idx, 1);
	match_ip(cf, "192.168.1.1", &v);
	cr_assert_eq(v.entry, 1);
	match_ip(cf, "203.0.113.7", &v);
	cr_assert_eq(v.action, RULES_DENY);
	match_ip(cf, "8.8.8.8", &v);
	cr_assert_eq(v.entry, -1);
	cr_assert_eq(v.class_idx, 0, "the default class");
	config_free(cf);
}

Test(config, shipped_file_is_valid)
{
	struct config	*cf;
	FILE		*errs;
	size_t		 len;

	cr_assert_not_null(errs = open_memstream(&cfg_errors, &len));
	cf = config_load(SOURCE_DIR "/etc/rules.cfg", config_report_print,
	    errs);
	fclose(errs);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	config_free(cf);
}

Test(config, default_class_defaults_to_normal)
{
	struct config	*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"x\"; }, { name = \"normal\"; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->default_class, 1);
	config_free(cf);
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"x\"; } );\n", 1,
	    "missing \"default\", and there is no class \"normal\"");
}

Test(config, syntax_error)
{
	expect_error(GOOD_HEAD "rules = ( { address = 10.0.0.1; class = "
	    "\"special\"; } );\n", 5, "syntax error: ");
}

Test(config, missing_file)
{
	struct config	*cf;
	FILE		*errs;
	size_t		 len;

	cr_assert_not_null(errs = open_memstream(&cfg_errors, &len));
	cf = config_load("/nonexistent/rules.cfg", config_report_print, errs);
	fclose(errs);
	cr_assert_null(cf);
	cr_assert_str_eq(cfg_errors, "/nonexistent/rules.cfg: cannot open: "
	    "No such file or directory\n");
}

Test(config, unknown_key_at_top)
{
	expect_error(GOOD_HEAD "\nrulez = ();\n", 6, "unknown key \"rulez\"");
}

Test(config, unknown_key_in_rule)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { adress = \"10.0.0.1\"; class = \"special\"; }\n);\n", 6,
	    "unknown key \"adress\"");
}

Test(config, unknown_key_in_class)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  wokers = 2; } );\n", 3, "unknown key \"wokers\"");
}

/* "worker": a list of strings, the first a program that can be run. */
Test(config, worker_not_a_list)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = 2; } );\n", 3, "\"worker\" must be a list of "
	    "strings: [ \"/path/to/program\", \"arg\" ]");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = \"/bin/cat\"; } );\n", 3, "\"worker\" must be a "
	    "list of strings");
}

Test(config, worker_empty)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = [ ]; } );\n", 3, "\"worker\" is empty: it needs the "
	    "program's path");
}

Test(config, worker_entries_are_strings)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = ( \"/bin/cat\",\n"
	    "    2 ); } );\n", 4, "\"worker\" entries must be strings");
}

Test(config, worker_too_many_entries)
{
	char	text[2048];
	int	i, n;

	n = snprintf(text, sizeof(text), "listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n  worker = [ \"/bin/cat\"");
	for (i = 1; i < CONTRACT_ARGV_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ", \"a\"");
	snprintf(text + n, sizeof(text) - (size_t)n, " ]; } );\n");
	expect_error(text, 3, "\"worker\" has more than 63 entries");
}

/* A relative path starts from the configuration's folder, as lists do. */
Test(config, worker_relative_path_not_found)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = [ \"no-such-worker\" ]; } );\n", 3,
	    "\"worker\": cannot run \"/tmp/no-such-worker\": No such file "
	    "or directory");
}

Test(config, worker_not_executable)
{
	char	*path, text[512];

	path = write_list("#!/bin/sh\n");
	snprintf(text, sizeof(text), "listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = [ \"%s\" ]; } );\n", path);
	/* mkstemp's mode, 0600: without an x bit, root cannot run it either. */
	expect_error(text, 3, "\"worker\": cannot run");
	cr_assert_not_null(strstr(cfg_errors, "Permission denied"), "%s",
	    cfg_errors);
	unlink(path);
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  worker = [ \"/tmp\" ]; } );\n", 3,
	    "\"worker\": \"/tmp\" is not a regular file");
}

/*
 * A class's own program: its argv, the class's settings besides; a
 * changed argv is another class's workers.
 */
Test(config, worker_argv)
{
	struct contract_args	 a, b;
	struct contract_argv	 av;
	struct config		*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; delay_ms = 5;\n"
	    "  worker = [ \"/bin/cat\", \"-u\", \"\" ]; },\n"
	    "  { name = \"other\"; worker = [ \"/bin/cat\", \"-u\" ]; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	config_class_args(&cf->classes[0], "/bin/w", 0, &a);
	cr_assert_str_eq(a.program, "/bin/cat");
	contract_argv(&a, &av);
	cr_assert_str_eq(av.argv[0], "/bin/cat");
	cr_assert_str_eq(av.argv[1], "-u");
	cr_assert_str_eq(av.argv[2], "");
	cr_assert_null(av.argv[3]);
	cr_assert_str_eq(av.env[0], "DISPATCH_CLASS=normal");
	cr_assert_str_eq(av.env[2], "DISPATCH_DELAY_MS=5");
	config_class_args(&cf->classes[1], "/bin/w", 0, &b);
	b.class = a.class;
	b.delay_ms = a.delay_ms;
	cr_assert_not(contract_same(&a, &b), "another argv");
	config_class_args(&cf->classes[0], "/bin/w", 0, &b);
	cr_assert(contract_same(&a, &b));
	b.argv = NULL;
	b.program = "/bin/cat";
	cr_assert_not(contract_same(&a, &b), "dispatch-worker's argv");
	config_free(cf);
}

Test(config, user_and_group_are_looked_up)
{
	struct passwd	*pw;
	struct group	*gr;
	struct config	*cf;

	cr_assert_not_null(pw = getpwnam("nobody"));
	cr_assert_not_null(gr = getgrnam("nogroup"));
	cf = load(GOOD_HEAD "user = \"nobody\";\ngroup = \"nogroup\";\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_eq(cf->user, "nobody");
	cr_assert_eq(cf->uid, pw->pw_uid);
	cr_assert_eq(cf->gid, gr->gr_gid);
	config_free(cf);
}

Test(config, group_defaults_to_the_users_own)
{
	struct passwd	*pw;
	struct config	*cf;

	cr_assert_not_null(pw = getpwnam("nobody"));
	cf = load(GOOD_HEAD "user = \"nobody\";\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->gid, pw->pw_gid);
	config_free(cf);
}

Test(config, unknown_user)
{
	expect_error(GOOD_HEAD "\nuser = \"no-such-user\";\n", 6,
	    "unknown user \"no-such-user\"");
}

Test(config, unknown_group)
{
	expect_error(GOOD_HEAD "user = \"nobody\";\n"
	    "group = \"no-such-group\";\n", 6, "unknown group \"no-such-group\"");
}

Test(config, group_without_user)
{
	expect_error(GOOD_HEAD "group = \"nogroup\";\n", 5,
	    "\"group\" needs \"user\"");
}

Test(config, user_root_is_refused)
{
	expect_error(GOOD_HEAD "user = \"root\";\n", 5, "user \"root\" is "
	    "root's (id 0): name an unprivileged user");
	expect_error(GOOD_HEAD "user = \"nobody\";\ngroup = \"root\";\n", 6,
	    "group \"root\" is root's (id 0): name an unprivileged group");
}

Test(config, user_not_a_string)
{
	expect_error(GOOD_HEAD "user = 65534;\n", 5,
	    "\"user\" must be a string");
}

Test(config, missing_listen)
{
	expect_error("classes = ( { name = \"normal\"; } );\n", 1,
	    "missing \"listen\"");
}

Test(config, empty_listen)
{
	expect_error("\nlisten = [ ];\nclasses = ( { name = \"normal\"; } );\n",
	    2, "\"listen\" is empty");
}

Test(config, bad_listen_address)
{
	expect_error("listen = [ \"127.0.0.1:1\",\n \"1.2.3:80\" ];\n"
	    "classes = ( { name = \"normal\"; } );\n", 2,
	    "bad listen address \"1.2.3:80\"");
}

Test(config, metrics_address)
{
	struct config	*cf;

	cf = load(GOOD_HEAD "metrics = \"127.0.0.1:9190\";\n");
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_str_eq(cf->metrics.text, "127.0.0.1:9190");
	cr_assert_eq(cf->metrics.ss.ss_family, AF_INET);
	config_free(cf);
	cf = load(GOOD_HEAD);
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_null(cf->metrics.text, "no endpoint unless asked for");
	config_free(cf);
}

Test(config, bad_metrics_address)
{
	expect_error(GOOD_HEAD "\nmetrics = \"localhost:9190\";\n", 6,
	    "bad metrics address \"localhost:9190\": expected A.B.C.D:PORT "
	    "or [V6]:PORT");
	expect_error(GOOD_HEAD "metrics = 9190;\n", 5,
	    "\"metrics\" must be a string");
}

Test(config, metrics_on_a_listener)
{
	expect_error(GOOD_HEAD "metrics = \"127.0.0.1:1337\";\n", 5,
	    "metrics address \"127.0.0.1:1337\" is also a listener's");
}

Test(config, access_log)
{
	struct config	*cf;

	cf = load(GOOD_HEAD "access_log = \"-\";\n");
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_str_eq(cf->access_log, "-");
	config_free(cf);
	expect_error(GOOD_HEAD "access_log = \"\";\n", 5,
	    "\"access_log\" must be a path or \"-\"");
	expect_error(GOOD_HEAD "\naccess_log = true;\n", 6,
	    "\"access_log\" must be a string");
}

Test(config, duplicate_listen_address)
{
	expect_error("listen = [ \"127.0.0.1:1\", \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; } );\n", 1,
	    "duplicate listen address \"127.0.0.1:1\"");
}

Test(config, bad_prefix_length)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.0/33\"; class = \"special\"; }\n);\n", 6,
	    "bad prefix length in \"10.0.0.0/33\": must be 0 to 32");
}

Test(config, bad_address)
{
	expect_error(GOOD_HEAD "rules = (\n\n"
	    "  { address = \"300.1.2.3\"; class = \"special\"; }\n);\n", 7,
	    "bad address \"300.1.2.3\"");
}

Test(config, host_bits_are_a_warning)
{
	struct config	*cf;
	char		 want[256];

	cf = load(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1/8\"; class = \"special\"; }\n);\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	snprintf(want, sizeof(want), "%s:6: warning: host bits set", cfg_path);
	cr_assert_not_null(strstr(cfg_errors, want), "got:\n%s", cfg_errors);
	config_free(cf);
}

Test(config, regex_that_does_not_compile)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { regex = \"^10\\\\.(\"; class = \"special\"; }\n);\n", 6,
	    "regex does not compile at offset 6: ");
}

Test(config, unknown_class)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1\"; class = \"gold\"; }\n);\n", 6,
	    "unknown class \"gold\"");
}

Test(config, unknown_default_class)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; } );\n"
	    "default = \"gold\";\n", 3, "unknown class \"gold\"");
}

Test(config, rule_with_address_and_regex)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1\"; regex = \"^1\"; class = \"special\"; }"
	    "\n);\n", 6, "rule has both \"address\" and \"regex\"");
}

Test(config, rule_with_neither_address_nor_regex)
{
	expect_error(GOOD_HEAD "rules = (\n  { class = \"special\"; }\n);\n",
	    6, "rule needs \"address\", \"regex\", \"file\", \"listener\" "
	    "or \"port\"");
}

Test(config, rule_without_class_or_action)
{
	expect_error(GOOD_HEAD "rules = (\n  { address = \"10.0.0.1\"; }\n);\n",
	    6, "rule needs \"class\" or action = \"deny\"");
}

Test(config, deny_with_class)
{
	expect_error(GOOD_HEAD "rules = (\n  { address = \"10.0.0.1\";\n"
	    "    action = \"deny\"; class = \"special\"; }\n);\n", 7,
	    "a rule with action \"deny\" takes no \"class\"");
}

Test(config, unknown_action)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1\"; action = \"drop\"; }\n);\n", 6,
	    "unknown action \"drop\"");
}

Test(config, duplicate_class)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; },\n"
	    "  { name = \"normal\"; } );\n", 3,
	    "duplicate class \"normal\" (first at line 2)");
}

Test(config, workers_below_one)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n workers = 0; } );\n", 3,
	    "\"workers\" must be 1 to 256");
}

Test(config, workers_not_a_number_or_auto)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; workers = \"2\"; } );\n", 2,
	    "\"workers\" must be 1 to 256 or \"auto\"");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n workers = 1.5; } );\n", 3,
	    "\"workers\" must be an integer");
}

/* "auto": one worker a CPU this process may run on. */
Test(config, workers_auto_is_one_a_cpu)
{
	static const char	 text[] = "listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; workers = \"auto\"; } );\n";
	struct config		*cf;
	cpu_set_t		 set, one;
	int			 cpu;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	cr_assert_not_null(cf = load(text), "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].workers, CPU_COUNT(&set));
	config_free(cf);

	/* Pinned to one CPU, one worker. */
	for (cpu = 0; !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	cr_assert_not_null(cf = load(text), "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].workers, 1);
	config_free(cf);
}

/* "acceptors": shards, 1 by default, 1 to 64 or "auto". */
Test(config, acceptors)
{
	struct config	*cf;
	cpu_set_t	 set;
	int		 want;

	cr_assert_not_null(cf = load(GOOD_HEAD), "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->acceptors, 1, "one shard by default");
	config_free(cf);
	cr_assert_not_null(cf = load(GOOD_HEAD "acceptors = 4;\n"),
	    "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->acceptors, 4);
	config_free(cf);
	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	want = CPU_COUNT(&set) > 64 ? 64 : CPU_COUNT(&set);
	cr_assert_not_null(cf = load(GOOD_HEAD "acceptors = \"auto\";\n"),
	    "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->acceptors, want);
	config_free(cf);
}

Test(config, acceptors_out_of_range)
{
	expect_error(GOOD_HEAD "acceptors = 0;\n", 5,
	    "\"acceptors\" must be 1 to 64");
	expect_error(GOOD_HEAD "\nacceptors = 65;\n", 6,
	    "\"acceptors\" must be 1 to 64");
	expect_error(GOOD_HEAD "acceptors = \"all\";\n", 5,
	    "\"acceptors\" must be 1 to 64 or \"auto\"");
	expect_error(GOOD_HEAD "acceptors = true;\n", 5,
	    "\"acceptors\" must be an integer");
}

Test(config, negative_delay)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; delay_ms = -1; } );\n", 2,
	    "\"delay_ms\" must be 0 to 3600000");
}

Test(config, worker_timeout_out_of_range)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n worker_timeout_ms = -1; } );\n",
	    3, "\"worker_timeout_ms\" must be 0 to 86400000");
}

Test(config, upgrade_timeout_out_of_range)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; } );\n"
	    "upgrade_timeout_ms = 0;\n", 3,
	    "\"upgrade_timeout_ms\" must be 1 to 3600000");
}

Test(config, upgrade_timeout_defaults_to_30_s)
{
	struct config	*cf;

	cr_assert_not_null(cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; } );\n"), "errors:\n%s",
	    cfg_errors);
	cr_assert_eq(cf->upgrade_timeout_ms, 30000);
	config_free(cf);
}

Test(config, worker_timeout_within_delay)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; delay_ms = 5000;\n"
	    "  worker_timeout_ms = 5000; } );\n", 3,
	    "\"worker_timeout_ms\" must be 0 or longer than \"delay_ms\" "
	    "(5000)");
}

Test(config, worker_timeout_default)
{
	struct config	*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; },\n"
	    "  { name = \"slow\"; delay_ms = 3000; },\n"
	    "  { name = \"set\"; delay_ms = 3000; worker_timeout_ms = 3001; },\n"
	    "  { name = \"never\"; worker_timeout_ms = 0; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].worker_timeout_ms,
	    CONFIG_WORKER_TIMEOUT_BASE_MS);
	cr_assert_eq(cf->classes[1].worker_timeout_ms,
	    CONFIG_WORKER_TIMEOUT_BASE_MS + 6000, "twice the delay and more");
	cr_assert_eq(cf->classes[2].worker_timeout_ms, 3001);
	cr_assert_eq(cf->classes[3].worker_timeout_ms, 0);
	config_free(cf);
}

/* handler: "reply" unless told; "http" with its timeout, passed on. */
Test(config, handler_and_http_timeout)
{
	struct contract_args	 a;
	struct config		*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; },\n"
	    "  { name = \"web\"; handler = \"http\"; },\n"
	    "  { name = \"quick\"; handler = \"http\"; http_timeout_ms = 1; },\n"
	    "  { name = \"plain\"; handler = \"reply\"; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_eq(cf->classes[0].handler, CONTRACT_HANDLER_REPLY);
	cr_assert_str_eq(cf->classes[1].handler, CONTRACT_HANDLER_HTTP);
	cr_assert_eq(cf->classes[1].http_timeout_ms,
	    CONTRACT_DEFAULT_HTTP_TIMEOUT_MS);
	cr_assert_eq(cf->classes[1].worker_timeout_ms,
	    CONFIG_WORKER_TIMEOUT_BASE_MS + CONTRACT_DEFAULT_HTTP_TIMEOUT_MS,
	    "a head may take its time: the hung-worker time allows for it");
	cr_assert_eq(cf->classes[2].http_timeout_ms, 1);
	cr_assert_str_eq(cf->classes[3].handler, CONTRACT_HANDLER_REPLY);
	config_class_args(&cf->classes[2], "/bin/w", 0, &a);
	cr_assert_str_eq(a.handler, CONTRACT_HANDLER_HTTP);
	cr_assert_eq(a.http_timeout_ms, 1);
	config_free(cf);
}

Test(config, handler_not_a_string)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n handler = 1; } );\n",
	    3, "\"handler\" must be a string");
}

Test(config, http_timeout_without_http)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n http_timeout_ms = 5; } );\n",
	    3, "\"http_timeout_ms\" is for handler = \"http\"");
}

Test(config, http_timeout_out_of_range)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; handler = \"http\";\n"
	    "  http_timeout_ms = 0; } );\n",
	    3, "\"http_timeout_ms\" must be 1 to 3600000");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; handler = \"http\";\n"
	    "  http_timeout_ms = 3600001; } );\n",
	    3, "\"http_timeout_ms\" must be 1 to 3600000");
}

/* A worker waiting for a slow head is not hung. */
Test(config, worker_timeout_shorter_than_http_timeout)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; handler = \"http\";\n"
	    "  delay_ms = 100; http_timeout_ms = 5000;\n"
	    "  worker_timeout_ms = 5100; } );\n",
	    4, "\"worker_timeout_ms\" must be 0 or longer than \"delay_ms\" "
	    "and \"http_timeout_ms\" together (5100)");
}

Test(config, write_timeout_negative)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n write_timeout_ms = -1; } );\n",
	    3, "\"write_timeout_ms\" must be 0 to 3600000");
}

Test(config, write_timeout_over_an_hour)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; write_timeout_ms = 3600001; } );\n",
	    2, "\"write_timeout_ms\" must be 0 to 3600000");
}

Test(config, bad_class_name)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"nor mal\"; } );\n", 2,
	    "bad class name \"nor mal\"");
}

Test(config, class_without_name)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; },\n { workers = 1; } );\n", 3,
	    "class needs \"name\"");
}

Test(config, unknown_reply_placeholder)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  reply = \"{clas} {{ {pid}\"; } );\n", 3,
	    "unknown placeholder \"{clas}\" in \"reply\"");
}

Test(config, unterminated_reply_placeholder)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  reply = \"{{ {class\"; } );\n", 3,
	    "unterminated placeholder \"{class\" in \"reply\": write \"{{\" "
	    "for a literal \"{\"");
}

/* The worker's limit: a reply it would refuse does not load. */
Test(config, reply_too_long)
{
	char	text[CONTRACT_MAX_REPLY + 256];

	snprintf(text, sizeof(text), "listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n  reply = \"%0*d\"; } );\n",
	    CONTRACT_MAX_REPLY + 1, 0);
	expect_error(text, 3, "\"reply\" is longer than 4096 bytes");
}

/* A class's workers are started with its name, reply and delay. */
Test(config, class_args_are_the_workers)
{
	struct contract_args	 a, b;
	struct config		*cf;

	cf = load(GOOD_HEAD);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	config_class_args(&cf->classes[0], "/bin/w", 1, &a);
	cr_assert_str_eq(a.program, "/bin/w");
	cr_assert_str_eq(a.class, "normal");
	cr_assert_str_eq(a.reply, CONTRACT_DEFAULT_REPLY);
	cr_assert_eq(a.delay_ms, 0);
	cr_assert_eq(a.write_timeout_ms, CONTRACT_DEFAULT_WRITE_TIMEOUT_MS);
	cr_assert_eq(a.verbose, 1);
	config_class_args(&cf->classes[0], "/bin/w", 1, &b);
	cr_assert(contract_same(&a, &b));
	config_class_args(&cf->classes[0], "/bin/other", 1, &b);
	cr_assert_not(contract_same(&a, &b), "another program");
	config_class_args(&cf->classes[1], "/bin/w", 1, &b);
	cr_assert_not(contract_same(&a, &b), "another class");
	config_free(cf);
}

Test(config, every_error_in_one_run_sorted_by_line)
{
	const char	*a, *b, *c;

	cr_assert_null(load(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.0/33\"; class = \"special\"; },\n"
	    "  { address = \"10.0.0.1\"; class = \"gold\"; },\n"
	    "  { regex = \"(\"; class = \"special\"; }\n);\n"
	    "oops = 1;\n"));
	a = strstr(cfg_errors, ":6: bad prefix length");
	b = strstr(cfg_errors, ":7: unknown class");
	c = strstr(cfg_errors, ":8: regex does not compile");
	cr_assert(a != NULL && b != NULL && c != NULL, "got:\n%s", cfg_errors);
	cr_assert(a < b && b < c, "not sorted:\n%s", cfg_errors);
	cr_assert_not_null(strstr(cfg_errors, ":10: unknown key \"oops\""));
}

Test(config, list_file_entries_are_rules_in_place)
{
	struct rules_verdict	 v;
	struct config		*cf;
	char			*list, text[1024], desc[256], want[256];

	list = write_list("# partners\n\n10.1.0.0/16\n  10.2.3.4 # one host\n"
	    "2001:db8::/32\n");
	snprintf(text, sizeof(text), GOOD_HEAD "rules = (\n"
	    "  { address = \"10.2.0.0/16\"; action = \"deny\"; },\n"
	    "  { file = \"%s\"; class = \"special\"; },\n"
	    "  { address = \"10.0.0.0/8\"; action = \"deny\"; }\n);\n", list);
	cf = load(text);
	unlink(list);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->nrules, 3);
	cr_assert_eq(rules_count(cf->rules), 5, "one entry per list line");

	match_ip(cf, "10.1.9.9", &v);
	cr_assert_eq(v.class_idx, 1);
	cr_assert_eq(v.entry, 1);
	snprintf(want, sizeof(want), "rule #2 at %s:7 (file %s:3)", cfg_path,
	    list);
	cr_assert_str_eq(config_rule_describe(cf, v.entry, desc, sizeof(desc)),
	    want);
	match_ip(cf, "10.2.3.4", &v);
	cr_assert_eq(v.action, RULES_DENY, "the earlier deny rule wins");
	match_ip(cf, "10.3.0.1", &v);
	cr_assert_eq(v.entry, 4);
	snprintf(want, sizeof(want), "rule #3 at %s:8", cfg_path);
	cr_assert_str_eq(config_rule_describe(cf, v.entry, desc, sizeof(desc)),
	    want);
	config_free(cf);
}

Test(config, list_file_bad_line_names_the_list_and_its_line)
{
	char	*list, text[1024], want[256];

	list = write_list("10.0.0.0/8\n# fine\n10.0.0.0/33\n300.1.2.3\n");
	snprintf(text, sizeof(text), GOOD_HEAD "rules = (\n"
	    "  { file = \"%s\"; class = \"special\"; }\n);\n", list);
	cr_assert_null(load(text));
	unlink(list);
	snprintf(want, sizeof(want), "%s:3: bad prefix length in "
	    "\"10.0.0.0/33\": must be 0 to 32\n%s:4: bad address \"300.1.2.3\"\n",
	    list, list);
	cr_assert_not_null(strstr(cfg_errors, want), "got:\n%s", cfg_errors);
}

Test(config, list_file_relative_to_the_configuration)
{
	struct config	*cf;
	char		 text[1024];
	char		*list;

	list = write_list("10.0.0.0/8\n");
	/* The configuration is in /tmp too: name the list without its folder. */
	snprintf(text, sizeof(text), GOOD_HEAD "rules = (\n"
	    "  { file = \"%s\"; class = \"special\"; }\n);\n",
	    strrchr(list, '/') + 1);
	cf = load(text);
	unlink(list);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_eq(cf->rule_src[0].list, list);
	config_free(cf);
}

Test(config, list_file_missing)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { file = \"/nonexistent.list\"; class = \"special\"; }\n);\n", 6,
	    "cannot open list \"/nonexistent.list\": No such file or directory");
}

Test(config, list_file_with_too_many_errors_stops)
{
	char	*list, text[1024];
	char	 bad[40 * 8 + 1] = "";
	int	 i;

	for (i = 0; i < 40; i++)
		strcat(bad, "x.y.z.w\n");
	list = write_list(bad);
	snprintf(text, sizeof(text), GOOD_HEAD "rules = (\n"
	    "  { file = \"%s\"; class = \"special\"; }\n);\n", list);
	cr_assert_null(load(text));
	unlink(list);
	cr_assert_not_null(strstr(cfg_errors, ":20: too many errors; the rest "
	    "of the list is not read"), "got:\n%s", cfg_errors);
	cr_assert_null(strstr(cfg_errors, ":21: "), "got:\n%s", cfg_errors);
}

Test(config, rule_with_address_and_file)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1\"; file = \"x.list\"; class = \"special\"; }"
	    "\n);\n", 6, "rule has both \"address\" and \"file\"");
}

#define NAMED_HEAD \
	"listen = ( \"127.0.0.1:1\",\n" \
	"  { address = \"127.0.0.1:2\"; name = \"admin\"; } );\n" \
	"classes = ( { name = \"normal\"; }, { name = \"special\"; } );\n"

Test(config, named_listener_and_listener_rule)
{
	struct rules_verdict	 v;
	struct config		*cf;

	cf = load(NAMED_HEAD "rules = (\n"
	    "  { listener = \"admin\"; class = \"special\"; },\n"
	    "  { address = \"10.0.0.0/8\"; listener = \"admin\";"
	    " action = \"deny\"; }\n);\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->nlisteners, 2);
	cr_assert_null(cf->listeners[0].name);
	cr_assert_str_eq(cf->listeners[1].name, "admin");
	cr_assert_eq(config_listener_find(cf, "admin"), 1);
	cr_assert_eq(config_listener_find(cf, "127.0.0.1:1"), 0);

	match_on(cf, "10.1.1.1", 4000, 1, &v);
	cr_assert_eq(v.entry, 0);
	cr_assert_eq(v.class_idx, 1);
	match_on(cf, "10.1.1.1", 4000, 0, &v);
	cr_assert_eq(v.entry, -1, "other listener: no rule");
	config_free(cf);
}

/* A reload's listeners, matched to the running ones by address. */
Test(config, listener_map_follows_the_address)
{
	struct config	*from, *to;

	from = load("listen = ( \"127.0.0.1:1\",\n"
	    "  { address = \"127.0.0.1:2\"; name = \"b\"; },\n"
	    "  \"[::1]:3\" );\n"
	    "classes = ( { name = \"normal\"; } );\n");
	cr_assert_not_null(from, "errors:\n%s", cfg_errors);
	to = load("listen = ( { address = \"127.0.0.1:2\"; name = \"c\"; },\n"
	    "  \"[::1]:4\", \"127.0.0.1:1\" );\n"
	    "classes = ( { name = \"normal\"; } );\n");
	cr_assert_not_null(to, "errors:\n%s", cfg_errors);
	cr_assert_eq(config_listener_map(from, 0, to), 2);
	cr_assert_eq(config_listener_map(from, 1, to), 0, "renamed, same socket");
	cr_assert_eq(config_listener_map(from, 2, to), -1, "removed");
	cr_assert_eq(config_listener_map(from, -1, to), -1);
	cr_assert_eq(config_listener_map(from, 3, to), -1);
	config_free(from);
	config_free(to);
}

Test(config, unknown_listener_in_rule)
{
	expect_error(NAMED_HEAD "rules = (\n"
	    "  { address = \"10.0.0.1\"; listener = \"admn\";"
	    " class = \"special\"; }\n);\n", 5, "unknown listener \"admn\"");
}

Test(config, duplicate_listener_name)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\"; name = \"a\"; },\n"
	    "  { address = \"127.0.0.1:2\"; name = \"a\"; } );\n"
	    "classes = ( { name = \"normal\"; } );\n", 2,
	    "duplicate listener name \"a\"");
}

Test(config, listener_group_needs_address)
{
	expect_error("listen = ( { name = \"a\"; } );\n"
	    "classes = ( { name = \"normal\"; } );\n", 1,
	    "listener needs \"address\"");
}

Test(config, port_rules)
{
	struct rules_verdict	 v;
	struct config		*cf;

	cf = load(GOOD_HEAD "rules = (\n"
	    "  { port = \"1000-2000\"; class = \"special\"; },\n"
	    "  { address = \"10.0.0.0/8\"; port = 22; action = \"deny\"; }\n"
	    ");\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	match_on(cf, "192.0.2.1", 1500, 0, &v);
	cr_assert_eq(v.entry, 0);
	match_on(cf, "192.0.2.1", 2001, 0, &v);
	cr_assert_eq(v.entry, -1);
	match_on(cf, "10.0.0.1", 22, 0, &v);
	cr_assert_eq(v.action, RULES_DENY);
	match_on(cf, "10.0.0.1", 23, 0, &v);
	cr_assert_eq(v.entry, -1);
	config_free(cf);
}

Test(config, bad_port)
{
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { port = \"2000-1000\"; class = \"special\"; }\n);\n", 6,
	    "bad \"port\": expected PORT or \"LOW-HIGH\", 0 to 65535");
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { port = \"80x\"; class = \"special\"; }\n);\n", 6,
	    "bad \"port\"");
	expect_error(GOOD_HEAD "rules = (\n"
	    "  { port = 70000; class = \"special\"; }\n);\n", 6,
	    "bad \"port\"");
}

Test(config, shadowed_rules_are_warned_about)
{
	struct config	*cf;
	char		 want[512];

	cf = load(GOOD_HEAD "rules = (\n"
	    "  { address = \"10.0.0.0/8\"; class = \"special\"; },\n"
	    "  { regex = \"^10\\\\.1\\\\.\"; class = \"normal\"; },\n"
	    "  { address = \"10.1.2.3\"; class = \"normal\"; },\n"
	    "  { address = \"192.168.0.0/16\"; class = \"normal\"; }\n);\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	snprintf(want, sizeof(want), "%s:8: warning: rule #3 at %s:8 can "
	    "never match: rule #1 at %s:6 covers it\n", cfg_path, cfg_path,
	    cfg_path);
	cr_assert_str_eq(cfg_errors, want);
	config_free(cf);
}

Test(config, class_limits)
{
	struct config	*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; max_connections = 10; queue = 0;\n"
	    "  queue_timeout_ms = 250; busy_reply = \"busy\\n\"; },\n"
	    "  { name = \"special\"; overflow = \"normal\"; priority = 5;\n"
	    "    abort_on_close = true; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].max_connections, 10);
	cr_assert_eq(cf->classes[0].queue, 0);
	cr_assert_eq(cf->classes[0].queue_timeout_ms, 250);
	cr_assert_str_eq(cf->classes[0].busy_reply, "busy\n");
	cr_assert_eq(cf->classes[0].overflow, -1);
	cr_assert_eq(cf->classes[0].priority, 0);
	cr_assert_eq(cf->classes[1].max_connections, 0, "no limit by default");
	cr_assert_eq(cf->classes[1].queue, CONFIG_DEFAULT_QUEUE);
	cr_assert_eq(cf->classes[1].queue_timeout_ms,
	    CONFIG_DEFAULT_QUEUE_TIMEOUT_MS);
	cr_assert_null(cf->classes[1].busy_reply);
	cr_assert_eq(cf->classes[1].overflow, 0);
	cr_assert_eq(cf->classes[1].priority, 5);
	cr_assert_eq(cf->classes[0].abort_on_close, 0, "a FIN keeps a place");
	cr_assert_eq(cf->classes[1].abort_on_close, 1);
	config_free(cf);
}

Test(config, sched_batch_defaults_to_the_lowest_priority_below_another)
{
	struct config	*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; priority = -3; },\n"
	    "  { name = \"bulk\"; priority = -3; sched_batch = false; },\n"
	    "  { name = \"mid\"; },\n"
	    "  { name = \"special\"; priority = 5; sched_batch = true; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].sched_batch, 1, "the lowest priority");
	cr_assert_eq(cf->classes[1].sched_batch, 0, "said so");
	cr_assert_eq(cf->classes[2].sched_batch, 0, "above the lowest");
	cr_assert_eq(cf->classes[3].sched_batch, 1, "said so");
	config_free(cf);

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; priority = 2; },\n"
	    "  { name = \"special\"; priority = 2; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].sched_batch, 0, "one priority for all");
	cr_assert_eq(cf->classes[1].sched_batch, 0, "one priority for all");
	config_free(cf);
}

Test(config, overflow_reject_is_the_default_spelled_out)
{
	struct config	*cf;

	cf = load("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; overflow = \"reject\"; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].overflow, -1);
	config_free(cf);
}

Test(config, overflow_to_unknown_class)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n overflow = \"gold\"; } );\n", 3,
	    "unknown class \"gold\" (expected \"reject\" or a class)");
}

Test(config, overflow_cycle)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; overflow = \"special\"; },\n"
	    "  { name = \"special\"; overflow = \"normal\"; } );\n", 2,
	    "class \"normal\" overflows back into itself");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; overflow = \"normal\"; } );\n", 2,
	    "class \"normal\" overflows back into itself");
}

Test(config, queues_must_fit_the_descriptor_limit)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; queue = 1000000; },\n"
	    "  { name = \"special\"; queue = 1000000; } );\n", 2,
	    "the queues need 2000026 descriptors, more than the limit of ");
}

Test(config, bad_limits)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; max_connections = -1; } );\n", 2,
	    "\"max_connections\" must be 0 to 1000000");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; priority = 1001; } );\n", 2,
	    "\"priority\" must be -1000 to 1000");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\"; queue = \"10\"; } );\n", 2,
	    "\"queue\" must be an integer");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "classes = ( { name = \"normal\";\n abort_on_close = 1; } );\n", 3,
	    "\"abort_on_close\" must be true or false");
}

Test(config, control_characters_in_values_stay_on_one_line)
{
	char	want[256];

	expect_error("listen = [ \"1.2.3.4:5\\nrules.cfg:1: configuration "
	    "OK\" ];\nclasses = ( { name = \"normal\"; } );\n", 1, "bad ");
	snprintf(want, sizeof(want), "\\nrules.cfg:1: configuration OK");
	cr_assert_not_null(strstr(cfg_errors, want), "got:\n%s", cfg_errors);
	cr_assert_eq(strchr(cfg_errors, '\n'),
	    cfg_errors + strlen(cfg_errors) - 1, "more than one line:\n%s",
	    cfg_errors);
}

Test(config, port_as_64_bit_integer)
{
	struct config	*cf;

	cf = load(GOOD_HEAD
	    "rules = ( { port = 80L; class = \"special\"; } );\n");
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	config_free(cf);
	expect_error(GOOD_HEAD
	    "rules = ( { port = 80000L; class = \"special\"; } );\n", 5,
	    "bad \"port\"");
}

/* Found by fuzz_config: libconfig leaks the string; we report the error. */
Test(config, syntax_error_after_a_string)
{
	expect_error("\"\"", 1, "syntax error: ");
}

Test(config, control_socket_settings)
{
	struct config	*cf;

	cf = load(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_user = \"nobody\"; control_group = \"root\";\n"
	    "control_mode = \"0660\";\n");
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_str_eq(cf->control.path, "/run/d.sock");
	cr_assert_neq(cf->control.uid, (uid_t)-1);
	cr_assert_eq(cf->control.gid, 0);
	cr_assert_eq(cf->control.mode, 0660);
	config_free(cf);
	cf = load(GOOD_HEAD);
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_null(cf->control.path);
	config_free(cf);
	cf = load(GOOD_HEAD "control = \"d.sock\";\n");
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_eq(cf->control.uid, (uid_t)-1);
	cr_assert_eq(cf->control.gid, (gid_t)-1);
	cr_assert_eq(cf->control.mode, 0600);
	config_free(cf);
}

Test(config, control_socket_errors)
{
	expect_error(GOOD_HEAD "control = 7;\n", 5,
	    "\"control\" must be a string");
	expect_error(GOOD_HEAD "control = \"\";\n", 5,
	    "\"control\" must be a path of 1 to 107 bytes");
	expect_error(GOOD_HEAD "control_mode = \"0600\";\n", 5,
	    "\"control_mode\" without \"control\"");
	expect_error(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_user = \"no-such-user-here\";\n", 6,
	    "unknown user \"no-such-user-here\"");
	expect_error(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_group = \"no-such-group-here\";\n", 6,
	    "unknown group \"no-such-group-here\"");
	expect_error(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_mode = \"0400\";\n", 6,
	    "\"control_mode\" must be octal digits from \"0600\" to \"0777\" "
	    "with the owner's read and write (\"0400\")");
	expect_error(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_mode = \"1777\";\n", 6, "\"control_mode\" must be octal");
	expect_error(GOOD_HEAD "control = \"/run/d.sock\";\n"
	    "control_mode = 600;\n", 6, "\"control_mode\" must be a string");
}

Test(config, control_socket_path_too_long)
{
	char	text[1024], path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), GOOD_HEAD "control = \"/%s\";\n", path);
	expect_error(text, 5, "\"control\" must be a path of 1 to 107 bytes");
}

/* A class with handler = "exec" and its command, lines 1 to 4. */
#define EXEC_HEAD(cmd) \
	"listen = [ \"127.0.0.1:1337\" ];\n" \
	"default = \"normal\";\n" \
	"classes = ( { name = \"normal\"; handler = \"exec\";\n" \
	"              " cmd " } );\n"

Test(config, exec_command_is_resolved_in_path)
{
	struct contract_args	 a;
	struct config		*cf;

	cf = load(EXEC_HEAD("command = [ \"env\", \"-0\" ]; "
	    "exec_timeout_ms = 1500;"));
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_eq(cf->classes[0].handler, "exec");
	/* The worker gets the absolute path found now. */
	cr_assert_eq(cf->classes[0].command[0][0], '/');
	cr_assert_eq(access(cf->classes[0].command[0], X_OK), 0);
	cr_assert_str_eq(cf->classes[0].command[1], "-0");
	cr_assert_null(cf->classes[0].command[2]);
	cr_assert_eq(cf->classes[0].exec_timeout_ms, 1500);
	/* Room for the whole limit and its kill, twice, and the base. */
	cr_assert_eq(cf->classes[0].worker_timeout_ms,
	    2 * (1500 + CONTRACT_EXEC_KILL_MS) + 60000);
	config_class_args(&cf->classes[0], "/bin/w", 0, &a);
	cr_assert_str_eq(a.handler, "exec");
	cr_assert_eq(a.command, cf->classes[0].command);
	cr_assert_eq(a.exec_timeout_ms, 1500);
	config_free(cf);
}

Test(config, handler_defaults_to_reply)
{
	struct config	*cf;

	cf = load(GOOD_HEAD);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_str_eq(cf->classes[0].handler, "reply");
	cr_assert_null(cf->classes[0].command);
	config_free(cf);
}

Test(config, exec_without_command)
{
	expect_error(EXEC_HEAD(""), 3, "handler \"exec\" needs \"command\"");
}

Test(config, command_without_exec)
{
	expect_error("listen = [ \"127.0.0.1:1337\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  command = [ \"/bin/cat\" ]; } );\n", 3,
	    "\"command\" needs handler = \"exec\"");
}

Test(config, unknown_handler)
{
	expect_error("listen = [ \"127.0.0.1:1337\" ];\n"
	    "classes = ( { name = \"normal\";\n"
	    "  handler = \"cgi\"; } );\n", 3,
	    "unknown handler \"cgi\" (expected \"reply\", \"exec\" or "
	    "\"http\")");
}

Test(config, exec_program_not_found)
{
	expect_error(EXEC_HEAD("command = [ \"no-such-program-here\" ];"), 4,
	    "\"command\": program \"no-such-program-here\" not found in "
	    "PATH");
	expect_error(EXEC_HEAD("command = [ \"/no/such/program\" ];"), 4,
	    "\"command\": \"/no/such/program\" is not an executable file");
	/* A folder is not a program, nor is a file without x. */
	expect_error(EXEC_HEAD("command = [ \"/tmp\" ];"), 4,
	    "\"command\": \"/tmp\" is not an executable file");
	expect_error(EXEC_HEAD("command = [ \"/etc/passwd\" ];"), 4,
	    "\"command\": \"/etc/passwd\" is not an executable file");
}

Test(config, exec_program_relative_path)
{
	expect_error(EXEC_HEAD("command = [ \"./prog\" ];"), 4,
	    "\"command\": \"./prog\" must be an absolute path or a program "
	    "in PATH");
}

Test(config, command_not_a_list_of_strings)
{
	expect_error(EXEC_HEAD("command = \"/bin/cat\";"), 4,
	    "\"command\" must be a list of 1 to 32 strings");
	expect_error(EXEC_HEAD("command = [ ];"), 4,
	    "\"command\" must be a list of 1 to 32 strings");
	expect_error(EXEC_HEAD("command = ( \"/bin/cat\", 1 );"), 4,
	    "\"command\" must be a list of strings");
}

Test(config, command_too_long)
{
	char	text[1024], words[512] = "";
	int	i;

	for (i = 0; i < CONTRACT_MAX_COMMAND; i++)
		strcat(words, ", \"a\"");
	snprintf(text, sizeof(text), EXEC_HEAD("command = [ \"/bin/cat\"%s ];"),
	    words);
	expect_error(text, 4, "\"command\" must be a list of 1 to 32 strings");
}

Test(config, exec_timeout_out_of_range)
{
	expect_error(EXEC_HEAD("command = [ \"/bin/cat\" ];\n"
	    "exec_timeout_ms = 86400001;"), 5,
	    "\"exec_timeout_ms\" must be 0 to 86400000");
}

Test(config, worker_timeout_within_exec_timeout)
{
	expect_error(EXEC_HEAD("command = [ \"/bin/cat\" ];\n"
	    "exec_timeout_ms = 5000; worker_timeout_ms = 7000;"), 5,
	    "\"worker_timeout_ms\" must be 0 or longer than "
	    "\"exec_timeout_ms\" and its kill's grace (7000)");
	expect_error(EXEC_HEAD("command = [ \"/bin/cat\" ];\n"
	    "exec_timeout_ms = 0; worker_timeout_ms = 70000;"), 5,
	    "\"worker_timeout_ms\" must be 0 when \"exec_timeout_ms\" is 0");
}

/* Programs without a time limit: no worker is ever called hung. */
Test(config, exec_without_time_limit_never_hangs)
{
	struct config	*cf;

	cf = load(EXEC_HEAD("command = [ \"/bin/cat\" ]; exec_timeout_ms = 0;"));
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_eq(cf->classes[0].worker_timeout_ms, 0);
	config_free(cf);
}

/* The listener group with the PROXY protocol, and the two top-level bounds. */
#define PROXY_TAIL \
	"classes = ( { name = \"normal\"; } );\n"

Test(config, proxy_listener_compiles_its_trusted_list)
{
	struct rules_verdict	 v;
	struct sockaddr_storage	 ss;
	struct config		*cf;

	cf = load("listen = ( { address = \"127.0.0.1:1\"; proxy_protocol = "
	    "true;\n  proxy_from = [ \"10.0.0.0/8\", \"::1\" ]; },\n"
	    "  \"127.0.0.1:2\" );\n"
	    "proxy_pending = 7;\nproxy_timeout_ms = 250;\n" PROXY_TAIL);
	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_eq(cf->listeners[0].proxy, 1);
	cr_assert_eq(cf->listeners[1].proxy, 0);
	cr_assert_null(cf->listeners[1].proxy_from);
	cr_assert_eq(cf->proxy_pending, 7);
	cr_assert_eq(cf->proxy_timeout_ms, 250);
	test_peer("10.200.0.1", 1, &ss);
	rules_match(cf->listeners[0].proxy_from, (struct sockaddr *)&ss, -1, &v);
	cr_assert_neq(v.entry, -1);
	test_peer("11.0.0.1", 1, &ss);
	rules_match(cf->listeners[0].proxy_from, (struct sockaddr *)&ss, -1, &v);
	cr_assert_eq(v.entry, -1);
	test_peer("::1", 1, &ss);
	rules_match(cf->listeners[0].proxy_from, (struct sockaddr *)&ss, -1, &v);
	cr_assert_neq(v.entry, -1);
	config_free(cf);
}

Test(config, proxy_defaults)
{
	struct config	*cf = load("listen = [ \"127.0.0.1:1\" ];\n" PROXY_TAIL);

	cr_assert_not_null(cf, "%s", cfg_errors);
	cr_assert_eq(cf->proxy_pending, CONFIG_DEFAULT_PROXY_PENDING);
	cr_assert_eq(cf->proxy_timeout_ms, CONFIG_DEFAULT_PROXY_TIMEOUT_MS);
	config_free(cf);
}

Test(config, proxy_protocol_needs_proxy_from)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\";\n"
	    "  proxy_protocol = true; } );\n" PROXY_TAIL, 2,
	    "\"proxy_protocol\" needs \"proxy_from\", the balancers' "
	    "addresses: only they may send the header");
}

Test(config, proxy_from_needs_proxy_protocol)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\";\n"
	    "  proxy_from = [ \"10.0.0.1\" ]; } );\n" PROXY_TAIL, 2,
	    "\"proxy_from\" without \"proxy_protocol = true\"");
	expect_error("listen = ( { address = \"127.0.0.1:1\";\n"
	    "  proxy_protocol = false;\n  proxy_from = [ \"10.0.0.1\" ]; } );\n"
	    PROXY_TAIL, 3, "\"proxy_from\" without \"proxy_protocol = true\"");
}

Test(config, proxy_from_empty_or_not_a_list)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\"; proxy_protocol = "
	    "true;\n  proxy_from = [ ]; } );\n" PROXY_TAIL, 2,
	    "\"proxy_from\" must be a list of the balancers' addresses or "
	    "prefixes: [ \"10.0.0.0/8\" ]");
	expect_error("listen = ( { address = \"127.0.0.1:1\"; proxy_protocol = "
	    "true;\n  proxy_from = \"10.0.0.1\"; } );\n" PROXY_TAIL, 2,
	    "\"proxy_from\" must be a list");
}

Test(config, proxy_from_bad_entries)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\"; proxy_protocol = "
	    "true;\n  proxy_from = [ \"10.0.0.1\",\n  \"10.0.0.300\" ]; } );\n"
	    PROXY_TAIL, 3, "proxy_from: ");
	expect_error("listen = ( { address = \"127.0.0.1:1\"; proxy_protocol = "
	    "true;\n  proxy_from = [ 10 ]; } );\n" PROXY_TAIL, 2,
	    "\"proxy_from\" entries must be \"ADDRESS\" or \"ADDRESS/LEN\" "
	    "strings");
}

Test(config, proxy_protocol_not_a_bool)
{
	expect_error("listen = ( { address = \"127.0.0.1:1\";\n"
	    "  proxy_protocol = 1; } );\n" PROXY_TAIL, 2,
	    "\"proxy_protocol\" must be true or false");
}

Test(config, proxy_bounds_out_of_range)
{
	expect_error("listen = [ \"127.0.0.1:1\" ];\nproxy_pending = 0;\n"
	    PROXY_TAIL, 2, "\"proxy_pending\" must be 1 to 1000000");
	expect_error("listen = [ \"127.0.0.1:1\" ];\nproxy_timeout_ms = 0;\n"
	    PROXY_TAIL, 2, "\"proxy_timeout_ms\" must be 1 to 60000");
	expect_error("listen = [ \"127.0.0.1:1\" ];\n"
	    "proxy_timeout_ms = 60001;\n" PROXY_TAIL, 2,
	    "\"proxy_timeout_ms\" must be 1 to 60000");
}

/*
 * test_contract: the worker contract (common/contract.h) holds end to end.
 * A class that the configuration takes at every limit starts the real
 * dispatch-worker, from the argv contract_argv builds out of the loaded
 * class; one byte or one millisecond more, and both refuse it.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "config.h"
#include "contract.h"
#include "exitcode.h"
#include "load.h"

#define TEST_PROGRAM	"/usr/libexec/dispatch-worker"

static char	 cfg_path[] = "/tmp/test_contract.XXXXXX";
static char	*cfg_errors;

/* A class as the configuration file gives it: one over a limit fits. */
struct limit_class {
	char	 name[CONTRACT_MAX_NAME + 2];
	char	 reply[CONTRACT_MAX_REPLY + 2];
	int	 delay_ms;
	int	 write_timeout_ms;
};

/* Every argument at its limit; the reply uses every placeholder. */
static void
class_at_limits(struct limit_class *k)
{
	static const char	 placeholders[] = "{{ {class} {pid} {peer} ";
	size_t			 len = strlen(placeholders);

	memset(k->name, 'n', CONTRACT_MAX_NAME);
	k->name[CONTRACT_MAX_NAME] = '\0';
	memcpy(k->reply, placeholders, len);
	memset(k->reply + len, 'x', CONTRACT_MAX_REPLY - len);
	k->reply[CONTRACT_MAX_REPLY] = '\0';
	k->delay_ms = CONTRACT_MAX_DELAY_MS;
	k->write_timeout_ms = CONTRACT_MAX_WRITE_TIMEOUT_MS;
}

/* Loads a configuration with k as its one class; errors in cfg_errors. */
static struct config *
load(const struct limit_class *k)
{
	char	 text[sizeof(k->name) * 2 + sizeof(k->reply) + 256];

	snprintf(text, sizeof(text), "listen = [ \"127.0.0.1:1337\" ];\n"
	    "default = \"%s\";\n"
	    "classes = ( { name = \"%s\"; reply = \"%s\";\n"
	    "              delay_ms = %d; write_timeout_ms = %d; } );\n",
	    k->name, k->name, k->reply, k->delay_ms, k->write_timeout_ms);
	return test_load(cfg_path, "/tmp/test_contract.XXXXXX", text,
	    &cfg_errors);
}

/* Starts WORKER_PATH as the dispatcher would for such a class. */
static void
start_worker(struct child *w, const char *name, const char *reply,
    int delay_ms, int write_timeout_ms)
{
	const struct contract_args	 a = { .program = WORKER_PATH,
	    .class = name, .reply = reply, .delay_ms = delay_ms,
	    .write_timeout_ms = write_timeout_ms };
	struct contract_argv		 av;

	contract_argv(&a, &av);
	test_child_start(w, av.argv, 0, 0);
}

/*
 * Both sides refuse k: config_load, with message among its errors, and
 * the worker, with exit 64.
 */
static void
expect_refused(const struct limit_class *k, const char *message)
{
	struct child	 w;

	cr_assert_null(load(k), "the configuration took it");
	cr_assert_not_null(strstr(cfg_errors, message),
	    "wanted \"%s\" in:\n%s", message, cfg_errors);
	start_worker(&w, k->name, k->reply, k->delay_ms, k->write_timeout_ms);
	test_child_expect_exit(&w, EXIT_USAGE);
}

static void
teardown(void)
{
	free(cfg_errors);
	cfg_errors = NULL;
}

TestSuite(contract, .fini = teardown, .timeout = 60);

Test(contract, class_at_every_limit_starts_its_worker)
{
	const struct config_class	*c;
	struct limit_class		 k;
	struct config			*cf;
	struct child			 w;
	int				 i;

	class_at_limits(&k);
	cf = load(&k);
	cr_assert_not_null(cf, "errors:\n%s", cfg_errors);
	cr_assert_geq(i = config_class_find(cf, k.name), 0);
	c = &cf->classes[i];
	cr_assert_eq(strlen(c->name), CONTRACT_MAX_NAME);
	cr_assert_eq(strlen(c->reply), CONTRACT_MAX_REPLY);
	cr_assert_eq(c->delay_ms, CONTRACT_MAX_DELAY_MS);
	cr_assert_eq(c->write_timeout_ms, CONTRACT_MAX_WRITE_TIMEOUT_MS);

	start_worker(&w, c->name, c->reply, c->delay_ms, c->write_timeout_ms);
	test_child_expect_hello(&w);
	/* Its channel closed with nothing in hand, it exits 0, not 64. */
	test_child_expect_exit(&w, 0);
	config_free(cf);
}

Test(contract, name_one_byte_over_is_refused)
{
	struct limit_class	 k;

	class_at_limits(&k);
	memset(k.name, 'n', CONTRACT_MAX_NAME + 1);
	k.name[CONTRACT_MAX_NAME + 1] = '\0';
	expect_refused(&k, "bad class name");
}

Test(contract, reply_one_byte_over_is_refused)
{
	struct limit_class	 k;

	class_at_limits(&k);
	strcat(k.reply, "x");
	expect_refused(&k, "\"reply\" is longer than");
}

Test(contract, delay_one_ms_over_is_refused)
{
	struct limit_class	 k;

	class_at_limits(&k);
	k.delay_ms++;
	expect_refused(&k, "\"delay_ms\" must be");
}

Test(contract, write_timeout_one_ms_over_is_refused)
{
	struct limit_class	 k;

	class_at_limits(&k);
	k.write_timeout_ms++;
	expect_refused(&k, "\"write_timeout_ms\" must be");
}

Test(contract, argv_reads_back_as_it_was_built)
{
	struct contract_args	 a = { .program = TEST_PROGRAM,
	    .class = "special", .reply = "for {peer}: -d {{\n",
	    .delay_ms = 250, .write_timeout_ms = 0 }, b;
	struct contract_argv	 av;
	char			 err[128];
	int			 argc;

	for (a.verbose = 0; a.verbose <= 1; a.verbose++) {
		contract_argv(&a, &av);
		for (argc = 0; av.argv[argc] != NULL; argc++)
			continue;
		cr_assert_eq(contract_parse(argc, av.argv, &b, err,
		    sizeof(err)), 0, "%s", err);
		cr_assert_str_eq(b.program, a.program);
		cr_assert_str_eq(b.class, a.class);
		cr_assert_str_eq(b.reply, a.reply);
		cr_assert_eq(b.delay_ms, a.delay_ms);
		cr_assert_eq(b.write_timeout_ms, a.write_timeout_ms);
		cr_assert_eq(b.verbose, a.verbose);
		cr_assert(contract_same(&a, &b));
	}
}

/* The handler and its timeout travel; "reply" is left out of the argv. */
Test(contract, handler_reads_back_as_it_was_built)
{
	struct contract_args	 a = { .program = TEST_PROGRAM,
	    .class = "web", .reply = "hi\n", .handler = CONTRACT_HANDLER_HTTP,
	    .http_timeout_ms = 1500 }, b;
	struct contract_argv	 av;
	char			 err[128];
	int			 argc, i, dash_h;

	contract_argv(&a, &av);
	for (argc = 0; av.argv[argc] != NULL; argc++)
		continue;
	cr_assert_eq(contract_parse(argc, av.argv, &b, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_str_eq(b.handler, CONTRACT_HANDLER_HTTP);
	cr_assert_eq(b.http_timeout_ms, 1500);
	cr_assert(contract_same(&a, &b));

	a.handler = CONTRACT_HANDLER_REPLY;
	contract_argv(&a, &av);
	for (argc = 0, dash_h = 0; av.argv[argc] != NULL; argc++)
		for (i = 0; av.argv[argc][0] == '-' && av.argv[argc][i]; i++)
			dash_h |= av.argv[argc][i] == 'H' ||
			    av.argv[argc][i] == 'T';
	cr_assert_not(dash_h, "-H or -T for the default handler");
	cr_assert_eq(contract_parse(argc, av.argv, &b, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_str_eq(b.handler, CONTRACT_HANDLER_REPLY);
}

Test(contract, parse_refuses_bad_handlers)
{
	char	*unknown[] = { TEST_PROGRAM, "-n", "x", "-H", "exe", NULL };
	char	*zero[] = { TEST_PROGRAM, "-n", "x", "-H", "http", "-T", "0",
	    NULL };
	char	*over[] = { TEST_PROGRAM, "-n", "x", "-H", "http", "-T",
	    "3600001", NULL };
	char	*alone[] = { TEST_PROGRAM, "-n", "x", "-T", "5", NULL };
	struct contract_args	 a;
	char			 err[128];

	cr_assert_eq(contract_parse(5, unknown, &a, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-H: \"reply\", \"exec\" or \"http\"");
	cr_assert_eq(contract_parse(7, zero, &a, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-T: milliseconds, 1 to 3600000");
	cr_assert_eq(contract_parse(7, over, &a, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-T: milliseconds, 1 to 3600000");
	cr_assert_eq(contract_parse(5, alone, &a, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-T is for -H http");
}

Test(contract, parse_takes_the_defaults)
{
	char			*argv[] = { TEST_PROGRAM, "-n", "normal",
	    NULL };
	struct contract_args	 a;
	char			 err[128];

	cr_assert_eq(contract_parse(3, argv, &a, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_str_eq(a.reply, CONTRACT_DEFAULT_REPLY);
	cr_assert_eq(a.delay_ms, 0);
	cr_assert_eq(a.write_timeout_ms, CONTRACT_DEFAULT_WRITE_TIMEOUT_MS);
	cr_assert_eq(a.verbose, 0);
	cr_assert_str_eq(a.handler, CONTRACT_HANDLER_REPLY);
	cr_assert_eq(a.http_timeout_ms, CONTRACT_DEFAULT_HTTP_TIMEOUT_MS);
}

/* getopt keeps state: a cluster it stopped in must not leak into the next. */
Test(contract, parse_forgets_an_earlier_argv)
{
	char			*bad[] = { TEST_PROGRAM, "-n", "x", "-zv",
	    NULL };
	char			*good[] = { TEST_PROGRAM, "-n", "y", NULL };
	struct contract_args	 a;
	char			 err[128];

	cr_assert_eq(contract_parse(4, bad, &a, err, sizeof(err)), -1);
	cr_assert_eq(contract_parse(3, good, &a, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_str_eq(a.class, "y");
	cr_assert_eq(a.verbose, 0);
}

Test(contract, same_differs_in_any_argument)
{
	const struct contract_args	 a = { .program = TEST_PROGRAM,
	    .class = "special", .reply = "hi\n", .delay_ms = 10 };
	char				 program[] = TEST_PROGRAM;
	char				 class[] = "special", reply[] = "hi\n";
	struct contract_args		 b, c;

	/* Equal strings, not the same pointers. */
	b = a;
	b.program = program;
	b.class = class;
	b.reply = reply;
	cr_assert(contract_same(&a, &b));

	b = a;
	b.program = "/usr/local/bin/other-worker";
	cr_assert_not(contract_same(&a, &b), "program");
	b = a;
	b.class = "normal";
	cr_assert_not(contract_same(&a, &b), "class");
	b = a;
	b.reply = "hi!\n";
	cr_assert_not(contract_same(&a, &b), "reply");
	b = a;
	b.delay_ms = 11;
	cr_assert_not(contract_same(&a, &b), "delay");
	b = a;
	b.write_timeout_ms = 1;
	cr_assert_not(contract_same(&a, &b), "write timeout");
	b = a;
	b.verbose = 1;
	cr_assert_not(contract_same(&a, &b), "verbose");
	b = a;
	b.handler = CONTRACT_HANDLER_HTTP;
	cr_assert_not(contract_same(&a, &b), "handler");
	/* The HTTP timeout is the http handler's only. */
	b = a;
	b.http_timeout_ms = 5;
	cr_assert(contract_same(&a, &b), "HTTP timeout of a reply class");
	b.handler = CONTRACT_HANDLER_HTTP;
	c = b;
	c.http_timeout_ms = 6;
	cr_assert_not(contract_same(&b, &c), "HTTP timeout");
}

Test(contract, exec_argv_reads_back_as_it_was_built)
{
	char *const		 command[] = { "/bin/echo", "-n", "--", "x",
	    NULL };
	struct contract_args	 a = { .program = TEST_PROGRAM,
	    .class = "special", .reply = "hi\n", .handler = "exec",
	    .command = command, .exec_timeout_ms = 0 }, b;
	struct contract_argv	 av;
	char			 err[128];
	int			 argc, i;

	contract_argv(&a, &av);
	for (argc = 0; av.argv[argc] != NULL; argc++)
		continue;
	cr_assert_eq(contract_parse(argc, av.argv, &b, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_str_eq(b.handler, "exec");
	cr_assert_eq(b.exec_timeout_ms, 0);
	/* The command's own options and "--" are left to it. */
	for (i = 0; command[i] != NULL; i++)
		cr_assert_str_eq(b.command[i], command[i]);
	cr_assert_null(b.command[i]);
	cr_assert(contract_same(&a, &b));
	b.exec_timeout_ms = 1;
	cr_assert_not(contract_same(&a, &b), "exec timeout");
}

Test(contract, exec_needs_an_absolute_command)
{
	char			*none[] = { TEST_PROGRAM, "-n", "x", "-H", "exec",
	    NULL };
	char			*relative[] = { TEST_PROGRAM, "-n", "x", "-H",
	    "exec", "--", "cat", NULL };
	char			*extra[] = { TEST_PROGRAM, "-n", "x", "--",
	    "/bin/cat", NULL };
	char			*unknown[] = { TEST_PROGRAM, "-n", "x", "-H",
	    "cgi", NULL };
	struct contract_args	 a;
	char			 err[128];

	cr_assert_eq(contract_parse(5, none, &a, err, sizeof(err)), -1);
	cr_assert_eq(contract_parse(7, relative, &a, err, sizeof(err)), -1);
	/* A command without "-H exec" is nothing the worker runs. */
	cr_assert_eq(contract_parse(5, extra, &a, err, sizeof(err)), -1);
	cr_assert_eq(contract_parse(5, unknown, &a, err, sizeof(err)), -1);
}

Test(contract, same_differs_in_handler_and_command)
{
	char *const			 cat[] = { "/bin/cat", NULL };
	char *const			 cat_u[] = { "/bin/cat", "-u", NULL };
	const struct contract_args	 a = { .program = TEST_PROGRAM,
	    .class = "special", .reply = "hi\n", .handler = "exec",
	    .command = cat, .exec_timeout_ms = 100 };
	struct contract_args		 b;

	b = a;
	cr_assert(contract_same(&a, &b));
	b.command = cat_u;
	cr_assert_not(contract_same(&a, &b), "command");
	b = a;
	b.handler = "reply";
	b.command = NULL;
	cr_assert_not(contract_same(&a, &b), "handler");
}

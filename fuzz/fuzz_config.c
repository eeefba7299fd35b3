/*
 * fuzz_config: libconfig text in, through config_load.
 *
 * An input is the configuration file, optionally followed by FUZZ_SEP and
 * the text of a list file named "list" beside it.  Every report must be
 * well formed and in order; a file that loads must be consistent, and its
 * rules are matched against a few peers.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rules.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char	*__lsan_default_suppressions(void);

#define FUZZ_SEP	"\n%list\n"

struct fuzz_reports {
	char		*last_file;	/* copied, for the order check */
	int		 last_line;
	size_t		 count;
	size_t		 errors;
};

/* Peers that the rules of a loaded file are matched against. */
static const struct {
	int		 family;
	const char	*addr;
	unsigned	 port;
} fuzz_peers[] = {
	{ AF_INET, "127.0.0.1", 40000 },
	{ AF_INET, "127.0.0.100", 1 },
	{ AF_INET, "10.1.2.3", 65535 },
	{ AF_INET, "192.168.7.9", 1024 },
	{ AF_INET, "203.0.113.5", 80 },
	{ AF_INET, "0.0.0.0", 0 },
	{ AF_INET, "255.255.255.255", 5 },
	{ AF_INET6, "::1", 40000 },
	{ AF_INET6, "::", 0 },
	{ AF_INET6, "2001:db8:5::1", 443 },
	{ AF_INET6, "::ffff:10.0.0.1", 12345 },
	{ AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 7 },
};

/*
 * libconfig 1.5 leaks a string token that a syntax error leaves behind:
 * the two bytes "" are enough.  Later versions free it.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig_yylex\nleak:strbuf_append\n";
}

/* A folder of our own, so that relative list files stay in it. */
static char	 fuzz_dir[] = "/tmp/fuzz_config.XXXXXX";
static char	 fuzz_path[sizeof(fuzz_dir) + 16];
static char	 fuzz_list[sizeof(fuzz_dir) + 16];
static int	 fuzz_ready;

static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
	unlink(fuzz_list);
	rmdir(fuzz_dir);
}

static void
fuzz_init(void)
{
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_config: mkdtemp");
		abort();
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/rules.cfg", fuzz_dir);
	snprintf(fuzz_list, sizeof(fuzz_list), "%s/list", fuzz_dir);
	atexit(fuzz_cleanup);
	fuzz_ready = 1;
}

static void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	ssize_t	 n;
	size_t	 off;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		perror("fuzz_config: open");
		abort();
	}
	for (off = 0; off < size; off += n)
		if ((n = write(fd, data + off, size - off)) <= 0) {
			perror("fuzz_config: write");
			abort();
		}
	close(fd);
}

/*
 * Whether every "file" in the configuration names a file in our folder:
 * a plain name, no '/', not starting with '.'.  libconfig reads the text
 * here exactly as config_load will; text it refuses names no file.
 */
static int
fuzz_setting_safe(const config_setting_t *s)
{
	const config_setting_t	*e;
	const char		*name, *v;
	int			 i;

	name = config_setting_name(s);
	if (name != NULL && strcmp(name, "file") == 0 &&
	    config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		if (v[0] == '.' || v[strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")] != '\0')
			return 0;
	}
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++)
		if (!fuzz_setting_safe(e))
			return 0;
	return 1;
}

static int
fuzz_files_safe(const uint8_t *data, size_t size)
{
	config_t	 lc;
	FILE		*fp;
	int		 safe = 1;

	/* Setting names have no escapes: no "file", no list file. */
	if (memmem(data, size, "file", 4) == NULL)
		return 1;
	if ((fp = fmemopen((void *)data, size, "r")) == NULL) {
		perror("fuzz_config: fmemopen");
		abort();
	}
	config_init(&lc);
	if (config_read(&lc, fp) == CONFIG_TRUE)
		safe = fuzz_setting_safe(config_root_setting(&lc));
	config_destroy(&lc);
	fclose(fp);
	return safe;
}

/* Whether the text asks libconfig to read another file. */
static int
fuzz_has_include(const uint8_t *data, size_t size)
{
	static const char	 word[] = "@include";
	size_t			 i, k;

	for (i = 0; i + sizeof(word) - 1 <= size; i++) {
		for (k = 0; word[k] != '\0'; k++)
			if (tolower(data[i + k]) != word[k])
				break;
		if (word[k] == '\0')
			return 1;
	}
	return 0;
}

static void
fuzz_report(void *arg, const char *file, int line, int warning,
    const char *text)
{
	struct fuzz_reports	*r = arg;

	if (file == NULL || line < 0 || text == NULL || text[0] == '\0') {
		fprintf(stderr, "fuzz_config: bad report: %s:%d: \"%s\"\n",
		    file != NULL ? file : "(null)", line,
		    text != NULL ? text : "(null)");
		abort();
	}
	/* Sorted by file, then line. */
	if (r->last_file != NULL && (strcmp(r->last_file, file) > 0 ||
	    (strcmp(r->last_file, file) == 0 && r->last_line > line))) {
		fprintf(stderr, "fuzz_config: report %s:%d after %s:%d\n",
		    file, line, r->last_file, r->last_line);
		abort();
	}
	free(r->last_file);
	if ((r->last_file = strdup(file)) == NULL)
		abort();
	r->last_line = line;
	r->count++;
	if (!warning)
		r->errors++;
}

static void
fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: loaded, but not %s\n", what);
		abort();
	}
}

static void
fuzz_match(struct config *cf)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct rules_verdict	 v;
	size_t			 i, l;

	for (i = 0; i < sizeof(fuzz_peers) / sizeof(fuzz_peers[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = fuzz_peers[i].family;
		if (fuzz_peers[i].family == AF_INET) {
			inet_pton(AF_INET, fuzz_peers[i].addr, &sin->sin_addr);
			sin->sin_port = htons(fuzz_peers[i].port);
		} else {
			inet_pton(AF_INET6, fuzz_peers[i].addr,
			    &sin6->sin6_addr);
			sin6->sin6_port = htons(fuzz_peers[i].port);
		}
		for (l = 0; l < cf->nlisteners; l++) {
			rules_match(cf->rules, (struct sockaddr *)&ss, (int)l,
			    &v);
			fuzz_check(v.entry >= -1 &&
			    v.entry < (int)rules_count(cf->rules),
			    "a verdict with an entry in range");
			fuzz_check(v.entry != -1 || (v.action == RULES_ROUTE &&
			    v.class_idx == cf->default_class),
			    "the default class when no rule matches");
			fuzz_check(v.action == RULES_DENY ||
			    (v.class_idx >= 0 &&
			    (size_t)v.class_idx < cf->nclasses),
			    "a verdict with a class in range");
		}
	}
}

static void
fuzz_loaded(struct config *cf)
{
	struct config_class	*c;
	struct config_listener	*l;
	char			 buf[1024];
	size_t			 i, n, next = 0;
	int			 by;

	fuzz_check(cf->nlisteners > 0, "with a listener");
	fuzz_check(cf->nclasses > 0, "with a class");
	fuzz_check(cf->default_class >= 0 &&
	    (size_t)cf->default_class < cf->nclasses, "with a default class");
	fuzz_check(cf->rules != NULL, "with rules");
	for (i = 0; i < cf->nlisteners; i++) {
		l = &cf->listeners[i];
		fuzz_check(l->text != NULL && (l->ss.ss_family == AF_INET ||
		    l->ss.ss_family == AF_INET6),
		    "with listeners of a known family");
		fuzz_check(config_listener_find(cf, l->text) == (int)i &&
		    (l->name == NULL || config_listener_find(cf, l->name) ==
		    (int)i), "with listeners found by address and name");
	}
	for (i = 0; i < cf->nclasses; i++) {
		c = &cf->classes[i];
		fuzz_check(c->name != NULL && c->name[0] != '\0' &&
		    strlen(c->name) <= CONTRACT_MAX_NAME, "with class names");
		fuzz_check(config_class_find(cf, c->name) == (int)i,
		    "with unique class names");
		fuzz_check(c->workers >= 1 && c->workers <= CONFIG_MAX_WORKERS,
		    "with workers in range");
		fuzz_check(c->delay_ms >= 0 && c->delay_ms <= CONTRACT_MAX_DELAY_MS,
		    "with delays in range");
		fuzz_check(c->write_timeout_ms >= 0 &&
		    c->write_timeout_ms <= CONTRACT_MAX_WRITE_TIMEOUT_MS,
		    "with write timeouts in range");
		fuzz_check(c->reply != NULL &&
		    strlen(c->reply) <= CONTRACT_MAX_REPLY, "with replies");
	}
	/* Each rule as written owns the next run of ruleset entries. */
	for (i = 0; i < cf->nrules; i++) {
		fuzz_check(cf->rule_src[i].file != NULL &&
		    cf->rule_src[i].line > 0, "with rule lines");
		fuzz_check(cf->rule_src[i].first == next,
		    "with rules in ruleset order");
		fuzz_check(cf->rule_src[i].list != NULL ||
		    cf->rule_src[i].count == 1, "with one entry per rule");
		next += cf->rule_src[i].count;
	}
	n = rules_count(cf->rules);
	fuzz_check(next == n, "with every entry from a rule");
	for (i = 0; i < n; i++) {
		config_rule_describe(cf, (int)i, buf, sizeof(buf));
		fuzz_check(strncmp(buf, "rule #", 6) == 0, "describing rules");
		by = rules_shadowed(cf->rules, i);
		fuzz_check(by >= -1 && by < (int)i,
		    "shadowed by an earlier entry");
	}
	fuzz_match(cf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reports	 r;
	struct config		*cf;
	const uint8_t		*list;
	size_t			 len;

	/* libconfig would read other files; the input is all there is. */
	if (fuzz_has_include(data, size))
		return -1;
	list = memmem(data, size, FUZZ_SEP, sizeof(FUZZ_SEP) - 1);
	len = list != NULL ? (size_t)(list - data) : size;
	if (!fuzz_files_safe(data, len))
		return -1;
	if (!fuzz_ready)
		fuzz_init();
	fuzz_write(fuzz_path, data, len);
	if (list != NULL) {
		list += sizeof(FUZZ_SEP) - 1;
		fuzz_write(fuzz_list, list, size - (list - data));
	} else
		fuzz_write(fuzz_list, data, 0);

	memset(&r, 0, sizeof(r));
	cf = config_load(fuzz_path, fuzz_report, &r);
	free(r.last_file);
	if (cf == NULL) {
		if (r.errors == 0) {
			fprintf(stderr, "fuzz_config: refused without an "
			    "error\n");
			abort();
		}
		return 0;
	}
	if (r.errors != 0) {
		fprintf(stderr, "fuzz_config: loaded despite %zu errors\n",
		    r.errors);
		abort();
	}
	fuzz_loaded(cf);
	config_free(cf);
	return 0;
}

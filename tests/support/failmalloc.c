/*
 * failmalloc: an LD_PRELOAD shim that makes one allocation fail with
 * ENOMEM, so that a test can show a program survives running out of
 * memory where it says it does, without any code for it in the program.
 *
 *   FAILMALLOC_NTH=N		the Nth allocation counted fails, once
 *   FAILMALLOC_TRIGGER=PATH	counting starts only at the first allocation
 *				that finds PATH; without it, at the first
 *				allocation
 *   FAILMALLOC_SPARE=NAME	allocations called straight from a library
 *				whose file name holds NAME are not counted:
 *				one known not to check its own (libconfig 1.5
 *				uses what it fails to get), so that the
 *				test aims at the code that does
 *
 * Counted are malloc, calloc and realloc; glibc's asprintf, getline and
 * fopen allocate through them, and so do strdup and reallocarray, which
 * the shim provides because AddressSanitizer's allocate inside it: a test
 * counts the same allocations with and without it.  Each failure is told
 * on standard error as "failmalloc: allocation N (WHAT) failed"; a process
 * that ends while counting, before its Nth, says "failmalloc: M
 * allocations counted, none failed".
 *
 * With a trigger the shim removes PATH as it starts counting, so that a
 * test can tell the round began, and after the failure it watches for PATH
 * again: one process can be aimed at several times, at a reload each.  A
 * trigger file holding a number fails that allocation instead of the Nth.
 *
 * The trigger is looked for (access(2)) on every allocation while armed.
 * A check throttled by the clock would start counting wherever the clock
 * allowed, and N would name another allocation on each run; an idle daemon
 * allocates little, so the cost is a system call per allocation in tests.
 *
 * The variables, and LD_PRELOAD, are taken out of the environment once
 * read: the programs this process starts (a dispatcher's workers) run
 * untouched and do not race it for the trigger.  For single-threaded
 * programs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum failmalloc_state {
	FAILMALLOC_OFF,		/* no FAILMALLOC_NTH, or done */
	FAILMALLOC_ARMED,	/* waiting for the trigger */
	FAILMALLOC_COUNTING,
};

static enum failmalloc_state	 failmalloc_state;
static unsigned long		 failmalloc_nth, failmalloc_count;
static unsigned long		 failmalloc_round_nth;	/* this round's N */
static char			 failmalloc_trigger[4096];
static char			 failmalloc_spare[256];

static void	*(*failmalloc_real_malloc)(size_t);
static void	*(*failmalloc_real_calloc)(size_t, size_t);
static void	*(*failmalloc_real_realloc)(void *, size_t);
static void	 (*failmalloc_real_free)(void *);

/*
 * dlsym may allocate (glibc's dlerror state) before it has returned the
 * functions that could: those few blocks come from here, are never freed,
 * and are recognised by their address.
 */
static alignas(max_align_t) char	 failmalloc_boot[16384];
static size_t				 failmalloc_boot_used;
static int				 failmalloc_resolving;

static int
failmalloc_is_boot(const void *p)
{
	return (const char *)p >= failmalloc_boot &&
	    (const char *)p < failmalloc_boot + sizeof(failmalloc_boot);
}

static void *
failmalloc_boot_alloc(size_t size)
{
	size_t	align = alignof(max_align_t);
	void	*p;

	size = (size + align - 1) / align * align;
	if (size > sizeof(failmalloc_boot) - failmalloc_boot_used)
		return NULL;
	p = failmalloc_boot + failmalloc_boot_used;
	failmalloc_boot_used += size;
	return p;	/* static storage: already zero, as calloc's must be */
}

static void
failmalloc_resolve(void)
{
	if (failmalloc_real_free != NULL)
		return;
	failmalloc_resolving = 1;
	failmalloc_real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	failmalloc_real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT,
	    "calloc");
	failmalloc_real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT,
	    "realloc");
	failmalloc_real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	failmalloc_resolving = 0;
	if (failmalloc_real_malloc == NULL || failmalloc_real_calloc == NULL ||
	    failmalloc_real_realloc == NULL || failmalloc_real_free == NULL)
		abort();
}

/* A decimal number at the start of s, or 0; no library call allocates. */
static unsigned long
failmalloc_number(const char *s)
{
	unsigned long	n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (unsigned long)(*s - '0');
	return n;
}

/* Writes "failmalloc: BEFORE N AFTER" without stdio, which allocates. */
static void
failmalloc_say(const char *before, unsigned long n, const char *after)
{
	char	msg[256], digits[24];
	size_t	len, d = 0;

	do
		digits[d++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	len = 12 + strlen(before) + d + strlen(after) + 1;
	if (len > sizeof(msg))
		return;
	memcpy(msg, "failmalloc: ", 12);
	memcpy(msg + 12, before, strlen(before));
	for (len = 12 + strlen(before); d > 0; )
		msg[len++] = digits[--d];
	memcpy(msg + len, after, strlen(after));
	len += strlen(after);
	msg[len++] = '\n';
	(void)!write(STDERR_FILENO, msg, len);
}

/* The trigger is there: this round's N, and the file goes. */
static void
failmalloc_pull(void)
{
	char	text[32];
	ssize_t	n = -1;
	int	fd;

	if ((fd = open(failmalloc_trigger, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	failmalloc_round_nth = failmalloc_number(text);
	if (failmalloc_round_nth == 0)
		failmalloc_round_nth = failmalloc_nth;
	unlink(failmalloc_trigger);
	failmalloc_count = 0;
	failmalloc_state = FAILMALLOC_COUNTING;
}

/* Whether the caller, a return address, is in the library to spare. */
static int
failmalloc_spared(const void *caller)
{
	Dl_info	info;

	return failmalloc_spare[0] != '\0' && dladdr(caller, &info) != 0 &&
	    info.dli_fname != NULL &&
	    strstr(info.dli_fname, failmalloc_spare) != NULL;
}

/*
 * Whether this allocation, called from caller (a return address), is the
 * one to fail; tail ends the line that tells it.
 */
static int
failmalloc_fails(const char *tail, const void *caller)
{
	int	saved = errno;

	if (failmalloc_state == FAILMALLOC_OFF || failmalloc_spared(caller))
		return 0;
	if (failmalloc_state == FAILMALLOC_ARMED &&
	    access(failmalloc_trigger, F_OK) == 0)
		failmalloc_pull();
	errno = saved;
	if (failmalloc_state != FAILMALLOC_COUNTING ||
	    ++failmalloc_count != failmalloc_round_nth)
		return 0;
	failmalloc_state = failmalloc_trigger[0] != '\0' ? FAILMALLOC_ARMED :
	    FAILMALLOC_OFF;
	failmalloc_say("allocation ", failmalloc_count, tail);
	errno = ENOMEM;
	return 1;
}

__attribute__((constructor)) static void
failmalloc_init(void)
{
	const char	*nth = getenv("FAILMALLOC_NTH");
	const char	*trigger = getenv("FAILMALLOC_TRIGGER");
	const char	*spare = getenv("FAILMALLOC_SPARE");

	failmalloc_resolve();
	if (nth != NULL && (failmalloc_nth = failmalloc_number(nth)) > 0) {
		if (trigger != NULL && trigger[0] != '\0' &&
		    strlen(trigger) < sizeof(failmalloc_trigger)) {
			memcpy(failmalloc_trigger, trigger, strlen(trigger) + 1);
			failmalloc_state = FAILMALLOC_ARMED;
		} else {
			failmalloc_round_nth = failmalloc_nth;
			failmalloc_state = FAILMALLOC_COUNTING;
		}
		if (spare != NULL && strlen(spare) < sizeof(failmalloc_spare))
			memcpy(failmalloc_spare, spare, strlen(spare) + 1);
	}
	unsetenv("LD_PRELOAD");
	unsetenv("FAILMALLOC_NTH");
	unsetenv("FAILMALLOC_TRIGGER");
	unsetenv("FAILMALLOC_SPARE");
}

/*
 * A count that ran out before its Nth allocation is told, so that a test
 * knows how many there are to aim at.
 */
__attribute__((destructor)) static void
failmalloc_fini(void)
{
	if (failmalloc_state == FAILMALLOC_COUNTING)
		failmalloc_say("", failmalloc_count,
		    " allocations counted, none failed");
}

void *
malloc(size_t size)
{
	if (failmalloc_resolving)
		return failmalloc_boot_alloc(size);
	failmalloc_resolve();
	if (failmalloc_fails(" (malloc) failed", __builtin_return_address(0)))
		return NULL;
	return failmalloc_real_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (failmalloc_resolving)
		return size != 0 && n > sizeof(failmalloc_boot) / size ? NULL :
		    failmalloc_boot_alloc(n * size);
	failmalloc_resolve();
	if (failmalloc_fails(" (calloc) failed", __builtin_return_address(0)))
		return NULL;
	return failmalloc_real_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
	size_t	 held;
	void	*q;

	if (!failmalloc_resolving) {
		failmalloc_resolve();
		if (failmalloc_fails(" (realloc) failed",
		    __builtin_return_address(0)))
			return NULL;
		if (!failmalloc_is_boot(p))
			return failmalloc_real_realloc(p, size);
	}
	/* A boot block's size is not kept: copy what can follow it. */
	q = failmalloc_resolving ? failmalloc_boot_alloc(size) :
	    failmalloc_real_malloc(size);
	if (q != NULL && p != NULL) {
		held = (size_t)(failmalloc_boot + sizeof(failmalloc_boot) -
		    (char *)p);
		memcpy(q, p, size < held ? size : held);
	}
	return q;
}

void
free(void *p)
{
	if (p == NULL || failmalloc_is_boot(p))
		return;
	failmalloc_resolve();
	failmalloc_real_free(p);
}

char *
strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*p;

	if ((p = malloc(len)) != NULL)
		memcpy(p, s, len);
	return p;
}

void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

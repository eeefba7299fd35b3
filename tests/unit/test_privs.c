/*
 * The privilege drop, in a child of the test that starts as root: after
 * privs_drop root cannot be had back, and where the kernel would let it
 * be (securebits inherited from whoever started us), privs_drop refuses
 * to run instead of going on.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <linux/securebits.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privs.h"

/* What the child found wrong, as its exit status (below EXIT_USAGE). */
enum {
	BAD_SETUID = 1,		/* setuid(0) succeeded */
	BAD_SETRESUID,		/* setresuid(0, 0, 0) succeeded */
	BAD_STATUS,		/* /proc/self/status says otherwise */
};

static struct config	test_cf;
static int		test_in_child;

/*
 * LeakSanitizer's hook, in the sanitizer build: off in the children.
 * Its check at exit fails to stop the threads of a child whose drop
 * privs_drop refused (a report that its threads were not suspended,
 * which a child that is nobody cannot even write to the log), and a
 * child only holds what its parent does.
 */
int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return test_in_child;
}

static void
setup(void)
{
	struct passwd	*pw;
	struct group	*gr;

	if (geteuid() != 0)
		cr_skip_test("the drop needs root");
	cr_assert_not_null(pw = getpwnam("nobody"));
	cr_assert_not_null(gr = getgrnam("nogroup"));
	test_cf.path = (char *)SOURCE_DIR "/etc/rules.cfg";
	test_cf.user = (char *)"nobody";
	test_cf.uid = pw->pw_uid;
	test_cf.gid = gr->gr_gid;
}

TestSuite(privs, .init = setup);

/* Whether /proc/self/status has this line. */
static int
status_has(const char *want)
{
	FILE	*fp;
	char	 line[256];
	int	 found = 0;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strcmp(line, want) == 0;
	fclose(fp);
	return found;
}

/*
 * Runs privs_drop in a child after setting securebits (0: none), then
 * checks what root could do; returns the child's wait status.  The child
 * leaves by _exit, as a process that changed its user cannot run the
 * leak checker's exit handler.
 */
static int
drop_in_child(int securebits)
{
	char	want[128];
	pid_t	pid;
	int	status;

	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		test_in_child = 1;
		if (securebits != 0 &&
		    prctl(PR_SET_SECUREBITS, securebits, 0, 0, 0) == -1)
			_exit(EXIT_OSERR);
		privs_drop(&test_cf);
		if (setuid(0) != -1)
			_exit(BAD_SETUID);
		if (setresuid(0, 0, 0) != -1)
			_exit(BAD_SETRESUID);
		snprintf(want, sizeof(want), "Uid:\t%u\t%u\t%u\t%u\n",
		    test_cf.uid, test_cf.uid, test_cf.uid, test_cf.uid);
		if (!status_has(want) || !status_has("NoNewPrivs:\t1\n") ||
		    !status_has("CapEff:\t0000000000000000\n"))
			_exit(BAD_STATUS);
		snprintf(want, sizeof(want), "Groups:\t%u \n", test_cf.gid);
		_exit(status_has(want) ? 0 : BAD_STATUS);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

Test(privs, drop_leaves_no_way_back_to_root)
{
	int	status = drop_in_child(0);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the child found status %d", status);
}

/* With this bit setresuid keeps every capability: setuid(0) would work. */
Test(privs, drop_refuses_to_run_when_root_can_be_had_back)
{
	int	status = drop_in_child(SECBIT_NO_SETUID_FIXUP);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SOFTWARE,
	    "privs_drop went on (child status %d)", status);
}

/* With this one it keeps the permitted ones, which capset would raise. */
Test(privs, drop_refuses_to_run_with_capabilities_left)
{
	int	status = drop_in_child(SECBIT_KEEP_CAPS);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SOFTWARE,
	    "privs_drop went on (child status %d)", status);
}

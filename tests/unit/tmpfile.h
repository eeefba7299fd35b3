/* Temporary files for the unit tests: configurations and lists. */
#ifndef TEST_TMPFILE_H
#define TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

/*
 * A new file named after the template ("/tmp/name.XXXXXX"), whose name
 * goes into path (as large as the template), open for writing.
 */
static inline FILE *
test_tmpfile(char *path, const char *template)
{
	FILE	*fp;
	int	 fd;

	strcpy(path, template);
	cr_assert_neq(fd = mkstemp(path), -1, "mkstemp %s", template);
	cr_assert_not_null(fp = fdopen(fd, "w"));
	return fp;
}

/* The same, holding text, and closed. */
static inline void
test_tmpfile_write(char *path, const char *template, const char *text)
{
	FILE	*fp = test_tmpfile(path, template);

	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

#endif

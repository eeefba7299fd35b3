/*
 * A configuration for the unit tests, written to a temporary file and
 * loaded as the dispatcher loads its own.
 */
#ifndef TEST_LOAD_H
#define TEST_LOAD_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "config.h"
#include "tmpfile.h"

/*
 * Loads text from a file named after the template (into path, as large
 * as the template), removed once read; what config_load reports, errors
 * and warnings, replaces *errors (free it).  Returns what config_load
 * does.
 */
static inline struct config *
test_load(char *path, const char *template, const char *text, char **errors)
{
	struct config	*cf;
	FILE		*errs;
	size_t		 len;

	test_tmpfile_write(path, template, text);
	free(*errors);
	*errors = NULL;
	cr_assert_not_null(errs = open_memstream(errors, &len));
	cf = config_load(path, config_report_print, errs);
	fclose(errs);
	unlink(path);
	return cf;
}

#endif

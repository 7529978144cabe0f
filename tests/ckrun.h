/*
 * ckrun: the one way every unit suite runs.  CK_ENV lets CK_RUN_CASE,
 * CK_VERBOSITY and CK_FORK choose from the environment (Check's manual,
 * "Selective running of tests"); the status is what make check reads.
 */
#ifndef TLSMAIL_CKRUN_H
#define TLSMAIL_CKRUN_H

#include <check.h>
#include <stdlib.h>

static inline int
ck_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

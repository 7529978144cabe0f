/* The exit-status table: every failure class and the reply codes that
 * lead to it, as the man page's EXIT STATUS section promises. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <sysexits.h>

#include "exitcode.h"
#include "smtp.h"
#include "ckrun.h"

static int
code_for(enum err_class cls)
{
	struct err e;

	err_clear(&e);
	e.cls = cls;
	return exitcode_of(&e);
}

static int
code_for_reply(enum err_step step, int reply)
{
	struct err e;

	err_clear(&e);
	e.cls = smtp_reply_class(step, reply);
	return exitcode_of(&e);
}

START_TEST(classes)
{
	ck_assert_int_eq(code_for(ERR_NONE), 0);
	ck_assert_int_eq(code_for(ERR_USAGE), EX_USAGE);
	ck_assert_int_eq(code_for(ERR_DATA), EX_DATAERR);
	ck_assert_int_eq(code_for(ERR_NOINPUT), EX_NOINPUT);
	ck_assert_int_eq(code_for(ERR_CONFIG), EX_CONFIG);
	ck_assert_int_eq(code_for(ERR_NOHOST), EX_NOHOST);
	ck_assert_int_eq(code_for(ERR_TEMP), EX_TEMPFAIL);
	ck_assert_int_eq(code_for(ERR_UNAVAILABLE), EX_UNAVAILABLE);
	ck_assert_int_eq(code_for(ERR_SECURITY), EX_UNAVAILABLE);
	ck_assert_int_eq(code_for(ERR_PROTOCOL), EX_PROTOCOL);
	ck_assert_int_eq(code_for(ERR_AUTH), EX_NOPERM);
	ck_assert_int_eq(code_for(ERR_OS), EX_OSERR);
	ck_assert_int_eq(code_for(ERR_INTERNAL), EX_SOFTWARE);
}
END_TEST

START_TEST(temporary_replies_retry)
{
	/* Every 4xx, at every step, is EX_TEMPFAIL so callers retry. */
	enum err_step steps[] = { STEP_GREETING, STEP_EHLO, STEP_STARTTLS,
		STEP_AUTH, STEP_MAIL, STEP_RCPT, STEP_DATA };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ck_assert_int_eq(code_for_reply(steps[i], 421), EX_TEMPFAIL);
		ck_assert_int_eq(code_for_reply(steps[i], 451), EX_TEMPFAIL);
		ck_assert_int_eq(code_for_reply(steps[i], 454), EX_TEMPFAIL);
	}
}
END_TEST

START_TEST(permanent_replies)
{
	ck_assert_int_eq(code_for_reply(STEP_MAIL, 550), EX_DATAERR);
	ck_assert_int_eq(code_for_reply(STEP_RCPT, 550), EX_DATAERR);
	ck_assert_int_eq(code_for_reply(STEP_RCPT, 553), EX_DATAERR);
	ck_assert_int_eq(code_for_reply(STEP_DATA, 554), EX_DATAERR);
	ck_assert_int_eq(code_for_reply(STEP_AUTH, 535), EX_NOPERM);
	ck_assert_int_eq(code_for_reply(STEP_GREETING, 554), EX_UNAVAILABLE);
	ck_assert_int_eq(code_for_reply(STEP_EHLO, 502), EX_UNAVAILABLE);
	ck_assert_int_eq(code_for_reply(STEP_STARTTLS, 502),
	    EX_UNAVAILABLE);
}
END_TEST

START_TEST(unexpected_codes_are_protocol_errors)
{
	/* a 2xx or 3xx where a refusal is being classified is a violation */
	ck_assert_int_eq(code_for_reply(STEP_DATA, 250), EX_PROTOCOL);
	ck_assert_int_eq(code_for_reply(STEP_MAIL, 354), EX_PROTOCOL);
}
END_TEST

static Suite *
exitcode_suite(void)
{
	Suite *s = suite_create("exitcode");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, classes);
	tcase_add_test(tc, temporary_replies_retry);
	tcase_add_test(tc, permanent_replies);
	tcase_add_test(tc, unexpected_codes_are_protocol_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(exitcode_suite());
}

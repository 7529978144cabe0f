/*
 * Check suite for dsn: the RFC 3461 parameter values from plan's words,
 * xtext byte for byte, and the words that are refused.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "ckrun.h"

static struct err e;

static void
setup(void)
{
	err_clear(&e);
}

START_TEST(test_xtext)
{
	char *x;

	x = dsn_xtext("plain-id.1@host");
	ck_assert_str_eq(x, "plain-id.1@host");
	free(x);
	/* section 4: '+', '=' and everything outside 33..126 */
	x = dsn_xtext("a+b=c d\x01~\x7f\xc3\xa9");
	ck_assert_str_eq(x, "a+2Bb+3Dc+20d+01~+7F+C3+A9");
	free(x);
	x = dsn_xtext("");
	ck_assert_str_eq(x, "");
	free(x);
}
END_TEST

static void
build_is(const char *notify, const char *ret, const char *envid,
    const char *wn, const char *wr, const char *we)
{
	struct dsn d;

	ck_assert_msg(dsn_build(&d, notify, ret, envid, &e) == 0, "%s", e.msg);
	if (wn)
		ck_assert_str_eq(d.notify, wn);
	else
		ck_assert_ptr_null(d.notify);
	if (wr)
		ck_assert_str_eq(d.ret, wr);
	else
		ck_assert_ptr_null(d.ret);
	if (we)
		ck_assert_str_eq(d.envid, we);
	else
		ck_assert_ptr_null(d.envid);
	ck_assert(dsn_requested(&d) == (wn || wr || we));
	dsn_free(&d);
}

START_TEST(test_build)
{
	build_is(NULL, NULL, NULL, NULL, NULL, NULL);
	build_is("never", NULL, NULL, "NEVER", NULL, NULL);
	build_is("NEVER", NULL, NULL, "NEVER", NULL, NULL);
	build_is("success,failure", NULL, NULL, "SUCCESS,FAILURE", NULL, NULL);
	/* the order of section 4.1, whatever the order given */
	build_is("delay,Failure,success", NULL, NULL, "SUCCESS,FAILURE,DELAY",
	    NULL, NULL);
	build_is(NULL, "full", NULL, NULL, "FULL", NULL);
	build_is(NULL, "headers", NULL, NULL, "HDRS", NULL);
	build_is(NULL, "hdrs", NULL, NULL, "HDRS", NULL);
	build_is("failure", "hdrs", "job42+x=y", "FAILURE", "HDRS",
	    "job42+2Bx+3Dy");
}
END_TEST

static void
build_refused(const char *notify, const char *ret, const char *envid)
{
	struct dsn d;

	ck_assert_int_eq(dsn_build(&d, notify, ret, envid, &e), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert(!dsn_requested(&d));
	err_clear(&e);
}

START_TEST(test_refused)
{
	char big[102];

	build_refused("sometimes", NULL, NULL);
	build_refused("never,failure", NULL, NULL);
	build_refused("failure,failure", NULL, NULL);
	build_refused("failure,", NULL, NULL);
	build_refused("", NULL, NULL);
	build_refused(NULL, "body", NULL);
	build_refused("failure", "full", "tab\there");
	build_refused(NULL, NULL, "job 42");
	build_refused(NULL, NULL, "caf\xc3\xa9");
	memset(big, 'x', 101);
	big[101] = '\0';
	build_refused(NULL, NULL, big);
	big[100] = '\0';
	build_is(NULL, NULL, big, NULL, NULL, big);
}
END_TEST

static Suite *
dsn_suite(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_xtext);
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(dsn_suite());
}

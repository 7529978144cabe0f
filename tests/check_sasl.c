/* SASL client mechanisms against the RFCs' own examples. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

static struct err e;

START_TEST(plain_rfc4616)
{
	/* RFC 4616 section 4: authcid "tim", password "tanstaaftanstaaf" */
	struct sasl_cred c = { NULL, "tim", "tanstaaftanstaaf" };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "PLAIN", &c, &ir, &e), 0);
	ck_assert_str_eq(ir, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	ck_assert(sasl_one_step(&s));
	ck_assert_str_eq(sasl_name(&s), "PLAIN");
	sasl_wipe(ir);
}
END_TEST

START_TEST(plain_rfc4954)
{
	/* RFC 4954 section 4 example: "test\0test\01234" */
	struct sasl_cred c = { "test", "test", "1234" };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "plain", &c, &ir, &e), 0);
	ck_assert_str_eq(ir, "dGVzdAB0ZXN0ADEyMzQ=");
	sasl_wipe(ir);
}
END_TEST

START_TEST(plain_second_challenge_refused)
{
	struct sasl_cred c = { NULL, "u", "p" };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "PLAIN", &c, &ir, &e), 0);
	sasl_wipe(ir);
	ck_assert_int_eq(sasl_step(&s, "", 0, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

START_TEST(login_exchange)
{
	struct sasl_cred c = { NULL, "alice", "s3cret" };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "LOGIN", &c, &ir, &e), 0);
	ck_assert_ptr_null(ir);
	ck_assert(!sasl_one_step(&s));
	/* "Username:" */
	ck_assert_int_eq(sasl_step(&s, "VXNlcm5hbWU6", 12, &resp, &e), 0);
	ck_assert_str_eq(resp, "YWxpY2U=");
	sasl_wipe(resp);
	/* "Password:" */
	ck_assert_int_eq(sasl_step(&s, "UGFzc3dvcmQ6", 12, &resp, &e), 0);
	ck_assert_str_eq(resp, "czNjcmV0");
	sasl_wipe(resp);
	ck_assert_int_eq(sasl_step(&s, "UGFzc3dvcmQ6", 12, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

START_TEST(bad_base64_challenge)
{
	struct sasl_cred c = { NULL, "alice", "s3cret" };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "LOGIN", &c, &ir, &e), 0);
	ck_assert_int_eq(sasl_step(&s, "!!!not base64", 13, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_null(resp);
}
END_TEST

START_TEST(choose_auto_prefers_plain)
{
	ck_assert_str_eq(sasl_choose("LOGIN PLAIN", NULL, &e), "PLAIN");
	ck_assert_str_eq(sasl_choose("login", "on", &e), "LOGIN");
	ck_assert_str_eq(sasl_choose("CRAM-MD5 LOGIN", NULL, &e), "LOGIN");
}
END_TEST

START_TEST(choose_none_in_common)
{
	ck_assert_ptr_null(sasl_choose("CRAM-MD5 GSSAPI", NULL, &e));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(e.msg, "CRAM-MD5 GSSAPI"));
}
END_TEST

START_TEST(choose_explicit)
{
	ck_assert_str_eq(sasl_choose("PLAIN LOGIN", "login", &e), "LOGIN");
	ck_assert_ptr_null(sasl_choose("PLAIN", "LOGIN", &e));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_null(sasl_choose("PLAIN", "NTLM", &e));
	ck_assert_int_eq(e.cls, ERR_USAGE);
	/* a prefix of an offered name is not that name */
	ck_assert_ptr_null(sasl_choose("PLAINX LOGINY", NULL, &e));
}
END_TEST

static Suite *
sasl_suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *mech = tcase_create("mechanisms"), *ch = tcase_create("choice");

	tcase_add_test(mech, plain_rfc4616);
	tcase_add_test(mech, plain_rfc4954);
	tcase_add_test(mech, plain_second_challenge_refused);
	tcase_add_test(mech, login_exchange);
	tcase_add_test(mech, bad_base64_challenge);
	tcase_add_test(ch, choose_auto_prefers_plain);
	tcase_add_test(ch, choose_none_in_common);
	tcase_add_test(ch, choose_explicit);
	suite_add_tcase(s, mech);
	suite_add_tcase(s, ch);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sasl_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

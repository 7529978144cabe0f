/*
 * Check suite for idn: domains in U-labels to A-labels (IDNA2008 with
 * UTS #46 non-transitional mapping), addresses that need no change kept
 * byte for byte, and the refusals: a UTF-8 local part without SMTPUTF8,
 * labels IDNA2008 disallows, bytes that are not UTF-8, labels too long.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "ckrun.h"

static struct err e;

static void
setup(void)
{
	err_clear(&e);
}

static void
ascii_is(const char *in, const char *want)
{
	char *out;

	ck_assert_msg(idn_addr_ascii(in, &out, &e) == 0, "%s: %s", in, e.msg);
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(idn_addr_check(in, &e), 0);
}

static void
ascii_refused(const char *in, const char *why)
{
	char *out = (char *)"unset";

	ck_assert_int_eq(idn_addr_ascii(in, &out, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_msg(strstr(e.msg, why) != NULL, "\"%s\" not in \"%s\"", why,
	    e.msg);
	err_clear(&e);
}

START_TEST(test_unchanged)
{
	ascii_is("a@example.org", "a@example.org");
	ascii_is("A.B+c@Example.ORG", "A.B+c@Example.ORG");
	ascii_is("a@xn--bcher-kva.example", "a@xn--bcher-kva.example");
	ascii_is("root", "root");
	ascii_is("a@[192.0.2.1]", "a@[192.0.2.1]");
	ascii_is("\"a@b c\"@example.org", "\"a@b c\"@example.org");
	ascii_is("", "");
	ck_assert(idn_is_ascii("a@b.c"));
	ck_assert(!idn_is_ascii("a@\xc3\xa9.c"));
}
END_TEST

START_TEST(test_a_labels)
{
	ascii_is("a@b\xc3\xbc" "cher.example", "a@xn--bcher-kva.example");
	/* UTS #46 maps case before IDNA2008 */
	ascii_is("a@B\xc3\x9c" "CHER.example", "a@xn--bcher-kva.example");
	/* non-transitional: sharp s is kept, not "ss" (IDNA2003) */
	ascii_is("a@fa\xc3\x9f.de", "a@xn--fa-hia.de");
	/* every label on its own; a quoted local part with '@' */
	ascii_is("\"x@y\"@m\xc3\xbcnchen.b\xc3\xbc" "cher.example",
	    "\"x@y\"@xn--mnchen-3ya.xn--bcher-kva.example");
	ascii_is("a@\xe4\xbe\x8b\xe5\xad\x90.\xe6\xb5\x8b\xe8\xaf\x95",
	    "a@xn--fsqu00a.xn--0zwm56d");
}
END_TEST

START_TEST(test_refused)
{
	ascii_refused("j\xc3\xb6rg@example.org", "SMTPUTF8");
	ascii_refused("\"j\xc3\xb6rg\"@example.org", "SMTPUTF8");
	/* a symbol IDNA2008 disallows */
	ascii_refused("a@i\xe2\x99\xa5.example", "not a valid "
	    "internationalised domain name");
	/* not UTF-8 */
	ascii_refused("a@\xff.example", "not a valid internationalised");
	/* 64 characters in one label once encoded */
	ascii_refused("a@\xc3\xa9" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaa.example", "not a valid internationalised");
	ck_assert_int_eq(idn_addr_check("j\xc3\xb6rg@example.org", &e), 0);
	ck_assert_int_eq(idn_addr_check("a@i\xe2\x99\xa5.example", &e), -1);
	ck_assert_int_eq(e.cls, ERR_DATA);
}
END_TEST

static Suite *
idn_suite(void)
{
	Suite *s = suite_create("idn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_unchanged);
	tcase_add_test(tc, test_a_labels);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(idn_suite());
}

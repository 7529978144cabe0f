/*
 * Check suite for fit: for each combination of what the server offers
 * (8BITMIME, SMTPUTF8, DSN) and what the message and envelope need, the
 * MAIL/RCPT parameters and addresses smtp gets, the message converted or
 * not, and the errors with their classes (ERR_UNAVAILABLE for DSN not
 * offered, ERR_DATA for what cannot be expressed).
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fit.h"
#include "ckrun.h"

static struct err e;
static struct fit f;
static struct smtp_msg m;
static struct msg *msg;

static void
msg_of(const char *data)
{
	struct msg_opts o = { .read_rcpts = false };
	FILE *t = tmpfile();

	ck_assert_ptr_nonnull(t);
	fputs(data, t);
	ck_assert_int_eq(fflush(t), 0);
	ck_assert_int_eq(lseek(fileno(t), 0, SEEK_SET), 0);
	ck_assert_int_eq(msg_read(&msg, fileno(t), &o, &e), 0);
	fclose(t);
}

static void
setup(void)
{
	err_clear(&e);
	memset(&m, 0, sizeof(m));
	msg = NULL;
}

static void
teardown(void)
{
	fit_free(&f);
	msg_free(msg);
}

static const char *rcpt_ascii[] = { "b@example.net", "c@example.net" };
static const char *rcpt_idn[] = { "b@b\xc3\xbc" "cher.example" };
static const char *rcpt_utf8[] = { "j\xc3\xb6rg@b\xc3\xbc" "cher.example" };

static int
apply(const struct fit_conf *c, unsigned caps, const char *from,
    const char **rcpts, size_t n)
{
	return fit_apply(&f, c, caps, msg, from, rcpts, n, &m, &e);
}

START_TEST(test_plain)
{
	struct fit_conf c = { 0 };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_DSN | SMTP_CAP_SMTPUTF8 |
	    SMTP_CAP_8BITMIME, "a@example.org", rcpt_ascii, 2), 0);
	ck_assert_str_eq(m.from, "a@example.org");
	ck_assert_uint_eq(m.nrcpt, 2);
	ck_assert_str_eq(m.rcpts[1], "c@example.net");
	ck_assert(!m.smtputf8 && !m.eightbit && !f.converted);
	ck_assert_ptr_null(m.dsn_notify);
	ck_assert_ptr_null(m.dsn_ret);
	ck_assert_ptr_null(m.dsn_envid);
	ck_assert_uint_eq(m.size, msg_size(msg));
}
END_TEST

START_TEST(test_dsn)
{
	struct fit_conf c = { .dsn_notify = "failure,delay",
		.dsn_return = "headers", .dsn_envid = "id+1" };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_DSN, "a@example.org", rcpt_ascii,
	    1), 0);
	ck_assert_str_eq(m.dsn_notify, "FAILURE,DELAY");
	ck_assert_str_eq(m.dsn_ret, "HDRS");
	ck_assert_str_eq(m.dsn_envid, "id+2B1");
}
END_TEST

START_TEST(test_dsn_not_offered)
{
	struct fit_conf c = { .dsn_return = "full" };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME | SMTP_CAP_SMTPUTF8,
	    "a@example.org", rcpt_ascii, 1), -1);
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_int_eq(e.step, STEP_MAIL);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not offer DSN"));
	ck_assert_ptr_null(m.from);
}
END_TEST

START_TEST(test_idn_without_smtputf8)
{
	struct fit_conf c = { 0 };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME, "a@m\xc3\xbcnchen.example",
	    rcpt_idn, 1), 0);
	ck_assert(!m.smtputf8);
	ck_assert_str_eq(m.from, "a@xn--mnchen-3ya.example");
	ck_assert_str_eq(m.rcpts[0], "b@xn--bcher-kva.example");
}
END_TEST

START_TEST(test_utf8_local_without_smtputf8)
{
	struct fit_conf c = { 0 };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME, "a@example.org",
	    rcpt_utf8, 1), -1);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_int_eq(e.step, STEP_RCPT);
	ck_assert_ptr_nonnull(strstr(e.msg, "SMTPUTF8"));
}
END_TEST

START_TEST(test_smtputf8)
{
	struct fit_conf c = { 0 };

	msg_of("Subject: s\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME | SMTP_CAP_SMTPUTF8,
	    "a@example.org", rcpt_utf8, 1), 0);
	ck_assert(m.smtputf8);
	ck_assert_str_eq(m.rcpts[0], rcpt_utf8[0]);
	fit_free(&f);
	/* an invalid U-label is refused even so */
	{
		const char *bad[] = { "a@i\xe2\x99\xa5.example" };

		ck_assert_int_eq(apply(&c, SMTP_CAP_SMTPUTF8, "a@example.org",
		    bad, 1), -1);
		ck_assert_int_eq(e.cls, ERR_DATA);
	}
}
END_TEST

START_TEST(test_utf8_header)
{
	struct fit_conf c = { 0 };

	/* RFC 6532 header fields: SMTPUTF8 when offered */
	msg_of("Subject: caf\xc3\xa9\n\nbody\n");
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME | SMTP_CAP_SMTPUTF8,
	    "a@example.org", rcpt_ascii, 1), 0);
	ck_assert(m.smtputf8 && m.eightbit && !f.converted);
	fit_free(&f);
	/* with 8BITMIME only, sent as it is, without the parameter */
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME, "a@example.org",
	    rcpt_ascii, 1), 0);
	ck_assert(!m.smtputf8 && m.eightbit && !f.converted);
	fit_free(&f);
	/* with neither, it cannot be sent */
	ck_assert_int_eq(apply(&c, 0, "a@example.org", rcpt_ascii, 1), -1);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_ptr_nonnull(strstr(e.msg, "header"));
}
END_TEST

START_TEST(test_8bit_body)
{
	struct fit_conf c = { 0 };
	size_t before;

	msg_of("Subject: s\n\ncaf\xc3\xa9\n");
	before = msg_size(msg);
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME, "a@example.org",
	    rcpt_ascii, 1), 0);
	ck_assert(m.eightbit && !f.converted);
	ck_assert_uint_eq(m.size, before);
	fit_free(&f);
	/* -B7BIT: converted although 8BITMIME is offered */
	c.seven_bit = true;
	ck_assert_int_eq(apply(&c, SMTP_CAP_8BITMIME, "a@example.org",
	    rcpt_ascii, 1), 0);
	ck_assert(!m.eightbit && f.converted);
	ck_assert_uint_eq(m.size, msg_size(msg));
	ck_assert_uint_gt(m.size, before);
}
END_TEST

static Suite *
fit_suite(void)
{
	Suite *s = suite_create("fit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_dsn);
	tcase_add_test(tc, test_dsn_not_offered);
	tcase_add_test(tc, test_idn_without_smtputf8);
	tcase_add_test(tc, test_utf8_local_without_smtputf8);
	tcase_add_test(tc, test_smtputf8);
	tcase_add_test(tc, test_utf8_header);
	tcase_add_test(tc, test_8bit_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(fit_suite());
}

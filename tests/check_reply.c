/* Reply parser: RFC 5321 section 4.2 syntax, and the caps that keep a
 * hostile server from growing the client without bound. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "ckrun.h"

static struct reply r;
static struct err e;

static void
setup(void)
{
	reply_init(&r);
	err_clear(&e);
}

static void
teardown(void)
{
	reply_free(&r);
}

static int
feed(const char *line)
{
	return reply_feed(&r, line, strlen(line), STEP_EHLO, &e);
}

START_TEST(single_line)
{
	ck_assert_int_eq(feed("250 2.0.0 Ok: queued as ABC"), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.text, "2.0.0 Ok: queued as ABC");
	ck_assert_uint_eq(r.nlines, 1);
}
END_TEST

START_TEST(multi_line)
{
	const char *l;
	size_t len;

	ck_assert_int_eq(feed("250-mail.example.org"), 0);
	ck_assert_int_eq(feed("250-PIPELINING"), 0);
	ck_assert_int_eq(feed("250-SIZE 1000"), 0);
	ck_assert_int_eq(feed("250 AUTH PLAIN LOGIN"), 1);
	ck_assert_str_eq(r.text,
	    "mail.example.org\nPIPELINING\nSIZE 1000\nAUTH PLAIN LOGIN");
	l = reply_line(&r, 2, &len);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq((int)len, 9);
	ck_assert_int_eq(memcmp(l, "SIZE 1000", 9), 0);
	l = reply_line(&r, 3, &len);
	ck_assert_int_eq((int)len, 16);
	ck_assert_ptr_null(reply_line(&r, 4, &len));
}
END_TEST

START_TEST(bare_code)
{
	/* "250" with no text is a valid last line. */
	ck_assert_int_eq(feed("250-first"), 0);
	ck_assert_int_eq(feed("250"), 1);
	ck_assert_str_eq(r.text, "first\n");
	ck_assert_uint_eq(r.nlines, 2);
}
END_TEST

START_TEST(reset_keeps_nothing)
{
	ck_assert_int_eq(feed("354 go"), 1);
	reply_reset(&r);
	ck_assert_int_eq(feed("250 ok"), 1);
	ck_assert_str_eq(r.text, "ok");
	ck_assert_uint_eq(r.nlines, 1);
}
END_TEST

START_TEST(no_code)
{
	ck_assert_int_eq(feed("hello there"), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an SMTP reply"));
}
END_TEST

START_TEST(code_out_of_range)
{
	/* RFC 5321 4.2: first digit 2-5, second 0-5 */
	ck_assert_int_eq(feed("199 nope"), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	reply_reset(&r);
	ck_assert_int_eq(feed("600 nope"), -1);
	reply_reset(&r);
	ck_assert_int_eq(feed("260 nope"), -1);
	reply_reset(&r);
	ck_assert_int_eq(feed("25"), -1);
	reply_reset(&r);
	ck_assert_int_eq(feed(""), -1);
}
END_TEST

START_TEST(bad_separator)
{
	ck_assert_int_eq(feed("250xPIPELINING"), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

START_TEST(codes_disagree)
{
	ck_assert_int_eq(feed("250-one"), 0);
	ck_assert_int_eq(feed("550 two"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "disagree"));
}
END_TEST

START_TEST(line_too_long)
{
	size_t n = REPLY_LINE_MAX + 1;
	char *l = malloc(n);

	memset(l, 'x', n);
	memcpy(l, "250 ", 4);
	ck_assert_int_eq(reply_feed(&r, l, n, STEP_DATA, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_int_eq(e.step, STEP_DATA);
	/* exactly at the cap is fine */
	ck_assert_int_eq(reply_feed(&r, l, n - 1, STEP_DATA, &e), 1);
	free(l);
}
END_TEST

START_TEST(too_many_lines)
{
	int i;

	for (i = 0; i < REPLY_LINES_MAX; i++)
		ck_assert_int_eq(feed("250-x"), 0);
	ck_assert_int_eq(feed("250-x"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "lines"));
}
END_TEST

START_TEST(nul_in_text_kept)
{
	/* NUL is kept in the text (report escapes it); length is exact. */
	ck_assert_int_eq(reply_feed(&r, "250 a\0b", 7, STEP_MAIL, &e), 1);
	ck_assert_uint_eq(r.len, 3);
	ck_assert_int_eq(memcmp(r.text, "a\0b", 3), 0);
}
END_TEST

static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(core, single_line);
	tcase_add_test(core, multi_line);
	tcase_add_test(core, bare_code);
	tcase_add_test(core, reset_keeps_nothing);
	tcase_add_test(lim, no_code);
	tcase_add_test(lim, code_out_of_range);
	tcase_add_test(lim, bad_separator);
	tcase_add_test(lim, codes_disagree);
	tcase_add_test(lim, line_too_long);
	tcase_add_test(lim, too_many_lines);
	tcase_add_test(lim, nul_in_text_kept);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	return ck_run(reply_suite());
}

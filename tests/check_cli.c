/* Command line: option names scripts rely on, sendmail's habits, and the
 * rules plan_build settles (defaults, TLS/port ties, no password in argv,
 * no AUTH in clear without asking twice). */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plan.h"
#include "ckargv.h"
#include "ckrun.h"

/* The fixture's state (ckargv.h), by the names the tests use. */
static struct options *const o = &ckargv_opts;
static struct plan *const p = &ckargv_plan;
static struct err *const e = &ckargv_err;

#define PARSE CKARGV_PARSE

START_TEST(basic_send)
{
	ck_assert_int_eq(PARSE("--host", "mx.example.org", "-f", "a@b.org",
	    "--user", "alice", "--password-file", "/x", "bob@c.org",
	    "carol@d.org"), 0);
	ck_assert_str_eq(o->host, "mx.example.org");
	ck_assert_str_eq(o->from, "a@b.org");
	ck_assert_uint_eq(o->nrcpt, 2);
	ck_assert_str_eq(o->rcpts[1], "carol@d.org");
	ck_assert_int_eq(plan_build(p, o, e), 0);
	ck_assert_int_eq(p->tls, PLAN_TLS_STARTTLS);
	ck_assert_uint_eq(p->port, 587);
	ck_assert_int_eq(p->pw_source, PLAN_PW_FILE);
	ck_assert_int_eq(p->timeout, PLAN_TIMEOUT_DEFAULT);
}
END_TEST

START_TEST(port_465_implies_implicit)
{
	ck_assert_int_eq(PARSE("--host", "h", "--port", "465", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
	ck_assert_int_eq(p->tls, PLAN_TLS_IMPLICIT);
	plan_free(p);
	ck_assert_int_eq(PARSE("--host", "h", "--tls=implicit", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
	ck_assert_uint_eq(p->port, 465);
	plan_free(p);
	/* an explicit mode wins over the port's habit */
	ck_assert_int_eq(PARSE("--host", "h", "--port", "465", "--tls",
	    "starttls", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
	ck_assert_int_eq(p->tls, PLAN_TLS_STARTTLS);
}
END_TEST

START_TEST(sendmail_habits)
{
	ck_assert_int_eq(PARSE("--host", "h", "-oi", "-i", "-t", "-v"), 0);
	ck_assert(o->read_rcpts);
	ck_assert_int_eq(o->verbose, 1);
	ck_assert_uint_eq(o->nrcpt, 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
}
END_TEST

START_TEST(recipient_after_double_dash)
{
	ck_assert_int_eq(PARSE("--host", "h", "--", "-odd@x.org"), 0);
	ck_assert_uint_eq(o->nrcpt, 1);
	ck_assert_str_eq(o->rcpts[0], "-odd@x.org");
}
END_TEST

START_TEST(unknown_option)
{
	ck_assert_int_eq(PARSE("--host", "h", "--bogus", "r@x"), -1);
	ck_assert_int_eq(e->cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e->msg, "--bogus"));
	ck_assert_int_eq(PARSE("-Z", "r@x"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "-Z"));
	ck_assert_int_eq(PARSE("-oX"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "-oX"));
}
END_TEST

START_TEST(bad_values)
{
	ck_assert_int_eq(PARSE("--port", "0"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "--port"));
	ck_assert_int_eq(PARSE("--port", "70000"), -1);
	ck_assert_int_eq(PARSE("--port", "25x"), -1);
	ck_assert_int_eq(PARSE("--tls=maybe"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "starttls, implicit or off"));
	ck_assert_int_eq(PARSE("--timeout", "-1"), -1);
	ck_assert_int_eq(PARSE("--tls-verify=perhaps"), -1);
	ck_assert_int_eq(PARSE("--host"), -1);
}
END_TEST

START_TEST(no_host_no_rcpt)
{
	ck_assert_int_eq(PARSE("r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "--host"));
	ck_assert_int_eq(PARSE("--host", "h"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "no recipients"));
}
END_TEST

START_TEST(no_plaintext_auth_without_optin)
{
	ck_assert_int_eq(PARSE("--host", "h", "--tls=off", "--user", "u",
	    "--password-env", "P", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_int_eq(e->cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e->hint, "--allow-plaintext-auth"));
	ck_assert_int_eq(PARSE("--host", "h", "--tls=off", "--user", "u",
	    "--password-env", "P", "--allow-plaintext-auth", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
}
END_TEST

START_TEST(password_sources)
{
	/* No source: the password is asked for at the terminal (tty.h). */
	ck_assert_int_eq(PARSE("--host", "h", "--user", "u", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), 0);
	ck_assert_int_eq(p->pw_source, PLAN_PW_PROMPT);
	plan_free(p);
	ck_assert_int_eq(PARSE("--host", "h", "--user", "u", "--password-env",
	    "A", "--passwordeval", "cat x", "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_int_eq(PARSE("--host", "h", "--password-env", "A",
	    "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "without --user"));
}
END_TEST

START_TEST(injection_in_addresses_and_ehlo)
{
	ck_assert_int_eq(PARSE("--host", "h", "-f", "a@b.org\r\nRCPT TO:<x>",
	    "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_int_eq(e->cls, ERR_USAGE);
	ck_assert_int_eq(PARSE("--host", "h", "r@x.org\nDATA"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_int_eq(e->cls, ERR_USAGE);
	ck_assert_int_eq(PARSE("--host", "h", "--ehlo", "me\r\nMAIL FROM:<>",
	    "r@x.org"), 0);
	ck_assert_int_eq(plan_build(p, o, e), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "--ehlo"));
	ck_assert_int_eq(plan_check_ehlo("[192.0.2.1]", e), 0);
	ck_assert_int_eq(plan_check_ehlo("[IPv6:2001:db8::1]", e), 0);
	ck_assert_int_eq(plan_check_ehlo("mail.example.org", e), 0);
	ck_assert_int_eq(plan_check_ehlo("a b", e), -1);
}
END_TEST

START_TEST(default_ehlo_is_never_localhost)
{
	char *n = plan_default_ehlo();

	if (n != NULL) {
		ck_assert_str_ne(n, "localhost");
		ck_assert_int_eq(plan_check_ehlo(n, e), 0);
	}
	free(n);
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core"), *pl = tcase_create("plan");

	tcase_add_checked_fixture(tc, ckargv_setup, ckargv_teardown);
	tcase_add_checked_fixture(pl, ckargv_setup, ckargv_teardown);
	tcase_add_test(tc, basic_send);
	tcase_add_test(tc, sendmail_habits);
	tcase_add_test(tc, recipient_after_double_dash);
	tcase_add_test(tc, unknown_option);
	tcase_add_test(tc, bad_values);
	tcase_add_test(pl, port_465_implies_implicit);
	tcase_add_test(pl, no_host_no_rcpt);
	tcase_add_test(pl, no_plaintext_auth_without_optin);
	tcase_add_test(pl, password_sources);
	tcase_add_test(pl, injection_in_addresses_and_ehlo);
	tcase_add_test(pl, default_ehlo_is_never_localhost);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, pl);
	return s;
}

int
main(void)
{
	return ck_run(cli_suite());
}

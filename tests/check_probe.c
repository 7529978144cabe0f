/* The probe's command line: --probe HOST[:PORT] with IPv6 brackets,
 * --json, --warn-days, and what plan_build_probe refuses. */
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

/* After a parse that must succeed: plan_build_probe's result. */
static int
plan_of(int parse_rc)
{
	ck_assert_int_eq(parse_rc, 0);
	ck_assert_int_eq(o->action, CLI_PROBE);
	return plan_build_probe(p, o, e);
}

#define PROBE(...) plan_of(PARSE(__VA_ARGS__))

START_TEST(target_forms)
{
	ck_assert_int_eq(PROBE("--probe", "mail.example.org"), 0);
	ck_assert_str_eq(p->host, "mail.example.org");
	ck_assert_uint_eq(p->port, 0);		/* 587, 465 and 25 */
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "mail.example.org:25"), 0);
	ck_assert_str_eq(p->host, "mail.example.org");
	ck_assert_uint_eq(p->port, 25);
	ck_assert_int_eq(p->tls, PLAN_TLS_STARTTLS);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "192.0.2.1:465"), 0);
	ck_assert_str_eq(p->host, "192.0.2.1");
	ck_assert_int_eq(p->tls, PLAN_TLS_IMPLICIT);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "[2001:db8::25]:587"), 0);
	ck_assert_str_eq(p->host, "2001:db8::25");
	ck_assert_uint_eq(p->port, 587);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "[::1]"), 0);
	ck_assert_str_eq(p->host, "::1");
	ck_assert_uint_eq(p->port, 0);
	plan_free(p);
	/* a bare IPv6 literal: all colons belong to the address */
	ck_assert_int_eq(PROBE("--probe", "2001:db8::25"), 0);
	ck_assert_str_eq(p->host, "2001:db8::25");
	ck_assert_uint_eq(p->port, 0);
}
END_TEST

START_TEST(bad_targets)
{
	char *bad[] = { "", ":25", "host:", "host:0", "host:65536",
		"host:2x", "[::1", "[::1]x", "[::1]:", "[]:25" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(e);
		ck_assert_int_eq(PROBE("--probe", bad[i]), -1);
		ck_assert_int_eq(e->cls, ERR_USAGE);
		ck_assert_msg(strstr(e->msg, "HOST:PORT") != NULL, "%s: %s",
		    bad[i], e->msg);
		plan_free(p);
	}
}
END_TEST

/* --ehlo is checked for a probe as for a send: a CR LF in it would be
 * a command of its own. */
START_TEST(probe_ehlo)
{
	ck_assert_int_eq(PROBE("--probe", "h", "--ehlo", "me\r\nQUIT"), -1);
	ck_assert_int_eq(e->cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e->msg, "--ehlo"));
	plan_free(p);
	err_clear(e);
	ck_assert_int_eq(PROBE("--probe", "h", "--ehlo", "client.example"), 0);
	ck_assert_str_eq(p->ehlo, "client.example");
	plan_free(p);
	/* the default: this host's FQDN, or NULL for the address literal */
	ck_assert_int_eq(PROBE("--probe", "h"), 0);
	ck_assert(p->ehlo == NULL || plan_check_ehlo(p->ehlo, e) == 0);
}
END_TEST

START_TEST(ports_and_modes)
{
	ck_assert_int_eq(PROBE("--probe", "h", "--port", "2525"), 0);
	ck_assert_uint_eq(p->port, 2525);
	ck_assert_int_eq(p->tls, PLAN_TLS_STARTTLS);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h:2465", "--tls=implicit"), 0);
	ck_assert_int_eq(p->tls, PLAN_TLS_IMPLICIT);
	plan_free(p);
	/* the same port twice is fine, two different ones are not */
	ck_assert_int_eq(PROBE("--probe", "h:587", "--port", "587"), 0);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h:587", "--port", "25"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, "two ports"));
}
END_TEST

START_TEST(options)
{
	ck_assert_int_eq(PROBE("--probe", "h", "--json", "--warn-days", "30",
	    "--cafile", "ca.pem", "--timeout", "5", "-v"), 0);
	ck_assert(p->json);
	ck_assert(p->probe);
	ck_assert_int_eq(p->warn_days, 30);
	ck_assert_str_eq(p->cafile, "ca.pem");
	ck_assert_int_eq(p->timeout, 5);
	ck_assert_int_eq(p->verbose, 1);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h"), 0);
	ck_assert_int_eq(p->warn_days, PLAN_WARN_DAYS_DEFAULT);
	ck_assert_int_eq(p->warn_days, 14);
	ck_assert(!p->json);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "--warn-days", "0"), 0);
	ck_assert_int_eq(p->warn_days, 0);
	plan_free(p);
	ck_assert_int_eq(PARSE("--probe", "h", "--warn-days", "-1"), -1);
	ck_assert_int_eq(PARSE("--probe", "h", "--warn-days", "x"), -1);
	ck_assert_int_eq(o->action, CLI_PROBE);	/* main: exit 3, not 64 */
	/* --json alone is a send option */
	ck_assert_int_eq(PARSE("--host", "h", "--json", "a@b.c"), 0);
	ck_assert_int_eq(o->action, CLI_SEND);
	ck_assert(o->json);
}
END_TEST

START_TEST(refused)
{
	const char *what[] = { "recipients", "-f", "--user", "--host",
		"--tls=off" };

	ck_assert_int_eq(PROBE("--probe", "h", "rcpt@example.org"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, what[0]));
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "-t"), -1);
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "-f", "a@b.c"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, what[1]));
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "--user", "u"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, what[2]));
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "--host", "h"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, what[3]));
	plan_free(p);
	ck_assert_int_eq(PROBE("--probe", "h", "--tls=off"), -1);
	ck_assert_ptr_nonnull(strstr(e->msg, what[4]));
	ck_assert_int_eq(e->cls, ERR_USAGE);
}
END_TEST

static Suite *
probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, ckargv_setup, ckargv_teardown);
	tcase_add_test(tc, target_forms);
	tcase_add_test(tc, bad_targets);
	tcase_add_test(tc, ports_and_modes);
	tcase_add_test(tc, probe_ehlo);
	tcase_add_test(tc, options);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(probe_suite());
}

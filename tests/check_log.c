/*
 * The log line: exact bytes for a delivered and a failed message, server
 * bytes that try to break the line, no secret ever, and the log file's
 * mode and appending.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ckrun.h"

static struct plan p;
static struct outcome out;
static struct log_entry le;
static struct err e;
static const char *rcpts[] = { "bob@example.net", "carol@example.org" };

static void
setup(void)
{
	memset(&p, 0, sizeof(p));
	outcome_init(&out);
	err_clear(&e);
	p.account = "work";
	p.host = "smtp.example.org";
	p.tls = PLAN_TLS_STARTTLS;
	p.user = "alice";
	p.pw_source = PLAN_PW_VALUE;
	p.pw_arg = "s3cret";
	out.tls.active = true;
	strcpy(out.tls.version, "TLS1.3");
	strcpy(out.tls.cipher, "TLS_AES_256_GCM_SHA384");
	strcpy(out.auth_mech, "PLAIN");
	out.final_code = 250;
	out.final_text = strdup("2.0.0 Ok: queued as 4Xy");
	memset(&le, 0, sizeof(le));
	le.plan = &p;
	le.out = &out;
	le.err = &e;
	le.from = "alice@example.org";
	le.rcpts = rcpts;
	le.nrcpt = 2;
	le.size = 1234;
}

static void
teardown(void)
{
	outcome_free(&out);
}

START_TEST(delivered)
{
	char *line = log_format(&le);

	ck_assert_str_eq(line, "account=work host=smtp.example.org "
	    "tls=TLS1.3/TLS_AES_256_GCM_SHA384 auth=PLAIN "
	    "from=alice@example.org "
	    "recipients=bob@example.net,carol@example.org size=1234 "
	    "reply=\"250 2.0.0 Ok: queued as 4Xy\" exitcode=EX_OK");
	ck_assert_ptr_null(strstr(line, "s3cret"));
	ck_assert_ptr_null(strstr(line, "alice "));
	free(line);
}
END_TEST

START_TEST(failed_before_tls)
{
	char *line;

	p.account = NULL;
	memset(&out.tls, 0, sizeof(out.tls));
	out.auth_mech[0] = '\0';
	out.final_code = 0;
	err_set(&e, ERR_SECURITY, STEP_STARTTLS, "the server does not offer "
	    "STARTTLS");
	le.status = 69;
	le.size = 0;
	line = log_format(&le);
	ck_assert_str_eq(line, "account=- host=smtp.example.org tls=none "
	    "auth=- from=alice@example.org "
	    "recipients=bob@example.net,carol@example.org size=0 reply=- "
	    "error=\"STARTTLS: the server does not offer STARTTLS\" "
	    "exitcode=EX_UNAVAILABLE");
	free(line);
	p.tls = PLAN_TLS_OFF;
	le.out = NULL;
	le.nrcpt = 0;
	le.from = NULL;
	le.status = 75;
	line = log_format(&le);
	ck_assert_ptr_nonnull(strstr(line, " tls=off auth=- from=- "
	    "recipients=- "));
	ck_assert_ptr_nonnull(strstr(line, "exitcode=EX_TEMPFAIL"));
	free(line);
}
END_TEST

/* A reply may carry any byte: the line must stay one line, its quoted
 * value unbroken. */
START_TEST(hostile_reply)
{
	char *line;

	free(out.final_text);
	out.final_text = strdup("ok\r\nexitcode=EX_OK \"x\" \\ \x1b[2J\xff");
	le.rcpts = (const char *[]){ "a\nb@example.org" };
	le.nrcpt = 1;
	line = log_format(&le);
	ck_assert_ptr_null(strchr(line, '\n'));
	ck_assert_ptr_null(strchr(line, '\r'));
	ck_assert_ptr_null(strchr(line, '\x1b'));
	ck_assert_ptr_nonnull(strstr(line, "recipients=a\\x0ab@example.org "));
	ck_assert_ptr_nonnull(strstr(line, "reply=\"250 ok\\x0d\\x0aexitcode="
	    "EX_OK \\x22x\\x22 \\x5c \\x1b[2J\\xff\" exitcode=EX_OK"));
	free(line);
}
END_TEST

START_TEST(exit_names)
{
	ck_assert_str_eq(log_exit_name(0), "EX_OK");
	ck_assert_str_eq(log_exit_name(64), "EX_USAGE");
	ck_assert_str_eq(log_exit_name(65), "EX_DATAERR");
	ck_assert_str_eq(log_exit_name(75), "EX_TEMPFAIL");
	ck_assert_str_eq(log_exit_name(77), "EX_NOPERM");
	ck_assert_str_eq(log_exit_name(78), "EX_CONFIG");
	ck_assert_str_eq(log_exit_name(1), "EX_SOFTWARE");
}
END_TEST

START_TEST(log_file)
{
	char dir[] = "/tmp/check_log.XXXXXX", path[64], buf[1024];
	struct stat st;
	FILE *fp;
	int n = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	/* nothing configured: nothing written, no error */
	ck_assert_int_eq(log_message(&le, 0, &e), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	p.logfile = path;
	ck_assert_int_eq(log_message(&le, 86400 * 365, &e), 0);
	ck_assert_int_eq(log_message(&le, 86400 * 365, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	fp = fopen(path, "r");
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		ck_assert_int_eq(buf[4], '-');
		ck_assert_ptr_nonnull(strstr(buf, " account=work host="));
		ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
		n++;
	}
	fclose(fp);
	ck_assert_int_eq(n, 2);
	unlink(path);
	p.logfile = "/nonexistent/dir/log";
	ck_assert_int_eq(log_message(&le, 0, &e), -1);
	ck_assert_int_eq(e.cls, ERR_OS);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/dir/log"));
	rmdir(dir);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delivered);
	tcase_add_test(tc, failed_before_tls);
	tcase_add_test(tc, hostile_reply);
	tcase_add_test(tc, exit_names);
	tcase_add_test(tc, log_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(log_suite());
}

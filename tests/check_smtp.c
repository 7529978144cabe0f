/*
 * The SMTP engine against a scripted peer: a child process on a loopback
 * socket that answers each read group with the next canned response and
 * records exactly what arrived, group by group.  The tests assert the
 * bytes in both directions, so pipelining is checked as grouping, not as
 * timing (curl's tests/data style).
 */
#include <config.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp.h"
#include "ckpeer.h"
#include "ckrun.h"

#define END_OF_SCRIPT	NULL

/* The peer (a ckpeer_serve): greet, then answer read group i with
 * script[i]; "" answers nothing (a stall), "<close>" closes at once.
 * The log is "[group]bytes...". */
static void
peer_run(int lfd, const char *greeting, const char *const *script,
    FILE *log)
{
	int fd = accept(lfd, NULL, NULL);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		_exit(2);
	if (greeting != NULL)
		(void)!write(fd, greeting, strlen(greeting));
	for (size_t g = 0; (n = read(fd, buf, sizeof(buf))) > 0; g++) {
		const char *answer = *script;

		fprintf(log, "[%zu]", g);
		fwrite(buf, 1, (size_t)n, log);
		fflush(log);
		if (answer == END_OF_SCRIPT)
			continue;	/* listen on, answer nothing */
		script++;
		if (strcmp(answer, "<close>") == 0)
			break;
		(void)!write(fd, answer, strlen(answer));
	}
	close(fd);
	_exit(0);
}

static struct outcome out;
static struct err e;
static struct smtp_conf conf;
static struct smtp_msg msg;
static struct ckpeer_body body;
static const char *rcpt2[] = { "b@y.org", "c@z.org" };

static void
setup(void)
{
	outcome_init(&out);
	err_clear(&e);
	ckpeer_conf(&conf, 2000);
	ckpeer_msg(&msg, &body, "Subject: t\r\n\r\nhello\r\n.dot\r\n");
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	outcome_free(&out);
}

/* Opens, sends one message as the last, closes; returns smtp_send's rc
 * (or -2 when smtp_open failed). */
static int
run_session(const struct ckpeer *p)
{
	return ckpeer_send(p, &conf, &msg, &out, &e);
}

#define EHLO_PIPE "250-srv\r\n250-PIPELINING\r\n250-SIZE 100000\r\n" \
	"250 8BITMIME\r\n"

START_TEST(pipelined_send_is_three_flights)
{
	const char *script[] = { EHLO_PIPE,
		"250 ok\r\n250 ok\r\n354 go\r\n",
		"250 2.0.0 queued as X1\r\n221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;
	char *got;

	ckpeer_start(&p, peer_run, "220 srv ESMTP\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	got = ckpeer_finish(&p);
	/* EHLO; MAIL+RCPT+DATA in one write; body+dot+QUIT in one write.
	 * The leading dot is doubled (RFC 5321 4.5.2). */
	ck_assert_str_eq(got,
	    "[0]EHLO client.example\r\n"
	    "[1]MAIL FROM:<a@x.org> SIZE=27\r\nRCPT TO:<b@y.org>\r\nDATA\r\n"
	    "[2]Subject: t\r\n\r\nhello\r\n..dot\r\n.\r\nQUIT\r\n");
	ck_assert(out.delivered);
	ck_assert_int_eq(out.final_code, 250);
	ck_assert_str_eq(out.final_text, "2.0.0 queued as X1");
	ck_assert_int_eq(out.rcpts[0].code, 250);
	/* connect, greeting, EHLO, envelope, message */
	ck_assert_uint_eq(out.round_trips, 5);
}
END_TEST

START_TEST(without_pipelining_one_command_per_write)
{
	const char *script[] = { "250-srv\r\n250 SIZE\r\n", "250 ok\r\n",
		"250 ok\r\n", "354 go\r\n", "250 queued\r\n", "221 bye\r\n",
		END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	/* QUIT too waits for the reply before it (RFC 2920 3.1) */
	ck_assert_str_eq(ckpeer_finish(&p),
	    "[0]EHLO client.example\r\n"
	    "[1]MAIL FROM:<a@x.org> SIZE=27\r\n"
	    "[2]RCPT TO:<b@y.org>\r\n"
	    "[3]DATA\r\n"
	    "[4]Subject: t\r\n\r\nhello\r\n..dot\r\n.\r\n[5]QUIT\r\n");
}
END_TEST

START_TEST(one_refused_recipient_sends_no_message)
{
	/* pipelined: DATA was already accepted, so the only way not to
	 * deliver to the other recipient is to close inside DATA */
	const char *script[] = { EHLO_PIPE,
		"250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n",
		END_OF_SCRIPT };
	struct ckpeer p;
	char *got;

	msg.rcpts = rcpt2;
	msg.nrcpt = 2;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	got = ckpeer_finish(&p);
	ck_assert_str_eq(got, "[0]EHLO client.example\r\n"
	    "[1]MAIL FROM:<a@x.org> SIZE=27\r\nRCPT TO:<b@y.org>\r\n"
	    "RCPT TO:<c@z.org>\r\nDATA\r\n");
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_int_eq(e.step, STEP_RCPT);
	ck_assert_int_eq(e.code, 550);
	ck_assert_ptr_nonnull(strstr(e.msg, "<c@z.org>"));
	ck_assert_ptr_nonnull(strstr(e.msg, "no such user"));
	ck_assert_int_eq(out.rcpts[0].code, 250);
	ck_assert_int_eq(out.rcpts[1].code, 550);
	ck_assert(!out.delivered);
}
END_TEST

START_TEST(refused_recipient_without_pipelining_resets)
{
	const char *script[] = { "250 srv\r\n", "250 ok\r\n",
		"550 5.1.1 nope\r\n", "250 reset\r\n", "221 bye\r\n",
		END_OF_SCRIPT };
	struct ckpeer p;

	msg.rcpts = rcpt2;
	msg.nrcpt = 2;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	/* no second RCPT, no DATA: RSET and QUIT */
	ck_assert_str_eq(ckpeer_finish(&p), "[0]EHLO client.example\r\n"
	    "[1]MAIL FROM:<a@x.org>\r\n[2]RCPT TO:<b@y.org>\r\n"
	    "[3]RSET\r\n[4]QUIT\r\n");
	ck_assert_int_eq(e.step, STEP_RCPT);
}
END_TEST

START_TEST(temporary_failure_on_mail)
{
	const char *script[] = { EHLO_PIPE,
		"451 4.3.0 try later\r\n503 no mail\r\n503 no rcpt\r\n",
		"250 ok\r\n221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	ckpeer_finish(&p);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_int_eq(e.step, STEP_MAIL);
	ck_assert_int_eq(e.code, 451);
}
END_TEST

START_TEST(close_before_final_reply_is_unknown)
{
	const char *script[] = { EHLO_PIPE,
		"250 ok\r\n250 ok\r\n354 go\r\n", "<close>", END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	ckpeer_finish(&p);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert(out.delivery_unknown);
	ck_assert_ptr_nonnull(strstr(e.msg, "delivery unknown"));
}
END_TEST

START_TEST(chunking_single_recipient_one_flight)
{
	const char *script[] = {
		"250-srv\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SIZE\r\n",
		"250 ok\r\n250 ok\r\n250 2.0.0 queued\r\n221 bye\r\n",
		END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	/* RFC 3030: no dot-stuffing, no terminator; QUIT rides along */
	ck_assert_str_eq(ckpeer_finish(&p), "[0]EHLO client.example\r\n"
	    "[1]MAIL FROM:<a@x.org> SIZE=27\r\nRCPT TO:<b@y.org>\r\n"
	    "BDAT 27 LAST\r\nSubject: t\r\n\r\nhello\r\n.dot\r\nQUIT\r\n");
	ck_assert(out.delivered);
	ck_assert_uint_eq(out.round_trips, 4);
}
END_TEST

START_TEST(reply_to_command_not_sent)
{
	const char *script[] = { EHLO_PIPE, END_OF_SCRIPT };
	struct ckpeer p;

	/* the greeting comes with an extra reply nobody asked for */
	ckpeer_start(&p, peer_run, "220 srv\r\n250 surprise\r\n", script);
	ck_assert_int_eq(run_session(&p), -2);
	ckpeer_finish(&p);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not sent"));
}
END_TEST

START_TEST(stall_ends_at_timeout)
{
	const char *script[] = { "", END_OF_SCRIPT };
	struct ckpeer p;

	conf.timeout_ms = 300;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -2);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_int_eq(e.step, STEP_EHLO);
	ck_assert_ptr_nonnull(strstr(e.msg, "timed out"));
	ckpeer_finish(&p);	/* the peer ends when we hang up */
}
END_TEST

START_TEST(greeting_refused)
{
	const char *script[] = { END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "554 5.3.2 go away\r\n", script);
	ck_assert_int_eq(run_session(&p), -2);
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_int_eq(e.step, STEP_GREETING);
	ckpeer_finish(&p);
}
END_TEST

START_TEST(ehlo_refused_falls_back_to_helo_in_plaintext)
{
	const char *script[] = { "502 5.5.1 no ESMTP\r\n", "250 srv\r\n",
		"250 ok\r\n", "250 ok\r\n", "354 go\r\n",
		"250 queued\r\n", "221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	ck_assert_str_eq(ckpeer_finish(&p), "[0]EHLO client.example\r\n"
	    "[1]HELO client.example\r\n[2]MAIL FROM:<a@x.org>\r\n"
	    "[3]RCPT TO:<b@y.org>\r\n[4]DATA\r\n"
	    "[5]Subject: t\r\n\r\nhello\r\n..dot\r\n.\r\n[6]QUIT\r\n");
}
END_TEST

START_TEST(auth_plain_pipelined_with_envelope)
{
	struct sasl_cred cred = { .user = "alice", .pass = "s3cret" };
	const char *script[] = {
		"250-srv\r\n250-PIPELINING\r\n250 AUTH LOGIN PLAIN\r\n",
		"235 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n",
		"250 queued\r\n221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;

	conf.cred = &cred;
	conf.allow_plaintext_auth = true;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	/* RFC 4954 section 4: PLAIN's initial response completes the
	 * exchange, so AUTH may lead the envelope group */
	ck_assert_str_eq(ckpeer_finish(&p), "[0]EHLO client.example\r\n"
	    "[1]AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nMAIL FROM:<a@x.org>\r\n"
	    "RCPT TO:<b@y.org>\r\nDATA\r\n"
	    "[2]Subject: t\r\n\r\nhello\r\n..dot\r\n.\r\nQUIT\r\n");
	ck_assert_str_eq(out.auth_mech, "PLAIN");
}
END_TEST

START_TEST(auth_refused_stops_before_message)
{
	struct sasl_cred cred = { .user = "alice", .pass = "wrong" };
	const char *script[] = {
		"250-srv\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n",
		"535 5.7.8 bad credentials\r\n530 auth first\r\n"
		"503 no mail\r\n503 no rcpt\r\n",
		"250 ok\r\n221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;
	char *got;

	conf.cred = &cred;
	conf.allow_plaintext_auth = true;	/* the fake server is plain */
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	got = ckpeer_finish(&p);
	ck_assert_int_eq(e.cls, ERR_AUTH);
	ck_assert_int_eq(e.code, 535);
	ck_assert_ptr_null(strstr(got, "hello"));
	ck_assert_ptr_nonnull(strstr(got, "[2]RSET\r\nQUIT\r\n"));
}
END_TEST

START_TEST(auth_login_waits_for_each_challenge)
{
	struct sasl_cred cred = { .user = "alice", .pass = "s3cret" };
	const char *script[] = {
		"250-srv\r\n250-PIPELINING\r\n250 AUTH LOGIN\r\n",
		"334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n",
		"250 ok\r\n250 ok\r\n354 go\r\n", "250 queued\r\n221 bye\r\n",
		END_OF_SCRIPT };
	struct ckpeer p;

	conf.cred = &cred;
	conf.allow_plaintext_auth = true;	/* the fake server is plain */
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	/* LOGIN is not one-step: each answer waits for its challenge */
	ck_assert_ptr_nonnull(strstr(ckpeer_finish(&p),
	    "[1]AUTH LOGIN\r\n[2]YWxpY2U=\r\n[3]czNjcmV0\r\n[4]MAIL"));
	ck_assert_str_eq(out.auth_mech, "LOGIN");
}
END_TEST

static void
trace_to_file(void *ctx, char dir, const char *line, size_t len)
{
	fprintf(ctx, "%c %.*s\n", dir, (int)len, line);
}

START_TEST(trace_masks_credentials)
{
	struct sasl_cred cred = { .user = "alice", .pass = "s3cret" };
	const char *script[] = {
		"250-srv\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n",
		"334 UGFzc3dvcmQ6\r\n", "235 ok\r\n", "250 ok\r\n", "250 ok\r\n",
		"354 go\r\n", "250 queued\r\n221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;
	char *trace = NULL;
	size_t tlen = 0;
	FILE *tf = open_memstream(&trace, &tlen);

	conf.cred = &cred;
	conf.allow_plaintext_auth = true;	/* the fake server is plain */
	conf.trace = trace_to_file;
	conf.trace_ctx = tf;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), 0);
	ckpeer_finish(&p);
	fclose(tf);
	ck_assert_ptr_nonnull(strstr(trace, "> AUTH LOGIN\n"));
	ck_assert_ptr_nonnull(strstr(trace, "> ********\n"));
	ck_assert_ptr_null(strstr(trace, "YWxpY2U="));
	ck_assert_ptr_null(strstr(trace, "czNjcmV0"));
	ck_assert_ptr_null(strstr(trace, "s3cret"));
	ck_assert_ptr_nonnull(strstr(trace, "< 235 ok\n"));
	free(trace);
}
END_TEST

START_TEST(size_limit_checked_before_mail)
{
	const char *script[] = { "250-srv\r\n250 SIZE 10\r\n",
		"221 bye\r\n", END_OF_SCRIPT };
	struct ckpeer p;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -1);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_ptr_nonnull(strstr(e.msg, "at most 10"));
	ck_assert_ptr_null(strstr(ckpeer_finish(&p), "MAIL"));
}
END_TEST

START_TEST(starttls_missing_is_security_failure)
{
	const char *script[] = { EHLO_PIPE, END_OF_SCRIPT };
	struct ckpeer p;
	char *got;

	conf.tls = PLAN_TLS_STARTTLS;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -2);
	got = ckpeer_finish(&p);
	ck_assert_int_eq(e.cls, ERR_SECURITY);
	ck_assert_ptr_nonnull(strstr(e.msg, "STARTTLS"));
	/* nothing but EHLO crossed in clear: not even QUIT */
	ck_assert_str_eq(got, "[0]EHLO client.example\r\n");
}
END_TEST

START_TEST(starttls_injection_detected)
{
	const char *script[] = {
		"250-srv\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
		"220 go ahead\r\n250 injected\r\n", END_OF_SCRIPT };
	struct ckpeer p;

	conf.tls = PLAN_TLS_STARTTLS;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p), -2);
	ck_assert_str_eq(ckpeer_finish(&p),
	    "[0]EHLO client.example\r\n[1]STARTTLS\r\n");
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.msg, "injection"));
}
END_TEST

static Suite *
smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *core = tcase_create("core"), *fail = tcase_create("failures");
	TCase *auth = tcase_create("auth");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(fail, setup, teardown);
	tcase_add_checked_fixture(auth, setup, teardown);
	tcase_add_test(core, pipelined_send_is_three_flights);
	tcase_add_test(core, without_pipelining_one_command_per_write);
	tcase_add_test(core, chunking_single_recipient_one_flight);
	tcase_add_test(core, ehlo_refused_falls_back_to_helo_in_plaintext);
	tcase_add_test(fail, one_refused_recipient_sends_no_message);
	tcase_add_test(fail, refused_recipient_without_pipelining_resets);
	tcase_add_test(fail, temporary_failure_on_mail);
	tcase_add_test(fail, close_before_final_reply_is_unknown);
	tcase_add_test(fail, reply_to_command_not_sent);
	tcase_add_test(fail, stall_ends_at_timeout);
	tcase_add_test(fail, greeting_refused);
	tcase_add_test(fail, size_limit_checked_before_mail);
	tcase_add_test(fail, starttls_missing_is_security_failure);
	tcase_add_test(fail, starttls_injection_detected);
	tcase_add_test(auth, auth_plain_pipelined_with_envelope);
	tcase_add_test(auth, auth_refused_stops_before_message);
	tcase_add_test(auth, auth_login_waits_for_each_challenge);
	tcase_add_test(auth, trace_masks_credentials);
	suite_add_tcase(s, core);
	suite_add_tcase(s, fail);
	suite_add_tcase(s, auth);
	return s;
}

int
main(void)
{
	return ck_run(smtp_suite());
}

/*
 * check_session: the limits that keep a hostile server from holding
 * tlsmail: the per-step timeout in the steps a scenario server cannot
 * stall (the TLS handshake, a message write the server stops reading),
 * the limit on the whole session, and bytes injected after the 220 to
 * STARTTLS as a partial line.  The peer is a child process on a loopback
 * socket that answers each read with the next scripted answer and logs
 * what it read, so the tests assert what crossed the wire.
 */
#include <config.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smtp.h"
#include "tls.h"
#include "ckpeer.h"
#include "ckrun.h"

/* Scripted answers, one per read.  Besides text: */
#define A_STALL	"<stall>"	/* answer nothing, read on */
#define A_HOLD	"<hold>"	/* answer nothing, read nothing more */
#define A_SLOW	"<slow>"	/* prefix: wait SLOW_MS, then answer */
#define SLOW_MS	400

static void
peer_answer(int fd, const char *a)
{
	if (strncmp(a, A_SLOW, strlen(A_SLOW)) == 0) {
		struct timespec ts = { 0, SLOW_MS * 1000000L };

		nanosleep(&ts, NULL);
		a += strlen(A_SLOW);
	}
	(void)!write(fd, a, strlen(a));
}

/* The peer (a ckpeer_serve): answers by the script above, logs the
 * plaintext dialogue. */
static void
peer_run(int lfd, const char *greeting, const char *const *script,
    FILE *log)
{
	char buf[65536];
	ssize_t n;
	int fd;

	/* Check's SIGTERM handler, inherited, would end the whole process
	 * group: ckpeer_stop's signal is for this process alone. */
	signal(SIGTERM, SIG_DFL);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(2);
	if (greeting != NULL)
		peer_answer(fd, greeting);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		const char *a = *script;

		/* the log is the plaintext dialogue; a TLS record (0x16
		 * handshake) is logged as its type only */
		if ((unsigned char)buf[0] == 0x16)
			fprintf(log, "[tls]");
		else
			fwrite(buf, 1, (size_t)n, log);
		fflush(log);
		if (a == NULL || strcmp(a, A_STALL) == 0)
			continue;
		script++;
		if (strcmp(a, A_HOLD) == 0)
			pause();
		peer_answer(fd, a);
	}
	_exit(0);
}

static struct outcome out;
static struct err e;
static struct smtp_conf conf;
static struct smtp_msg msg;
static struct ckpeer_body body;
static struct tls_ctx *tlsctx;

static void
setup(void)
{
	outcome_init(&out);
	err_clear(&e);
	ckpeer_conf(&conf, 1000);
	ckpeer_msg(&msg, &body, "Subject: t\r\n\r\nhello\r\n");
	tlsctx = NULL;
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	tls_ctx_free(tlsctx);
	outcome_free(&out);
}

/* STARTTLS with a context that would accept any certificate: these tests
 * are about what happens before verification. */
static void
use_starttls(void)
{
	struct tls_conf tc;

	memset(&tc, 0, sizeof(tc));
	tc.no_verify = true;
	ck_assert_int_eq(tls_ctx_new(&tlsctx, &tc, &e), 0);
	conf.tls = PLAN_TLS_STARTTLS;
	conf.tls_ctx = tlsctx;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens, sends one message, closes; smtp_send's rc, or -2 when smtp_open
 * failed.  *ms is how long it took. */
static int
run_session(const struct ckpeer *p, long long *ms)
{
	long long t0 = now_ms();
	int rc = ckpeer_send(p, &conf, &msg, &out, &e);

	*ms = now_ms() - t0;
	return rc;
}

#define EHLO_PLAIN	"250-srv\r\n250 SIZE 100000000\r\n"
#define EHLO_TLS	"250-srv\r\n250 STARTTLS\r\n"

/* Every step answered in time (400 ms of a 1000 ms timeout), no pipelining:
 * six flights take about 2.4 s, which the per-step timeout never stops. */
static const char *const slow_script[] = {
	A_SLOW EHLO_PLAIN, A_SLOW "250 ok\r\n", A_SLOW "250 ok\r\n",
	A_SLOW "354 go\r\n", A_SLOW "250 queued\r\n221 bye\r\n", NULL
};

START_TEST(test_session_limit_bounds_slow_server)
{
	struct ckpeer p;
	long long ms;

	conf.session_ms = 1000;
	ckpeer_start(&p, peer_run, A_SLOW "220 srv\r\n", slow_script);
	ck_assert_int_ne(run_session(&p, &ms), 0);
	ckpeer_stop(&p);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_msg(strstr(e.msg, "session took longer than its limit of "
	    "1 s") != NULL, "%s", e.msg);
	ck_assert(!out.delivered);
	ck_assert_msg(ms >= 900 && ms < 1500, "took %lld ms", ms);
}
END_TEST

/* The control: the same server, no session limit, delivers. */
START_TEST(test_session_unlimited_control)
{
	struct ckpeer p;
	long long ms;

	conf.session_ms = 0;
	ckpeer_start(&p, peer_run, A_SLOW "220 srv\r\n", slow_script);
	ck_assert_msg(run_session(&p, &ms) == 0, "%s", e.msg);
	ckpeer_stop(&p);
	ck_assert(out.delivered);
	ck_assert_msg(ms >= 2000, "took %lld ms", ms);
}
END_TEST

/* The server says 220 to STARTTLS, then never answers the ClientHello. */
START_TEST(test_stall_in_tls_handshake)
{
	const char *script[] = { EHLO_TLS, "220 go\r\n", A_STALL, NULL };
	struct ckpeer p;
	long long ms;
	char *log;

	use_starttls();
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p, &ms), -2);
	log = ckpeer_stop(&p);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_int_eq(e.step, STEP_TLS);
	ck_assert_msg(strstr(e.msg, "timed out") != NULL, "%s", e.msg);
	ck_assert_msg(ms >= 900 && ms < 1800, "took %lld ms", ms);
	ck_assert_str_eq(log, "EHLO client.example\r\nSTARTTLS\r\n[tls]");
}
END_TEST

/* The server stops reading in the middle of a large message: the write
 * that cannot finish ends at the timeout, and nothing is delivered. */
START_TEST(test_stall_reading_the_message)
{
	const char *script[] = { EHLO_PLAIN, "250 ok\r\n", "250 ok\r\n",
		"354 go\r\n", A_HOLD, NULL };
	struct ckpeer p;
	long long ms;
	size_t n = 64u << 20;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	for (size_t i = 76; i < n; i += 78) {
		big[i] = '\r';
		big[i + 1] = '\n';
	}
	big[n - 2] = '\r';
	big[n - 1] = '\n';
	body.data = big;
	body.len = msg.size = n;
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_ne(run_session(&p, &ms), 0);
	ckpeer_stop(&p);
	free(big);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_int_eq(e.step, STEP_DATA);
	ck_assert_msg(strstr(e.msg, "timed out") != NULL, "%s", e.msg);
	ck_assert(!out.delivered);
	ck_assert_msg(ms < 3000, "took %lld ms", ms);
}
END_TEST

/* Response injection as a partial line: "250 inj" without CR LF in the
 * same segment as the 220.  Detected and named; nothing follows STARTTLS,
 * not even the handshake. */
START_TEST(test_partial_line_after_starttls_220)
{
	const char *script[] = { EHLO_TLS, "220 go\r\n250 inj", NULL };
	struct ckpeer p;
	long long ms;
	char *log;

	use_starttls();
	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_eq(run_session(&p, &ms), -2);
	log = ckpeer_stop(&p);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_int_eq(e.step, STEP_STARTTLS);
	ck_assert_msg(strstr(e.msg, "possible STARTTLS command injection") !=
	    NULL, "%s", e.msg);
	ck_assert_str_eq(log, "EHLO client.example\r\nSTARTTLS\r\n");
}
END_TEST

/* A reply nobody asked for, arriving with the reply to MAIL: the client
 * sees it before its next flight and stops. */
START_TEST(test_reply_to_command_not_sent_mid_session)
{
	const char *script[] = { EHLO_PLAIN, "250 ok\r\n250 extra\r\n", NULL };
	struct ckpeer p;
	long long ms;
	char *log;

	ckpeer_start(&p, peer_run, "220 srv\r\n", script);
	ck_assert_int_ne(run_session(&p, &ms), 0);
	log = ckpeer_stop(&p);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_msg(strstr(e.msg, "not sent") != NULL, "%s", e.msg);
	ck_assert_str_eq(log,
	    "EHLO client.example\r\nMAIL FROM:<a@x.org> SIZE=21\r\n");
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *lim = tcase_create("limits");
	TCase *inj = tcase_create("injection");

	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_checked_fixture(inj, setup, teardown);
	tcase_set_timeout(lim, 30);
	tcase_add_test(lim, test_session_limit_bounds_slow_server);
	tcase_add_test(lim, test_session_unlimited_control);
	tcase_add_test(lim, test_stall_in_tls_handshake);
	tcase_add_test(lim, test_stall_reading_the_message);
	tcase_add_test(inj, test_partial_line_after_starttls_220);
	tcase_add_test(inj, test_reply_to_command_not_sent_mid_session);
	suite_add_tcase(s, lim);
	suite_add_tcase(s, inj);
	return s;
}

int
main(void)
{
	return ck_run(session_suite());
}

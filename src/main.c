/*
 * tlsmail: wiring only.  argv -> plan -> message -> session -> report, and
 * the one place that chooses the exit status (exitcode.c).
 */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "msg.h"
#include "outcome.h"
#include "plan.h"
#include "report.h"
#include "secret.h"
#include "smtp.h"
#include "tls.h"

struct send {
	struct plan plan;
	struct msg *msg;
	const char **rcpts;
	size_t	 nrcpt;
	char	*from;
	struct tls_ctx *tls;
	char	*password;
	struct outcome out;
};

static void
main_trace(void *ctx, char dir, const char *line, size_t len)
{
	(void)ctx;
	report_transcript(stderr, dir, line, len);
}

static ssize_t
main_msg_read(void *ctx, char *buf, size_t len, struct err *e)
{
	return msg_read_chunk(ctx, buf, len, e);
}

static int
main_msg_rewind(void *ctx, struct err *e)
{
	return msg_rewind(ctx, e);
}

/* sendmail's default sender: the login name at this host's FQDN. */
static int
main_default_from(struct send *sd, struct err *e)
{
	struct passwd *pw = getpwuid(getuid());
	const char *host = sd->plan.ehlo;
	size_t n;

	if (pw == NULL || host == NULL || strchr(host, '.') == NULL) {
		err_set(e, ERR_USAGE, STEP_ARGS, "no envelope sender, and this "
		    "host has no fully qualified name to make one");
		err_hint(e, "give -f ADDRESS");
		return -1;
	}
	n = strlen(pw->pw_name) + strlen(host) + 2;
	if ((sd->from = malloc(n)) == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	snprintf(sd->from, n, "%s@%s", pw->pw_name, host);
	return 0;
}

/* Recipients: the command line's, then -t's from the header. */
static int
main_envelope(struct send *sd, struct err *e)
{
	size_t nmsg = msg_rcpt_count(sd->msg), n = 0;

	sd->rcpts = calloc(sd->plan.nrcpt + nmsg + 1, sizeof(*sd->rcpts));
	if (sd->rcpts == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	for (size_t i = 0; i < sd->plan.nrcpt; i++)
		sd->rcpts[n++] = sd->plan.rcpts[i];
	for (size_t i = 0; i < nmsg; i++)
		sd->rcpts[n++] = msg_rcpt(sd->msg, i);
	sd->nrcpt = n;
	if (n == 0)
		return err_set(e, ERR_DATA, STEP_MESSAGE, "-t found no "
		    "recipients in To, Cc or Bcc, and none were given");
	if (sd->plan.from != NULL)
		return (sd->from = strdup(sd->plan.from)) ? 0 :
		    err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	return main_default_from(sd, e);
}

static int
main_tls(struct send *sd, struct err *e)
{
	struct tls_conf tc;

	if (sd->plan.tls == PLAN_TLS_OFF)
		return 0;
	memset(&tc, 0, sizeof(tc));
	tc.cafile = sd->plan.cafile;
	tc.priority = sd->plan.tls_priority;
	tc.pin = sd->plan.fingerprint;
	tc.no_verify = sd->plan.tls_no_verify;
	return tls_ctx_new(&sd->tls, &tc, e);
}

static int
main_session(struct send *sd, struct err *e)
{
	struct sasl_cred cred = { NULL, sd->plan.user, sd->password };
	struct smtp_conf sc;
	struct smtp_msg m;
	struct smtp *s;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.host = sd->plan.host;
	sc.port = sd->plan.port;
	sc.tls = sd->plan.tls;
	sc.tls_ctx = sd->tls;
	sc.ehlo = sd->plan.ehlo;
	sc.timeout_ms = sd->plan.timeout * 1000;
	sc.cred = sd->plan.user ? &cred : NULL;
	sc.auth = sd->plan.auth;
	sc.allow_plaintext_auth = sd->plan.allow_plaintext_auth;
	sc.trace = sd->plan.verbose ? main_trace : NULL;

	memset(&m, 0, sizeof(m));
	m.from = sd->from;
	m.rcpts = sd->rcpts;
	m.nrcpt = sd->nrcpt;
	m.size = msg_size(sd->msg);
	m.eightbit = msg_has_8bit(sd->msg);
	m.read = main_msg_read;
	m.rewind = main_msg_rewind;
	m.ctx = sd->msg;

	if (smtp_open(&s, &sc, &sd->out, e) < 0)
		return -1;
	rc = smtp_send(s, &m, true, e);
	smtp_close(s);
	return rc;
}

static int
main_send(struct send *sd, const struct options *o, struct err *e)
{
	struct msg_opts mo = { o->read_rcpts, NULL };

	if (plan_build(&sd->plan, o, e) < 0 ||
	    msg_read(&sd->msg, STDIN_FILENO, &mo, e) < 0 ||
	    main_envelope(sd, e) < 0 || main_tls(sd, e) < 0)
		return -1;
	if (sd->plan.user != NULL && secret_get(&sd->plan, &sd->password,
	    e) < 0)
		return -1;
	return main_session(sd, e);
}

static void
main_cleanup(struct send *sd)
{
	secret_free(sd->password);
	tls_ctx_free(sd->tls);
	msg_free(sd->msg);
	free(sd->rcpts);
	free(sd->from);
	outcome_free(&sd->out);
	plan_free(&sd->plan);
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };
	struct options o;
	struct send sd;
	struct err e;
	int status;

	/* A core file would hold the password. */
	setrlimit(RLIMIT_CORE, &nocore);
	err_clear(&e);
	memset(&sd, 0, sizeof(sd));
	outcome_init(&sd.out);
	if (cli_parse(&o, argc, argv, &e) < 0) {
		report_error(stderr, "tlsmail", &e);
		return exitcode_of(&e);
	}
	if (o.action == CLI_HELP) {
		fputs(cli_usage(), stdout);
		return 0;
	}
	if (o.action == CLI_VERSION) {
		printf("tlsmail %s\n", PACKAGE_VERSION);
		return 0;
	}
	main_send(&sd, &o, &e);
	sd.out.err = e;
	if (sd.plan.report && sd.out.server != NULL)
		report_session(stderr, &sd.out, time(NULL));
	if (e.cls != ERR_NONE)
		report_error(stderr, "tlsmail", &e);
	status = exitcode_of(&e);
	main_cleanup(&sd);
	return status;
}

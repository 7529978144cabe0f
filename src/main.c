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

#include "aliases.h"
#include "cli.h"
#include "compose.h"
#include "conf.h"
#include "exitcode.h"
#include "fit.h"
#include "hdrfill.h"
#include "log.h"
#include "msg.h"
#include "outcome.h"
#include "plan.h"
#include "priv.h"
#include "probe.h"
#include "report.h"
#include "report_json.h"
#include "secret.h"
#include "smtp.h"
#include "tls.h"
#include "tty.h"

struct send {
	struct plan plan;
	struct msg *msg;
	const char **rcpts;
	size_t	 nrcpt;
	char	*from;
	struct tls_ctx *tls;
	char	*password;
	struct outcome out;
	struct conf *conf;		/* NULL: no configuration read */
	char	**resolved;		/* rcpts after aliases and domain */
	size_t	 nresolved;
};

static void
main_trace(void *ctx, char dir, const char *line, size_t len)
{
	(void)ctx;
	report_transcript(stderr, dir, line, len);
}

/* A progress line on stderr for a long send at a terminal (tty.h). */
static void
main_progress(void *ctx, size_t done, size_t total)
{
	size_t rate;

	switch (tty_progress_step(ctx, done, &rate)) {
	case TTY_PROGRESS_SHOW:
		report_progress(stderr, done, total, rate);
		break;
	case TTY_PROGRESS_CLEAR:
		report_progress_clear(stderr);
		break;
	case TTY_PROGRESS_NONE:
		break;
	}
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

/* The envelope sender: -f (or the configuration's), else the default. */
static int
main_sender(struct send *sd, struct err *e)
{
	if (sd->from != NULL)
		return 0;
	if (sd->plan.from != NULL)
		return (sd->from = strdup(sd->plan.from)) ? 0 :
		    err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	return main_default_from(sd, e);
}

/* Recipients: the command line's, --cc and --bcc, then -t's from the
 * header. */
static int
main_envelope(struct send *sd, struct err *e)
{
	size_t nmsg = msg_rcpt_count(sd->msg), n = 0;
	const struct plan *p = &sd->plan;

	sd->rcpts = calloc(p->nrcpt + p->ncc + p->nbcc + nmsg + 1,
	    sizeof(*sd->rcpts));
	if (sd->rcpts == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	for (size_t i = 0; i < sd->plan.nrcpt; i++)
		sd->rcpts[n++] = sd->plan.rcpts[i];
	for (size_t i = 0; i < p->ncc; i++)
		sd->rcpts[n++] = p->cc[i];
	for (size_t i = 0; i < p->nbcc; i++)
		sd->rcpts[n++] = p->bcc[i];
	for (size_t i = 0; i < nmsg; i++)
		sd->rcpts[n++] = msg_rcpt(sd->msg, i);
	sd->nrcpt = n;
	if (n == 0)
		return err_set(e, ERR_DATA, STEP_MESSAGE, "-t found no "
		    "recipients in To, Cc or Bcc, and none were given");
	return main_sender(sd, e);
}

/*
 * -s, --attach and the other composing options: standard input is the
 * body of a message compose writes to a temporary file, which msg then
 * reads like any message.  Every attachment is opened before the body is
 * read, so a wrong path is reported before anyone types a word.
 */
static int
main_compose(struct send *sd, const struct msg_opts *mo,
    const struct msg_start *st, struct err *e)
{
	const struct plan *p = &sd->plan;
	struct compose_conf cc;
	struct compose *c;
	int fd = -1, rc;

	if (main_sender(sd, e) < 0)	/* main_fill qualified it */
		return -1;
	memset(&cc, 0, sizeof(cc));
	cc.from = sd->from;
	cc.from_name = p->fullname;
	cc.to = p->rcpts;
	cc.nto = p->nrcpt;
	cc.cc = p->cc;
	cc.ncc = p->ncc;
	cc.reply_to = p->reply_to;
	cc.subject = p->subject;
	cc.headers = p->headers;
	cc.nheader = p->nheader;
	cc.attach = p->attach;
	cc.nattach = p->nattach;
	cc.domain = p->domain ? p->domain : p->ehlo;
	cc.body_pre = st->buf;
	cc.body_prelen = st->len;
	rc = compose_open(&c, &cc, e);
	if (rc == 0 && (rc = compose_write(c, STDIN_FILENO, &fd, e)) == 0)
		rc = msg_read(&sd->msg, fd, mo, e);
	compose_free(c);
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * What standard input is (the rule in tlsmail(1), "Composing a message"):
 * the body of a message to compose when composing options are given, or
 * when it has no header block (its first line is not a field) and -t,
 * which needs a complete message, is not; otherwise the complete message.
 * A person typing it at a terminal is told how to end it.
 */
static int
main_input(struct send *sd, struct msg_opts *mo, struct err *e)
{
	struct msg_start st = { .len = 0 };
	bool body = sd->plan.compose;

	if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO))
		report_typing(stderr);
	if (!body) {
		if (msg_start_read(&st, STDIN_FILENO, e) < 0)
			return -1;
		body = !st.header && !mo->read_rcpts;
	}
	if (body)
		return main_compose(sd, mo, &st, e);
	mo->pre = st.buf;
	mo->prelen = st.len;
	return msg_read(&sd->msg, STDIN_FILENO, mo, e);
}

/* Local names ("root", cron's user) into real addresses for the
 * envelope: the aliases file, then the configured domain.  The header is
 * left as it is. */
static int
main_local_rcpts(struct send *sd, struct err *e)
{
	struct aliases *al = NULL;
	char *from;
	int rc;

	if (sd->plan.aliases != NULL &&
	    aliases_load(&al, sd->plan.aliases, e) < 0)
		return -1;
	rc = aliases_resolve(al, sd->plan.domain, sd->rcpts, sd->nrcpt,
	    &sd->resolved, &sd->nresolved, e);
	aliases_free(al);
	if (rc < 0)
		return -1;
	free(sd->rcpts);
	sd->rcpts = (const char **)sd->resolved;
	sd->nrcpt = sd->nresolved;
	if ((from = aliases_qualify(sd->from, sd->plan.domain)) == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	free(sd->from);
	sd->from = from;
	return 0;
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
	tc.certfile = sd->plan.tls_cert_file;
	tc.keyfile = sd->plan.tls_key_file;
	return tls_ctx_new(&sd->tls, &tc, e);
}

/*
 * Header completion (hdrfill.h), msmtp's set_*_header rules: From from
 * the envelope sender, qualified with the domain as the envelope will be,
 * so that sender and From agree.
 */
static int
main_fill(struct send *sd, struct hdrfill_conf *hc, struct msg_opts *mo,
    struct err *e)
{
	const struct plan *p = &sd->plan;
	char *from;

	if (main_sender(sd, e) < 0)
		return -1;
	if ((from = aliases_qualify(sd->from, p->domain)) == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	free(sd->from);
	sd->from = from;
	memset(hc, 0, sizeof(*hc));
	hc->date = p->set_date_header != PLAN_HDR_OFF;
	hc->msgid = p->set_msgid_header != PLAN_HDR_OFF;
	hc->from = p->set_from_header != PLAN_HDR_OFF;
	hc->from_replace = p->set_from_header == PLAN_HDR_ON;
	hc->undisclosed = p->undisclosed_recipients;
	hc->sender = sd->from;
	hc->fullname = p->fullname;
	hc->domain = p->domain;
	mo->fill = hc;
	return 0;
}

/* The message and the envelope as this server takes them (fit.h). */
static int
main_fit(struct send *sd, struct fit *f, unsigned caps, struct smtp_msg *m,
    struct err *e)
{
	const struct plan *p = &sd->plan;
	struct fit_conf fc;

	memset(&fc, 0, sizeof(fc));
	fc.seven_bit = p->body != NULL && strcmp(p->body, "7BIT") == 0;
	fc.dsn_notify = p->dsn_notify;
	fc.dsn_return = p->dsn_return;
	fc.dsn_envid = p->dsn_envid;
	return fit_apply(f, &fc, caps, sd->msg, sd->from,
	    (const char *const *)sd->rcpts, sd->nrcpt, m, e);
}

static int
main_session(struct send *sd, struct err *e)
{
	struct sasl_cred cred = { NULL, sd->plan.user, sd->password,
		sd->plan.host, sd->plan.port };
	struct smtp_conf sc;
	struct smtp_msg m;
	struct tty_progress prog;
	struct smtp *s;
	struct fit fit;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.host = sd->plan.host;
	sc.port = sd->plan.port;
	sc.tls = sd->plan.tls;
	sc.tls_ctx = sd->tls;
	sc.tls_name = sd->plan.tls_name;
	sc.ehlo = sd->plan.ehlo;
	sc.timeout_ms = sd->plan.timeout * 1000;
	sc.session_ms = plan_session_ms(&sd->plan, msg_size(sd->msg));
	sc.cred = plan_wants_auth(&sd->plan) ? &cred : NULL;
	sc.auth = sd->plan.auth;
	sc.allow_plaintext_auth = sd->plan.allow_plaintext_auth;
	sc.trace = sd->plan.verbose ? main_trace : NULL;
	tty_progress_init(&prog, msg_size(sd->msg), STDERR_FILENO);
	sc.progress = main_progress;
	sc.progress_ctx = &prog;

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
	if ((rc = main_fit(sd, &fit, smtp_caps(s), &m, e)) == 0) {
		sd->out.msg = (struct msg_facts){ true, m.size, m.eightbit,
		    m.smtputf8, fit.converted };
		tty_progress_init(&prog, m.size, STDERR_FILENO);
		rc = smtp_send(s, &m, true, e);
	}
	if (tty_progress_end(&prog))	/* a send that failed half-way */
		report_progress_clear(stderr);
	smtp_close(s);
	fit_free(&fit);
	return rc;
}

/*
 * The configuration files: the system file, then the user file or the
 * one -C names (msmtp's rule: -C replaces the user file).  --host alone
 * means the command line alone, as in msmtp, so that a password written
 * for one server is never offered to another; -a or -C asks for both.
 */
static int
main_conf(struct send *sd, const struct options *o, struct err *e)
{
	char *user;
	int rc;

	if (o->host != NULL && o->account == NULL && o->conffile == NULL)
		return priv_drop(e);
	if ((sd->conf = conf_new()) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	/* The system file is all the setgid group is for (priv.h): it is
	 * given up before anything the user names is opened. */
	rc = conf_load(sd->conf, conf_system_path(), true, e);
	if (priv_drop(e) < 0 || rc < 0)
		return -1;
	if (o->conffile != NULL)
		return conf_load(sd->conf, o->conffile, false, e);
	if ((user = conf_user_path()) == NULL)
		return 0;
	rc = conf_load(sd->conf, user, true, e);
	free(user);
	return rc;
}

/* One line per message tried, where the configuration asks for one; a
 * log that cannot be written is a warning, not a failed send. */
static void
main_log(struct send *sd, const struct err *e, int status)
{
	struct log_entry le;
	struct err le_err;

	if (sd->plan.host == NULL || sd->plan.pretend)
		return;
	memset(&le, 0, sizeof(le));
	le.plan = &sd->plan;
	le.out = &sd->out;
	le.err = e;
	le.from = sd->from;
	le.rcpts = sd->rcpts;
	le.nrcpt = sd->nrcpt;
	le.size = sd->msg != NULL ? msg_size(sd->msg) : 0;
	le.status = status;
	err_clear(&le_err);
	if (log_message(&le, time(NULL), &le_err) < 0)
		report_error(stderr, "tlsmail: warning", &le_err);
}

static int
main_send(struct send *sd, const struct options *o, struct err *e)
{
	struct msg_opts mo = { .read_rcpts = o->read_rcpts };
	struct hdrfill_conf fill;

	if (main_conf(sd, o, e) < 0 ||
	    plan_build_conf(&sd->plan, o, sd->conf, e) < 0 ||
	    priv_check_secret(sd->conf, o, &sd->plan.pw_hidden, e) < 0)
		return -1;
	if (sd->plan.pretend) {		/* before stdin is read */
		report_plan(stdout, &sd->plan);
		return 0;
	}
	if (main_fill(sd, &fill, &mo, e) < 0 ||
	    main_input(sd, &mo, e) < 0 ||
	    main_envelope(sd, e) < 0 || main_local_rcpts(sd, e) < 0 ||
	    main_tls(sd, e) < 0)
		return -1;
	if (sd->plan.user != NULL && sd->plan.pw_source != PLAN_PW_NONE &&
	    secret_get(&sd->plan, &sd->password, e) < 0)
		return -1;
	return main_session(sd, e);
}

static void
main_cleanup(struct send *sd)
{
	secret_free(sd->password);
	tls_ctx_free(sd->tls);
	msg_free(sd->msg);
	if (sd->resolved != NULL)
		sd->rcpts = NULL;	/* the same array */
	aliases_list_free(sd->resolved, sd->nresolved);
	free(sd->rcpts);
	free(sd->from);
	outcome_free(&sd->out);
	plan_free(&sd->plan);
	conf_free(sd->conf);		/* the plan pointed into it */
}

/* The probe's settings, from its plan. */
static void
main_probe_conf(struct probe_conf *pc, const struct plan *p)
{
	memset(pc, 0, sizeof(*pc));
	pc->host = p->host;
	pc->port = p->port;
	pc->tls = p->tls;
	pc->cafile = p->cafile;
	pc->priority = p->tls_priority;
	pc->pin = p->fingerprint;
	pc->ehlo = p->ehlo;
	pc->timeout_ms = p->timeout * 1000;
	pc->versions = true;
	pc->trace = p->verbose ? main_trace : NULL;
}

/* --probe: every port, the verdict, the report on stdout; the exit status
 * is the verdict's (exitcode_probe), 3 when nothing could be probed. */
static int
main_probe(const struct options *o)
{
	struct plan plan;
	struct probe_conf pc;
	struct probe_result r;
	struct verdict v;
	struct verdict_conf vc;
	struct err e;
	int status = exitcode_probe(NULL);

	err_clear(&e);
	memset(&r, 0, sizeof(r));
	memset(&v, 0, sizeof(v));
	vc.now = time(NULL);
	if (plan_build_probe(&plan, o, &e) < 0)
		goto done;
	main_probe_conf(&pc, &plan);
	vc.warn_days = plan.warn_days;
	if (probe_run(&r, &pc, &e) < 0 ||
	    verdict_judge(&v, r.outs, r.n, &vc, &e) < 0)
		goto done;
	if (plan.json)
		report_json_probe(stdout, plan.host, r.outs, r.n, &v,
		    plan.warn_days, vc.now);
	else
		report_probe(stdout, r.outs, r.n, &v, vc.now);
	status = exitcode_probe(&v);
done:
	if (e.cls != ERR_NONE)
		report_error(stderr, "tlsmail", &e);
	verdict_free(&v);
	probe_result_free(&r);
	plan_free(&plan);
	return status;
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };
	struct options o;
	struct send sd;
	struct err e;
	int status;

	/* A core file would hold the password; so would a debugger. */
	setrlimit(RLIMIT_CORE, &nocore);
	priv_init();
	err_clear(&e);
	memset(&sd, 0, sizeof(sd));
	outcome_init(&sd.out);
	if (cli_parse(&o, argc, argv, &e) < 0) {
		cli_free(&o);
		report_error(stderr, "tlsmail", &e);
		return o.action == CLI_PROBE ? exitcode_probe(NULL) :
		    exitcode_of(&e);
	}
	if (o.action != CLI_SEND)
		cli_free(&o);	/* the lists are for composing only */
	if (o.action != CLI_SEND && priv_drop(&e) < 0) {
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
	if (o.action == CLI_PROBE)
		return main_probe(&o);
	if (o.action == CLI_NEWALIASES)	/* aliases are read as they are */
		return 0;
	main_send(&sd, &o, &e);
	sd.out.err = e;
	if (sd.plan.report && sd.out.server != NULL)
		report_session(stderr, &sd.out, time(NULL));
	if (o.json)
		report_json_send(stdout, &sd.out, time(NULL));
	if (e.cls != ERR_NONE)
		report_error(stderr, "tlsmail", &e);
	status = exitcode_of(&e);
	main_log(&sd, &e, status);
	main_cleanup(&sd);
	cli_free(&o);
	return status;
}

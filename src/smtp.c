/*
 * SMTP submission client.
 *
 *   RFC 5321  SMTP
 *   RFC 6409  Message Submission
 *   RFC 3207  STARTTLS
 *   RFC 8314  implicit TLS for submission
 *   RFC 2920  PIPELINING
 *   RFC 3030  CHUNKING (BDAT)
 *   RFC 4954  AUTH
 *   RFC 1870  SIZE
 *   RFC 6152  8BITMIME
 *
 * Each command is queued with the state whose handler reads its reply
 * (smtp_cmd); smtp_sync flushes the queue in one write and runs the
 * handlers in order.  Without PIPELINING the queue never holds more than
 * one command.  Handlers record results; they fail only when the session
 * cannot go on.
 */
#include <config.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dot.h"
#include "hint.h"
#include "io.h"
#include "reply.h"
#include "smtp.h"

enum smtp_state {
	SMTP_GREETING,
	SMTP_EHLO,
	SMTP_HELO,
	SMTP_STARTTLS,
	SMTP_AUTH,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_DOT,
	SMTP_BDAT,
	SMTP_RSET,
	SMTP_QUIT
};

static const char *const smtp_state_names[] = {
	[SMTP_GREETING] = "GREETING",
	[SMTP_EHLO] = "EHLO",
	[SMTP_HELO] = "HELO",
	[SMTP_STARTTLS] = "STARTTLS",
	[SMTP_AUTH] = "AUTH",
	[SMTP_MAIL] = "MAIL",
	[SMTP_RCPT] = "RCPT",
	[SMTP_DATA] = "DATA",
	[SMTP_DOT] = "end of data",
	[SMTP_BDAT] = "BDAT",
	[SMTP_RSET] = "RSET",
	[SMTP_QUIT] = "QUIT",
};

static const enum err_step smtp_state_step[] = {
	[SMTP_GREETING] = STEP_GREETING,
	[SMTP_EHLO] = STEP_EHLO,
	[SMTP_HELO] = STEP_EHLO,
	[SMTP_STARTTLS] = STEP_STARTTLS,
	[SMTP_AUTH] = STEP_AUTH,
	[SMTP_MAIL] = STEP_MAIL,
	[SMTP_RCPT] = STEP_RCPT,
	[SMTP_DATA] = STEP_DATA,
	[SMTP_DOT] = STEP_DATA,
	[SMTP_BDAT] = STEP_DATA,
	[SMTP_RSET] = STEP_QUIT,
	[SMTP_QUIT] = STEP_QUIT,
};

/* EHLO keywords tlsmail acts on (RFC 5321 4.1.1.1). */
#define CAP_PIPELINING	SMTP_CAP_PIPELINING
#define CAP_STARTTLS	SMTP_CAP_STARTTLS
#define CAP_SIZE	SMTP_CAP_SIZE
#define CAP_8BITMIME	SMTP_CAP_8BITMIME
#define CAP_CHUNKING	SMTP_CAP_CHUNKING
#define CAP_AUTH	SMTP_CAP_AUTH
#define CAP_SMTPUTF8	SMTP_CAP_SMTPUTF8
#define CAP_DSN		SMTP_CAP_DSN

#define SMTP_CHUNK	65536	/* message bytes read per step */
#define SMTP_FLUSH_AT	65536	/* queued bytes that force a write */

struct smtp_pending {
	enum smtp_state st;
	size_t	 idx;		/* recipient index for RCPT */
};

/* What the replies of one transaction said. */
struct smtp_txn {
	const struct smtp_msg *msg;
	bool	 auth_failed;
	bool	 mail_ok;
	size_t	 rcpt_ok;
	bool	 data_ok;	/* 354 to DATA */
	bool	 done;		/* 250 to the end of data / BDAT LAST */
	struct err first;	/* first failure, in command order */
};

struct smtp {
	const struct smtp_conf *conf;
	struct outcome *out;
	struct io *io;
	struct tls_conn *tls;
	struct reply reply;
	struct smtp_pending *pend;
	size_t	 npend, pendcap;
	unsigned caps;
	size_t	 size_max;	/* SIZE parameter, 0: no limit given */
	char	*auth_mechs;	/* AUTH parameters after TLS */
	struct sasl sasl;
	struct sasl_chan chan;	/* what sasl knows of this session */
	bool	 sasl_pending;	/* AUTH queued, its reply not read yet */
	bool	 sasl_pipelined;/* ... and commands may follow it */
	bool	 tls_active;
	bool	 quit_sent;
	bool	 broken;	/* the connection cannot carry more */
	struct smtp_txn *txn;
	char	*ehlo;		/* the name we greet with */
};

enum err_class
smtp_reply_class(enum err_step step, int code)
{
	if (code >= 400 && code < 500)
		return ERR_TEMP;
	if (code < 500 || code > 599)
		return ERR_PROTOCOL;
	switch (step) {
	case STEP_MAIL:
	case STEP_RCPT:
	case STEP_DATA:
		return ERR_DATA;
	case STEP_AUTH:
		return ERR_AUTH;
	case STEP_STARTTLS:
		return ERR_SECURITY;
	default:
		return ERR_UNAVAILABLE;
	}
}

/* ---- transcript ---- */

static void
smtp_trace(struct smtp *s, char dir, const char *line, size_t len)
{
	if (s->conf->trace != NULL)
		s->conf->trace(s->conf->trace_ctx, dir, line, len);
}

static void
smtp_note(struct smtp *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (s->conf->trace == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		smtp_trace(s, '*', buf, strlen(buf));
}

/* ---- failures ---- */

/* The reply text on one line, for messages. */
static const char *
smtp_reply_oneline(struct smtp *s)
{
	for (size_t i = 0; i < s->reply.len; i++)
		if (s->reply.text[i] == '\n')
			s->reply.text[i] = ' ';
	return s->reply.text ? s->reply.text : "";
}

/* Fails with the class the reply code gives. */
static int
smtp_fail_reply(struct smtp *s, enum err_step step, struct err *e,
    const char *what)
{
	int code = s->reply.code;

	err_set(e, smtp_reply_class(step, code), step, "%s: %d %s", what, code,
	    smtp_reply_oneline(s));
	e->code = code;
	if (code >= 400 && code < 500)
		err_hint(e, "a temporary failure; try again later");
	return -1;
}

/* ---- commands and replies ---- */

static int
smtp_push(struct smtp *s, enum smtp_state st, size_t idx, struct err *e)
{
	if (s->npend == s->pendcap) {
		size_t cap = s->pendcap ? 2 * s->pendcap : 8;
		struct smtp_pending *p = realloc(s->pend, cap * sizeof(*p));

		if (p == NULL)
			return err_set(e, ERR_OS, smtp_state_step[st],
			    "out of memory");
		s->pend = p;
		s->pendcap = cap;
	}
	s->pend[s->npend].st = st;
	s->pend[s->npend].idx = idx;
	s->npend++;
	return 0;
}

/*
 * Queues one command line.  shown is what the transcript gets: the line
 * itself, or a masked copy when it carries a credential.
 */
static int
smtp_queue(struct smtp *s, enum smtp_state st, size_t idx, const char *line,
    const char *shown, struct err *e)
{
	size_t n = strlen(line);

	/* A command is one line: nothing here may end it early. */
	if (strpbrk(line, "\r\n") != NULL)
		return err_set(e, ERR_INTERNAL, smtp_state_step[st],
		    "refusing to send a command with a line break");
	smtp_trace(s, '>', shown ? shown : line, strlen(shown ? shown : line));
	if (io_put(s->io, line, n, e) < 0 || io_put(s->io, "\r\n", 2, e) < 0)
		return -1;
	return smtp_push(s, st, idx, e);
}

static int smtp_sync(struct smtp *, struct err *);

/* Queues a command, and without PIPELINING waits for its reply at once. */
static int
smtp_cmd(struct smtp *s, enum smtp_state st, size_t idx, const char *line,
    const char *shown, struct err *e)
{
	if (smtp_queue(s, st, idx, line, shown, e) < 0)
		return -1;
	if (!(s->caps & CAP_PIPELINING))
		return smtp_sync(s, e);
	return 0;
}

/* Reads one complete reply into s->reply. */
static int
smtp_read_reply(struct smtp *s, enum err_step step, struct err *e)
{
	reply_reset(&s->reply);
	io_arm(s->io, s->conf->timeout_ms);
	for (;;) {
		const char *line;
		size_t len;
		int r;

		if (io_getline(s->io, &line, &len, REPLY_LINE_MAX, step, e) < 0)
			return -1;
		smtp_trace(s, '<', line, len);
		if ((r = reply_feed(&s->reply, line, len, step, e)) < 0)
			return -1;
		if (r == 1)
			return 0;
	}
}

static int smtp_handle(struct smtp *, const struct smtp_pending *,
    struct err *);

/*
 * Sends what is queued in one write and reads every reply it is owed, in
 * order.  Fails when the connection cannot go on; rejections that leave the
 * session usable are recorded by the handlers instead.
 */
/*
 * A reply that never came.  When it was the reply to the end of the
 * message, the server may or may not have taken it: say so, since the
 * caller must not assume either (RFC 5321 4.1.1.4, and RFC 1047 on the
 * duplicates that follow).
 */
static int
smtp_lost(struct smtp *s, enum smtp_state st, struct err *e)
{
	char was[ERR_MSG_MAX];

	if (st == SMTP_QUIT)
		return 0;	/* the session was over anyway */
	if (e->cls != ERR_TEMP)
		return -1;
	if (st != SMTP_DOT && st != SMTP_BDAT) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof(e->msg) - n, " (awaiting the "
		    "reply to %s)", smtp_state_names[st]);
		return -1;
	}
	s->out->delivery_unknown = true;
	snprintf(was, sizeof(was), "%s", e->msg);
	err_set(e, ERR_TEMP, STEP_DATA, "delivery unknown: the message was "
	    "sent, but no reply to its end came (%.200s)", was);
	err_hint(e, "check whether it arrived before sending it again");
	return -1;
}

/*
 * Sends what is queued in one write and reads every reply it is owed, in
 * order.  Fails when the connection cannot go on; rejections that leave the
 * session usable are recorded by the handlers instead.
 */
static int
smtp_sync(struct smtp *s, struct err *e)
{
	size_t n = s->npend;
	int rc = 0;

	if (n == 0)
		return 0;
	s->npend = 0;
	/* Anything unread now answers no command we sent (RFC 2920 3.1). */
	if (io_unread(s->io) > 0) {
		s->broken = true;
		return err_set(e, ERR_PROTOCOL, smtp_state_step[s->pend[0].st],
		    "server sent a reply to a command that was not sent");
	}
	io_arm(s->io, s->conf->timeout_ms);
	if (io_flush(s->io, smtp_state_step[s->pend[0].st], e) < 0) {
		s->broken = true;
		return -1;
	}
	s->out->round_trips++;
	for (size_t i = 0; i < n && rc == 0; i++) {
		enum smtp_state st = s->pend[i].st;

		if (smtp_read_reply(s, smtp_state_step[st], e) < 0) {
			s->broken = true;
			rc = smtp_lost(s, st, e);
			break;
		}
		rc = smtp_handle(s, &s->pend[i], e);
	}
	if (rc < 0)
		s->broken = true;
	return rc;
}

/* ---- EHLO ---- */

static bool
smtp_keyword(const char *line, size_t len, const char *kw, const char **arg)
{
	size_t n = strlen(kw);

	if (len < n || strncasecmp(line, kw, n) != 0)
		return false;
	if (len > n && line[n] != ' ' && line[n] != '=')
		return false;
	*arg = len > n ? line + n + 1 : line + len;
	return true;
}

/* Records the capabilities of an EHLO reply, replacing any earlier ones:
 * after STARTTLS, nothing learned before it is kept (RFC 3207 4.2). */
static int
smtp_parse_caps(struct smtp *s, struct err *e)
{
	const char *line, *arg;
	size_t len;
	char **store = s->tls_active ? &s->out->caps_tls : &s->out->caps_plain;

	s->caps = 0;
	s->size_max = 0;
	free(s->auth_mechs);
	s->auth_mechs = NULL;
	for (size_t i = 1; (line = reply_line(&s->reply, i, &len)); i++) {
		if (smtp_keyword(line, len, "PIPELINING", &arg))
			s->caps |= CAP_PIPELINING;
		else if (smtp_keyword(line, len, "STARTTLS", &arg))
			s->caps |= CAP_STARTTLS;
		else if (smtp_keyword(line, len, "SIZE", &arg)) {
			s->caps |= CAP_SIZE;
			s->size_max = strtoul(arg, NULL, 10);
		} else if (smtp_keyword(line, len, "8BITMIME", &arg))
			s->caps |= CAP_8BITMIME;
		else if (smtp_keyword(line, len, "CHUNKING", &arg))
			s->caps |= CAP_CHUNKING;
		else if (smtp_keyword(line, len, "SMTPUTF8", &arg))
			s->caps |= CAP_SMTPUTF8;
		else if (smtp_keyword(line, len, "DSN", &arg))
			s->caps |= CAP_DSN;
		else if (smtp_keyword(line, len, "AUTH", &arg)) {
			s->caps |= CAP_AUTH;
			free(s->auth_mechs);
			s->auth_mechs = strndup(arg, len - (size_t)(arg - line));
			if (s->auth_mechs == NULL)
				return err_set(e, ERR_OS, STEP_EHLO,
				    "out of memory");
		}
	}
	if (!s->tls_active) {
		s->out->starttls_offered = (s->caps & CAP_STARTTLS) != 0;
		s->out->auth_in_clear = (s->caps & CAP_AUTH) != 0;
	}
	free(*store);
	if ((*store = strdup(s->reply.text ? s->reply.text : "")) == NULL)
		return err_set(e, ERR_OS, STEP_EHLO, "out of memory");
	return 0;
}

static int
smtp_on_ehlo(struct smtp *s, struct err *e)
{
	if (s->reply.code == 250)
		return smtp_parse_caps(s, e);
	if (s->reply.code >= 500 && s->reply.code < 600 && !s->tls_active &&
	    s->conf->tls == PLAN_TLS_STARTTLS) {
		/* RFC 3207: no EHLO, no STARTTLS.  HELO would be plaintext. */
		smtp_fail_reply(s, STEP_EHLO, e, "server refused EHLO, so "
		    "STARTTLS cannot be used");
		e->cls = ERR_SECURITY;
		err_hint(e, "TLS is required; use a server that speaks ESMTP, "
		    "or --tls=off if you accept plaintext");
		return -1;
	}
	if (s->reply.code >= 500 && s->reply.code < 600 && !s->tls_active) {
		s->caps = 0;	/* plaintext only: fall back to HELO */
		return 1;
	}
	return smtp_fail_reply(s, STEP_EHLO, e, s->tls_active ?
	    "server refused EHLO after TLS" : "server refused EHLO");
}

/* ---- per-state reply handlers ---- */

static int
smtp_txn_fail(struct smtp *s, enum err_step step, const char *what,
    struct err *e)
{
	struct smtp_txn *t = s->txn;
	const char *hint;

	(void)e;
	if (t->first.cls != ERR_NONE)
		return 0;
	smtp_fail_reply(s, step, &t->first, what);
	if (s->reply.code >= 500 && (hint = hint_refusal(step, s->reply.code,
	    smtp_reply_oneline(s), s->conf->cred != NULL)) != NULL)
		err_hint(&t->first, "%s", hint);
	return 0;
}

/* What to do after a 5xx to AUTH: the mechanism's own words when it has
 * some (e.g. an OAuth error status), else the credentials. */
static void
smtp_auth_hint(struct smtp *s, struct err *e)
{
	if (e->step != STEP_AUTH || e->code < 500)
		return;
	if (s->sasl.note[0] != '\0')
		err_hint(e, "the server's %s error: %s", sasl_name(&s->sasl),
		    s->sasl.note);
	else
		err_hint(e, "check --user and the password");
}

static int
smtp_on_auth(struct smtp *s, struct err *e)
{
	s->sasl_pending = false;
	if (s->reply.code == 235 && !sasl_complete(&s->sasl)) {
		/* RFC 5802 section 5: success without a verified server
		 * signature is a failure. */
		err_set(e, ERR_AUTH, STEP_AUTH, "server accepted AUTH %s "
		    "without proving that it knows the password: possible "
		    "impostor", sasl_name(&s->sasl));
		err_hint(e, "someone may be impersonating the server; the "
		    "message was not sent");
		return -1;
	}
	if (s->reply.code == 235) {
		snprintf(s->out->auth_mech, sizeof(s->out->auth_mech), "%s",
		    sasl_name(&s->sasl));
		return 0;
	}
	if (s->reply.code == 334 && !s->sasl_pipelined) {
		s->sasl_pending = true;	/* the exchange goes on */
		return 0;
	}
	if (s->reply.code == 334)	/* what we pipelined after AUTH would
					   be taken for SASL responses */
		return err_set(e, ERR_PROTOCOL, STEP_AUTH, "server sent a "
		    "challenge to AUTH %s with an initial response",
		    sasl_name(&s->sasl));
	if (s->txn != NULL) {
		s->txn->auth_failed = true;
		smtp_txn_fail(s, STEP_AUTH, "server refused authentication",
		    e);
		smtp_auth_hint(s, &s->txn->first);
		return 0;
	}
	smtp_fail_reply(s, STEP_AUTH, e, "server refused authentication");
	smtp_auth_hint(s, e);
	return -1;
}

static int
smtp_on_rcpt(struct smtp *s, size_t idx, struct err *e)
{
	struct rcpt_result *r = &s->out->rcpts[idx];
	char what[300];

	r->code = s->reply.code;
	free(r->text);
	if ((r->text = strdup(smtp_reply_oneline(s))) == NULL)
		return err_set(e, ERR_OS, STEP_RCPT, "out of memory");
	if (s->reply.code / 100 == 2) {
		s->txn->rcpt_ok++;
		return 0;
	}
	snprintf(what, sizeof(what), "server refused recipient <%.200s>",
	    r->addr);
	return smtp_txn_fail(s, STEP_RCPT, what, e);
}

static int
smtp_on_final(struct smtp *s, struct err *e)
{
	struct outcome *o = s->out;

	o->final_code = s->reply.code;
	free(o->final_text);
	if ((o->final_text = strdup(smtp_reply_oneline(s))) == NULL)
		return err_set(e, ERR_OS, STEP_DATA, "out of memory");
	if (s->reply.code / 100 == 2) {
		s->txn->done = true;
		o->delivered = true;
		return 0;
	}
	return smtp_txn_fail(s, STEP_DATA, "server refused the message", e);
}

static int
smtp_handle(struct smtp *s, const struct smtp_pending *p, struct err *e)
{
	struct smtp_txn *t = s->txn;

	switch (p->st) {
	case SMTP_GREETING:
	case SMTP_EHLO:
	case SMTP_HELO:
	case SMTP_STARTTLS:
		return 0;	/* read by their callers, never pipelined */
	case SMTP_AUTH:
		return smtp_on_auth(s, e);
	case SMTP_MAIL:
		if (s->reply.code / 100 == 2)
			return (t->mail_ok = true), 0;
		smtp_txn_fail(s, STEP_MAIL, "server refused sender", e);
		return 0;
	case SMTP_RCPT:
		return smtp_on_rcpt(s, p->idx, e);
	case SMTP_DATA:
		if (s->reply.code == 354)
			return (t->data_ok = true), 0;
		return smtp_txn_fail(s, STEP_DATA, "server refused DATA", e);
	case SMTP_DOT:
	case SMTP_BDAT:
		return smtp_on_final(s, e);
	case SMTP_RSET:
	case SMTP_QUIT:
		return 0;	/* the session is over either way */
	}
	return 0;
}

/* ---- opening ---- */

/* RFC 8314 3.3: a port for implicit TLS waits for our ClientHello, so in
 * plaintext no greeting comes (a timeout), or TLS bytes come instead. */
static int
smtp_no_greeting(struct smtp *s, struct err *e)
{
	if (s->conf->tls == PLAN_TLS_IMPLICIT || e->code != 0)
		return -1;
	if (s->conf->port == PLAN_PORT_SUBMISSIONS)
		err_hint(e, "port 465 expects implicit TLS: try --tls=implicit");
	else if (e->cls == ERR_TEMP || e->cls == ERR_PROTOCOL)
		err_hint(e, "no SMTP greeting came; if port %u expects "
		    "implicit TLS, try --tls=implicit", s->conf->port);
	return -1;
}

static int
smtp_greeting(struct smtp *s, struct err *e)
{
	io_arm(s->io, s->conf->timeout_ms);
	s->out->round_trips++;
	if (smtp_read_reply(s, STEP_GREETING, e) < 0)
		return smtp_no_greeting(s, e);
	free(s->out->greeting);
	s->out->greeting = strdup(smtp_reply_oneline(s));
	if (s->reply.code == 220)
		return 0;
	return smtp_fail_reply(s, STEP_GREETING, e, "server refused the "
	    "session");
}

/* EHLO, or HELO when EHLO is refused and plaintext was asked for. */
static int
smtp_ehlo(struct smtp *s, struct err *e)
{
	char line[300];
	int r;

	snprintf(line, sizeof(line), "EHLO %s", s->ehlo);
	if (smtp_queue(s, SMTP_EHLO, 0, line, NULL, e) < 0 ||
	    smtp_sync(s, e) < 0)
		return -1;
	if ((r = smtp_on_ehlo(s, e)) <= 0)
		return r;
	snprintf(line, sizeof(line), "HELO %s", s->ehlo);
	if (smtp_queue(s, SMTP_HELO, 0, line, NULL, e) < 0 ||
	    smtp_sync(s, e) < 0)
		return -1;
	if (s->reply.code == 250)
		return 0;
	return smtp_fail_reply(s, STEP_EHLO, e, "server refused HELO");
}

/* Implicit TLS to a port that speaks SMTP first: the handshake finds the
 * plaintext greeting ("220 ...") where the ServerHello should be, which
 * is no injection but the wrong mode. */
static int
smtp_tls_failed(struct smtp *s, struct err *e)
{
	if (s->conf->tls != PLAN_TLS_IMPLICIT || e->cls != ERR_PROTOCOL)
		return -1;
	err_set(e, ERR_PROTOCOL, STEP_TLS, "the server answered in "
	    "plaintext, not TLS");
	err_hint(e, "port %u speaks plaintext first: try --tls=starttls",
	    s->conf->port);
	return -1;
}

static int
smtp_handshake(struct smtp *s, struct err *e)
{
	if (tls_conn_new(&s->tls, s->conf->tls_ctx, io_fd(s->io),
	    s->conf->tls_name ? s->conf->tls_name : s->conf->host,
	    &s->out->tls, e) < 0)
		return -1;
	io_arm(s->io, s->conf->timeout_ms);
	s->out->round_trips++;
	if (io_start_tls(s->io, s->tls, e) < 0)
		return smtp_tls_failed(s, e);
	tls_facts_session(s->tls, &s->out->tls);
	s->tls_active = true;
	smtp_note(s, "TLS %s %s", s->out->tls.version, s->out->tls.cipher);
	return 0;
}

/* RFC 3207, with the lessons of "Why TLS is better without STARTTLS"
 * (USENIX Security 2021): refuse to go on in clear, and treat any byte
 * that arrives after the 220 and before the handshake as an attack. */
static int
smtp_starttls(struct smtp *s, struct err *e)
{
	if (!(s->caps & CAP_STARTTLS) && s->conf->probe) {
		smtp_note(s, "probe: STARTTLS not offered");
		return 0;	/* a finding; QUIT goes in clear */
	}
	if (!(s->caps & CAP_STARTTLS)) {
		err_set(e, ERR_SECURITY, STEP_STARTTLS, "server does not "
		    "offer STARTTLS (the server or the network refused TLS)");
		err_hint(e, "TLS is required; use a server that offers it, or "
		    "--tls=off if you accept plaintext");
		return -1;
	}
	if (smtp_queue(s, SMTP_STARTTLS, 0, "STARTTLS", NULL, e) < 0 ||
	    smtp_sync(s, e) < 0)
		return -1;
	s->out->starttls_code = s->reply.code;
	if (s->reply.code != 220 && s->conf->probe) {
		smtp_note(s, "probe: STARTTLS refused");
		return 0;
	}
	if (s->reply.code != 220) {
		/* Even a 454 is not retried as a temporary failure: whoever
		 * strips STARTTLS can make it permanent. */
		smtp_fail_reply(s, STEP_STARTTLS, e, "server refused STARTTLS "
		    "(the server or the network refused TLS)");
		e->cls = ERR_SECURITY;
		err_hint(e, "TLS is required; use --tls=off only if you accept "
		    "plaintext");
		return -1;
	}
	if (io_unread(s->io) > 0) {
		err_set(e, ERR_PROTOCOL, STEP_STARTTLS, "data arrived after the "
		    "220 reply to STARTTLS, before TLS: possible STARTTLS "
		    "command injection (CVE-2011-0411 class)");
		err_hint(e, "someone on the network or the server is tampering "
		    "with the session");
		return -1;
	}
	if (smtp_handshake(s, e) < 0)
		return -1;
	/* RFC 3207 4.2: forget everything learned before TLS. */
	s->caps = 0;
	return smtp_ehlo(s, e);
}

#define SMTP_AUTH_ROUNDS	8	/* challenges before we give up */

/* Runs a multi-step exchange to its end: each 334 challenge is answered
 * with the mechanism's response, masked in the transcript. */
static int
smtp_auth_exchange(struct smtp *s, struct err *e)
{
	for (int round = 0;; round++) {
		char *resp;
		int rc;

		if (smtp_sync(s, e) < 0)
			return -1;
		if (!s->sasl_pending)
			return 0;
		if (round == SMTP_AUTH_ROUNDS)
			return err_set(e, ERR_PROTOCOL, STEP_AUTH,
			    "server sent more than %d AUTH challenges",
			    SMTP_AUTH_ROUNDS);
		if (sasl_step(&s->sasl, s->reply.text, s->reply.len, &resp,
		    e) < 0)
			return -1;
		rc = smtp_queue(s, SMTP_AUTH, 0, resp, "********", e);
		sasl_wipe(resp);
		if (rc < 0)
			return -1;
	}
}

/* What the mechanisms may use of this session: the AUTH list seen over
 * TLS, the client certificate, the channel binding for -PLUS. */
static void
smtp_auth_chan(struct smtp *s)
{
	struct sasl_chan *ch = &s->chan;

	memset(ch, 0, sizeof(*ch));
	ch->offered = s->auth_mechs;
	ch->tls = s->tls_active;
	ch->allow_clear = s->conf->allow_plaintext_auth;
	if (!s->tls_active)
		return;
	ch->client_cert = tls_client_cert_sent(s->tls);
	ch->cb_len = sizeof(ch->cb_data);
	if (tls_channel_binding(s->tls, &ch->cb_type, ch->cb_data,
	    &ch->cb_len) < 0)
		ch->cb_len = 0;
}

/* Chooses the mechanism and starts it; a one-step mechanism is queued to
 * leave with the first transaction (RFC 4954 section 4), any other runs
 * its exchange now. */
static int
smtp_auth(struct smtp *s, struct err *e)
{
	const char *mech;
	char *initial = NULL, *line, shown[64];
	bool one_step;
	size_t n;
	int rc;

	if (!(s->caps & CAP_AUTH)) {
		err_set(e, ERR_UNAVAILABLE, STEP_AUTH, "server offers no "
		    "authentication%s", s->tls_active ? " over TLS" : "");
		err_hint(e, "drop --user if this server needs no login");
		return -1;
	}
	smtp_auth_chan(s);
	if ((mech = sasl_choose(s->conf->cred, &s->chan, s->conf->auth,
	    e)) == NULL || sasl_start(&s->sasl, mech, s->conf->cred, &s->chan,
	    &initial, e) < 0)
		return -1;
	n = strlen(mech) + (initial ? strlen(initial) : 0) + 8;
	if ((line = malloc(n)) == NULL) {
		sasl_wipe(initial);
		return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
	}
	snprintf(line, n, "AUTH %s%s%s", mech, initial ? " " : "",
	    initial ? initial : "");
	snprintf(shown, sizeof(shown), "AUTH %s%s", mech,
	    initial ? " ********" : "");
	one_step = initial != NULL && sasl_one_step(&s->sasl);
	rc = smtp_queue(s, SMTP_AUTH, 0, line, shown, e);
	sasl_wipe(line);
	sasl_wipe(initial);
	if (rc < 0)
		return -1;
	s->sasl_pending = true;
	s->sasl_pipelined = one_step && (s->caps & CAP_PIPELINING);
	if (s->sasl_pipelined)
		return 0;
	return smtp_auth_exchange(s, e);
}

/* RFC 5321 4.1.3: with no usable name, greet with our address literal. */
static int
smtp_set_ehlo(struct smtp *s, struct err *e)
{
	if (s->conf->ehlo != NULL) {
		s->ehlo = strdup(s->conf->ehlo);
	} else {
		char lit[INET6_ADDRSTRLEN + 8];

		if (io_local_literal(s->io, lit, sizeof(lit), e) < 0)
			return -1;
		s->ehlo = strdup(lit);
	}
	if (s->ehlo == NULL)
		return err_set(e, ERR_OS, STEP_EHLO, "out of memory");
	return 0;
}

static void
smtp_free(struct smtp *s)
{
	if (s == NULL)
		return;
	if (s->io != NULL)
		s->out->writes = io_writes(s->io);
	/* A TLS 1.3 ticket arrives after the handshake: look again. */
	if (s->tls != NULL && s->tls_active)
		tls_facts_session(s->tls, &s->out->tls);
	io_free(s->io);
	tls_conn_free(s->tls);
	reply_free(&s->reply);
	free(s->pend);
	sasl_end(&s->sasl);
	free(s->auth_mechs);
	free(s->ehlo);
	free(s);
}

int
smtp_open(struct smtp **sp, const struct smtp_conf *c, struct outcome *o,
    struct err *e)
{
	struct smtp *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (o->server = strdup(c->host)) == NULL) {
		free(s);
		return err_set(e, ERR_OS, STEP_CONNECT, "out of memory");
	}
	s->conf = c;
	s->out = o;
	o->port = c->port;
	o->implicit_tls = c->tls == PLAN_TLS_IMPLICIT;
	o->tls_off = c->tls == PLAN_TLS_OFF;
	reply_init(&s->reply);
	if (io_connect(&s->io, c->host, c->port, c->timeout_ms, o->address,
	    sizeof(o->address), e) < 0)
		goto fail;
	io_limit(s->io, c->session_ms);
	o->round_trips++;
	smtp_note(s, "connected to %s port %u", o->address, c->port);
	if (smtp_set_ehlo(s, e) < 0)
		goto fail;
	if (c->tls == PLAN_TLS_IMPLICIT && smtp_handshake(s, e) < 0)
		goto fail;
	if (smtp_greeting(s, e) < 0 || smtp_ehlo(s, e) < 0)
		goto fail;
	if (c->tls == PLAN_TLS_STARTTLS && smtp_starttls(s, e) < 0)
		goto fail;
	if (c->cred != NULL && !c->probe && smtp_auth(s, e) < 0)
		goto fail;
	*sp = s;
	return 0;
fail:
	/* Nothing more crosses a connection that failed to open: no QUIT
	 * in clear after a refused STARTTLS, none after a bad certificate. */
	smtp_free(s);
	return -1;
}

/* ---- one message ---- */

/* The MAIL command with the parameters the message needs and the server
 * offers: RFC 1870 SIZE, RFC 6152 BODY; RFC 6531 SMTPUTF8 and RFC 3461
 * RET and ENVID come set only when offered (fit.c). */
static char *
smtp_mail_line(struct smtp *s, const struct smtp_msg *m)
{
	size_t n = strlen(m->from) + 96 +
	    (m->dsn_ret ? strlen(m->dsn_ret) : 0) +
	    (m->dsn_envid ? strlen(m->dsn_envid) : 0);
	char *line = malloc(n);
	size_t len;

	if (line == NULL)
		return NULL;
	len = (size_t)snprintf(line, n, "MAIL FROM:<%s>", m->from);
	if (s->caps & CAP_SIZE)
		len += (size_t)snprintf(line + len, n - len, " SIZE=%zu",
		    m->size);
	if (m->eightbit && (s->caps & CAP_8BITMIME))
		len += (size_t)snprintf(line + len, n - len, " BODY=8BITMIME");
	if (m->smtputf8)
		len += (size_t)snprintf(line + len, n - len, " SMTPUTF8");
	if (m->dsn_ret != NULL)
		len += (size_t)snprintf(line + len, n - len, " RET=%s",
		    m->dsn_ret);
	if (m->dsn_envid != NULL)
		snprintf(line + len, n - len, " ENVID=%s", m->dsn_envid);
	return line;
}

static int
smtp_envelope(struct smtp *s, const struct smtp_msg *m, struct err *e)
{
	char *line;
	size_t n;
	int rc;

	if ((line = smtp_mail_line(s, m)) == NULL)
		return err_set(e, ERR_OS, STEP_MAIL, "out of memory");
	rc = smtp_cmd(s, SMTP_MAIL, 0, line, NULL, e);
	free(line);
	for (size_t i = 0; rc == 0 && i < m->nrcpt; i++) {
		if (!(s->caps & CAP_PIPELINING) && s->txn->first.cls)
			break;	/* synchronous: stop at the first refusal */
		n = strlen(m->rcpts[i]) + 16 +
		    (m->dsn_notify ? strlen(m->dsn_notify) + 8 : 0);
		if ((line = malloc(n)) == NULL)
			return err_set(e, ERR_OS, STEP_RCPT, "out of memory");
		snprintf(line, n, "RCPT TO:<%s>%s%s", m->rcpts[i],
		    m->dsn_notify ? " NOTIFY=" : "",
		    m->dsn_notify ? m->dsn_notify : "");
		rc = smtp_cmd(s, SMTP_RCPT, i, line, NULL, e);
		free(line);
	}
	return rc;
}

static void
smtp_progress(struct smtp *s, size_t done, size_t total)
{
	if (s->conf->progress != NULL)
		s->conf->progress(s->conf->progress_ctx, done, total);
}

/* Streams the message into io; stuff selects DATA's dot-stuffing
 * (RFC 5321 4.5.2), off for BDAT whose chunks are counted octets. */
static int
smtp_body(struct smtp *s, const struct smtp_msg *m, bool stuff,
    struct err *e)
{
	struct dot_filter df;
	char *in, *out;
	ssize_t r = 0;
	size_t done = 0;

	if (m->rewind(m->ctx, e) < 0)
		return -1;
	in = malloc(SMTP_CHUNK);
	out = malloc(DOT_OUT_MAX(SMTP_CHUNK) + DOT_FINISH_MAX);
	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		return err_set(e, ERR_OS, STEP_DATA, "out of memory");
	}
	dot_init(&df, stuff ? DOT_STUFF : 0);
	smtp_progress(s, 0, m->size);
	while ((r = m->read(m->ctx, in, SMTP_CHUNK, e)) > 0) {
		size_t n = stuff ? dot_run(&df, in, (size_t)r, out) : (size_t)r;

		done += (size_t)r;
		if (io_put(s->io, stuff ? out : in, n, e) < 0) {
			r = -1;
			break;
		}
		if (io_queued(s->io) >= SMTP_FLUSH_AT) {
			io_arm(s->io, s->conf->timeout_ms);
			if ((r = io_flush(s->io, STEP_DATA, e)) < 0) {
				s->broken = true;
				break;
			}
			smtp_progress(s, done, m->size);
		}
	}
	if (r == 0 && stuff)
		r = io_put(s->io, out, dot_finish(&df, out), e);
	if (r == 0)
		smtp_progress(s, m->size, m->size);
	free(in);
	free(out);
	return r < 0 ? -1 : 0;
}

static int
smtp_queue_quit(struct smtp *s, bool last, struct err *e)
{
	if (!last)
		return 0;
	/* RFC 2920 3.1: without PIPELINING, QUIT waits for the reply to
	 * the end of data or RSET before it (OpenSMTPD refuses the message
	 * when QUIT arrives in the same read). */
	if (!(s->caps & CAP_PIPELINING) && smtp_sync(s, e) < 0)
		return -1;
	s->quit_sent = true;
	return smtp_queue(s, SMTP_QUIT, 0, "QUIT", NULL, e);
}

/* RFC 3030: BDAT with the whole message as one LAST chunk. */
static int
smtp_send_bdat(struct smtp *s, const struct smtp_msg *m, bool last,
    struct err *e)
{
	char line[64];

	/* With several recipients, learn which were accepted before the
	 * message leaves: BDAT would deliver to the accepted ones only. */
	if (m->nrcpt > 1 && (smtp_sync(s, e) < 0 || s->txn->first.cls))
		return -1;
	snprintf(line, sizeof(line), "BDAT %zu LAST", m->size);
	if (smtp_queue(s, SMTP_BDAT, 0, line, NULL, e) < 0)
		return -1;
	smtp_note(s, "(%zu octets of message)", m->size);
	if (smtp_body(s, m, false, e) < 0 || smtp_queue_quit(s, last, e) < 0)
		return -1;
	return smtp_sync(s, e);
}

static int
smtp_send_data(struct smtp *s, const struct smtp_msg *m, bool last,
    struct err *e)
{
	if (!(s->caps & CAP_PIPELINING) && s->txn->first.cls)
		return -1;
	if (smtp_cmd(s, SMTP_DATA, 0, "DATA", NULL, e) < 0 ||
	    smtp_sync(s, e) < 0)
		return -1;
	if (s->txn->first.cls || !s->txn->data_ok)
		return -1;
	smtp_note(s, "(%zu octets of message)", m->size);
	if (smtp_body(s, m, true, e) < 0 || smtp_push(s, SMTP_DOT, 0, e) < 0 ||
	    smtp_queue_quit(s, last, e) < 0)
		return -1;
	return smtp_sync(s, e);
}

/* Ends a transaction that will not deliver: RSET when the server is
 * still in command mode; after a 354 only closing the connection keeps
 * the server from delivering (RFC 5321 4.1.1.4: an incomplete message is
 * discarded). */
static void
smtp_abort(struct smtp *s, bool last)
{
	struct err ignored;

	if (s->broken || s->quit_sent)
		return;
	if (s->txn->data_ok && !s->txn->done) {
		smtp_note(s, "closing the connection inside DATA: no message "
		    "is delivered");
		s->broken = true;
		return;
	}
	err_clear(&ignored);
	if (smtp_queue(s, SMTP_RSET, 0, "RSET", NULL, &ignored) < 0 ||
	    smtp_queue_quit(s, last, &ignored) < 0 ||
	    smtp_sync(s, &ignored) < 0)
		s->broken = true;
}

static int
smtp_rcpts_init(struct smtp *s, const struct smtp_msg *m, struct err *e)
{
	struct outcome *o = s->out;

	for (size_t i = 0; i < o->nrcpt; i++) {
		free(o->rcpts[i].addr);
		free(o->rcpts[i].text);
	}
	free(o->rcpts);
	o->nrcpt = 0;
	if ((o->rcpts = calloc(m->nrcpt ? m->nrcpt : 1,
	    sizeof(*o->rcpts))) == NULL)
		return err_set(e, ERR_OS, STEP_RCPT, "out of memory");
	o->nrcpt = m->nrcpt;
	for (size_t i = 0; i < m->nrcpt; i++)
		if ((o->rcpts[i].addr = strdup(m->rcpts[i])) == NULL)
			return err_set(e, ERR_OS, STEP_RCPT, "out of memory");
	return 0;
}

/* The error a transaction ends with: the first refusal in command order,
 * or, when the connection broke, the connection's error. */
static int
smtp_txn_result(struct smtp *s, struct err *e)
{
	struct smtp_txn *t = s->txn;
	size_t refused = s->out->nrcpt - t->rcpt_ok;

	if (t->done) {
		if (t->auth_failed)
			smtp_note(s, "warning: the server accepted the message "
			    "although AUTH failed");
		err_clear(e);
		return 0;
	}
	if (t->first.cls == ERR_NONE)
		return -1;	/* e already says what broke */
	*e = t->first;
	if (e->step == STEP_RCPT && refused > 1) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof(e->msg) - n,
		    " (and %zu more recipients refused)", refused - 1);
	}
	if (e->step == STEP_RCPT && e->code >= 500) {
		char why[ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", e->hint);
		err_hint(e, "nothing was sent to any recipient; %s%s",
		    why[0] != '\0' ? why : "fix or drop the refused address",
		    why[0] != '\0' || refused < 2 ? "" : "es");
	}
	return -1;
}

int
smtp_send(struct smtp *s, const struct smtp_msg *m, bool last, struct err *e)
{
	struct smtp_txn t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.msg = m;
	if (s->broken)
		return err_set(e, ERR_TEMP, STEP_MAIL,
		    "the connection can carry no more messages");
	if (smtp_rcpts_init(s, m, e) < 0)
		return -1;
	if ((s->caps & CAP_SIZE) && s->size_max > 0 && m->size > s->size_max) {
		err_set(e, ERR_DATA, STEP_MAIL, "the message is %zu octets; "
		    "the server takes at most %zu", m->size, s->size_max);
		err_hint(e, "send a smaller message, or the files another way "
		    "(base64 makes an attachment a third larger)");
		return -1;
	}
	s->txn = &t;
	err_clear(&t.first);
	rc = smtp_envelope(s, m, e);
	if (rc == 0 && (s->caps & CAP_CHUNKING) && (s->caps & CAP_PIPELINING))
		rc = smtp_send_bdat(s, m, last, e);
	else if (rc == 0)
		rc = smtp_send_data(s, m, last, e);
	if (!t.done)
		smtp_abort(s, last);
	rc = smtp_txn_result(s, e);
	s->txn = NULL;
	return rc;
}

unsigned
smtp_caps(const struct smtp *s)
{
	return s->caps;
}

void
smtp_close(struct smtp *s)
{
	struct err ignored;

	if (s == NULL)
		return;
	err_clear(&ignored);
	if (!s->broken && !s->quit_sent &&
	    smtp_queue(s, SMTP_QUIT, 0, "QUIT", NULL, &ignored) == 0)
		smtp_sync(s, &ignored);
	smtp_free(s);
}

/*
 * report: the words tlsmail prints for people.
 *
 * Every string that came from the server or the network (greeting, reply
 * texts, EHLO keywords, certificate names) goes out through report_putn,
 * which writes any byte that is not printable ASCII as \xNN.  A hostile
 * server can then neither drive the terminal (ESC sequences, BEL), nor
 * hide text (CR, NUL, DEL), nor forge a line of tlsmail's own output (LF).
 * msmtp's sanitize_string does the same with '?'; the escape keeps the
 * byte visible for whoever debugs the server.  A backslash stays as it is:
 * the output is for reading, not for parsing back.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plan.h"
#include "report.h"

/* The column where values start in report_session. */
#define REPORT_COL 14
#define REPORT_DAY 86400

/* The text for one byte, itself or "\xNN"; returns its length. */
static size_t
report_escape(char out[4], unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c <= 0x7e) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0x0f];
	return 4;
}

size_t
report_sanitize(char *out, size_t cap, const char *in, size_t len)
{
	char esc[4];
	size_t n = 0, k;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		k = report_escape(esc, (unsigned char)in[i]);
		if (n + k >= cap)
			break;
		memcpy(out + n, esc, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

static void
report_putn(FILE *fp, const char *s, size_t len)
{
	char esc[4];

	for (size_t i = 0; i < len; i++)
		fwrite(esc, 1, report_escape(esc, (unsigned char)s[i]), fp);
}

static void
report_put(FILE *fp, const char *s)
{
	report_putn(fp, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* "step: msg; hint".  A message ending in GnuTLS's full stop loses it
 * before the hint, so that "...expected.; check" does not happen. */
static void
report_err_text(FILE *fp, const struct err *e)
{
	size_t n = strnlen(e->msg, sizeof(e->msg));
	size_t h = strnlen(e->hint, sizeof(e->hint));

	if (e->step != STEP_NONE && *err_step_name(e->step) != '\0') {
		report_put(fp, err_step_name(e->step));
		fputs(": ", fp);
	}
	if (n > 1 && h > 0 && e->msg[n - 1] == '.')
		n--;
	if (n > 0)
		report_putn(fp, e->msg, n);
	else
		fputs("failed", fp);
	if (h > 0) {
		fputs("; ", fp);
		report_putn(fp, e->hint, h);
	}
}

void
report_error(FILE *fp, const char *prog, const struct err *e)
{
	report_put(fp, prog);
	fputs(": ", fp);
	report_err_text(fp, e);
	fputc('\n', fp);
}

/* Wide enough for the longest line, short of an 80-column terminal. */
#define REPORT_PROGRESS_WIDTH	72
#define REPORT_MIB		(1024 * 1024)

/* n bytes in MiB with one decimal, without floating point. */
static void
report_mib(char *buf, size_t cap, size_t n)
{
	unsigned long long tenths = (unsigned long long)n * 10 / REPORT_MIB;

	snprintf(buf, cap, "%llu.%llu", tenths / 10, tenths % 10);
}

void
report_progress(FILE *fp, size_t done, size_t total, size_t rate)
{
	char d[32], t[32], r[32], line[160];
	unsigned pct = total ? (unsigned)((unsigned long long)done * 100 /
	    total) : 0;

	report_mib(d, sizeof(d), done);
	report_mib(t, sizeof(t), total);
	report_mib(r, sizeof(r), rate);
	snprintf(line, sizeof(line), "tlsmail: sent %s of %s MiB (%u%%)%s%s%s",
	    d, t, pct, rate ? ", " : "", rate ? r : "", rate ? " MiB/s" : "");
	fprintf(fp, "\r%-*s", REPORT_PROGRESS_WIDTH, line);
	fflush(fp);
}

void
report_progress_clear(FILE *fp)
{
	fprintf(fp, "\r%*s\r", REPORT_PROGRESS_WIDTH, "");
	fflush(fp);
}

void
report_typing(FILE *fp)
{
	fputs("tlsmail: type the message, then Ctrl-D on a line of its own\n",
	    fp);
	fflush(fp);
}

void
report_transcript(FILE *fp, char dir, const char *line, size_t len)
{
	/* The CRLF that ends an SMTP line (RFC 5321 section 2.3.8) is what
	 * the line break shows; any other CR or LF is shown escaped. */
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		len -= 2;
	report_putn(fp, &dir, 1);
	fputc(' ', fp);
	report_putn(fp, line, len);
	fputc('\n', fp);
}

/*
 * report_session: one "label:  value" per line, values aligned at
 * REPORT_COL; certificate details indented under their heading.
 */

static void
report_label(FILE *fp, const char *label)
{
	int n = (int)strlen(label);

	fprintf(fp, "%s%*s", label, n < REPORT_COL ? REPORT_COL - n : 1, "");
}

static void
report_line(FILE *fp, const char *label, const char *value)
{
	report_label(fp, label);
	report_put(fp, value);
	fputc('\n', fp);
}

static void
report_server(FILE *fp, const struct outcome *o)
{
	report_label(fp, "server:");
	report_put(fp, o->server != NULL ? o->server : "?");
	if (o->address[0] != '\0') {
		fputs(" [", fp);
		report_putn(fp, o->address,
			    strnlen(o->address, sizeof(o->address)));
		fputc(']', fp);
	}
	if (o->port != 0)
		fprintf(fp, ":%u", o->port);
	fputc('\n', fp);
}

/* EHLO keywords arrive "\n"-separated; shown as one comma list. */
static void
report_caps(FILE *fp, const char *label, const char *caps)
{
	const char *p = caps, *nl;
	bool first = true;

	if (caps == NULL)
		return;
	report_label(fp, label);
	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl == p)
			continue;
		fputs(first ? "" : ", ", fp);
		report_putn(fp, p, (size_t)(nl - p));
		first = false;
	}
	fputs(first ? "none\n" : "\n", fp);
}

static void
report_time(FILE *fp, time_t t)
{
	struct tm tm;
	char buf[64];

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		fputs("unknown", fp);
		return;
	}
	fputs(buf, fp);
}

static const char *
report_days(long long n)
{
	return n == 1 ? "day" : "days";
}

/* Whole days, rounded down, between now and the end of validity. */
static void
report_validity(FILE *fp, const struct cert_facts *c, time_t now)
{
	long long days;

	report_label(fp, "  valid:");
	report_time(fp, c->not_before);
	fputs(" to ", fp);
	report_time(fp, c->not_after);
	if (c->not_after == (time_t)-1) {
		fputc('\n', fp);
		return;
	}
	if (now > c->not_after) {
		days = ((long long)now - (long long)c->not_after) / REPORT_DAY;
		if (days == 0)
			fputs(" (expired today)\n", fp);
		else
			fprintf(fp, " (expired %lld %s ago)\n", days,
				report_days(days));
		return;
	}
	if (c->not_before != (time_t)-1 && now < c->not_before) {
		fputs(" (not valid yet)\n", fp);
		return;
	}
	days = ((long long)c->not_after - (long long)now) / REPORT_DAY;
	fprintf(fp, " (%lld %s left)\n", days, report_days(days));
}

static void
report_cert(FILE *fp, size_t i, const struct cert_facts *c, time_t now)
{
	if (i == 0)
		fputs("certificate 0 (server):\n", fp);
	else
		fprintf(fp, "certificate %zu:\n", i);
	report_line(fp, "  subject:", c->subject);
	report_line(fp, "  issuer:", c->issuer);
	report_line(fp, "  names:",
		    c->sans != NULL && *c->sans != '\0' ? c->sans : "none");
	report_line(fp, "  serial:", c->serial);
	report_line(fp, "  signature:", c->sig_alg);
	report_validity(fp, c, now);
	report_label(fp, "  key:");
	report_putn(fp, c->key_type, strnlen(c->key_type, sizeof(c->key_type)));
	fprintf(fp, " %u bits\n", c->key_bits);
	report_line(fp, "  sha256:", c->sha256);
	report_line(fp, "  pin-sha256:", c->pin_sha256);
}

static void
report_verified(FILE *fp, const struct outcome *o)
{
	const struct tls_facts *t = &o->tls;
	const char *reason = t->verify_reason;

	report_label(fp, "verified:");
	if (reason == NULL || *reason == '\0')
		reason = "not checked";
	if (t->pinned && t->pin_matched) {
		fputs("pinned: fingerprint matched", fp);
		if (t->verify_status != 0) {
			fputs(" (the chain alone: ", fp);
			report_put(fp, reason);
			fputc(')', fp);
		}
	} else if (t->pinned) {
		fputs("no: the fingerprint does not match the pin", fp);
	} else if (t->verified) {
		fputs("yes (certificate chain and name \"", fp);
		report_put(fp, o->server);
		fputs("\")", fp);
	} else {
		fputs("no: ", fp);
		report_put(fp, reason);
	}
	fputc('\n', fp);
}

static void
report_tls(FILE *fp, const struct outcome *o, time_t now)
{
	const struct tls_facts *t = &o->tls;

	/* A failed handshake still recorded the chain it refused. */
	if (!t->active && t->nchain == 0) {
		report_line(fp, "tls:", "none (plaintext)");
		return;
	}
	report_label(fp, "tls:");
	if (t->active) {
		report_put(fp, t->version);
		fputs(", ", fp);
		report_put(fp, t->cipher);
		fputc('\n', fp);
		report_line(fp, "key exchange:",
			    *t->kx_group != '\0' ? t->kx_group : "none");
		report_line(fp, "signature:",
			    *t->sig_alg != '\0' ? t->sig_alg : "none");
		report_line(fp, "resumable:",
			    t->resumable ? "yes (session ticket)" : "no");
	} else {
		fputs("handshake not completed\n", fp);
	}
	report_verified(fp, o);
	for (size_t i = 0; i < t->nchain; i++)
		report_cert(fp, i, &t->chain[i], now);
}

/* How the message went: its size and body type as MAIL announced them,
 * and whether 8-bit parts had to be re-encoded on the way. */
static void
report_message(FILE *fp, const struct msg_facts *m)
{
	if (!m->fitted)
		return;
	report_label(fp, "message:");
	fprintf(fp, "%zu octets, %s%s", m->size, m->eightbit ? "8BITMIME" :
	    "7bit", m->smtputf8 ? ", SMTPUTF8" : "");
	if (m->converted)
		fputs(" (8-bit parts converted to quoted-printable)", fp);
	fputc('\n', fp);
}

static void
report_rcpts(FILE *fp, const struct outcome *o)
{
	report_label(fp, "recipients:");
	if (o->nrcpt == 0)
		fputs("none\n", fp);
	for (size_t i = 0; i < o->nrcpt; i++) {
		const struct rcpt_result *r = &o->rcpts[i];

		if (i > 0)
			report_label(fp, "");
		report_put(fp, r->addr);
		if (r->code == 0) {
			fputs(": no reply\n", fp);
			continue;
		}
		fprintf(fp, ": %d ", r->code);
		report_put(fp, r->text);
		fputc('\n', fp);
	}
}

static void
report_result(FILE *fp, const struct outcome *o)
{
	report_label(fp, "result:");
	if (o->delivered) {
		fprintf(fp, "%d ", o->final_code);
		report_put(fp, o->final_text);
	} else if (o->delivery_unknown) {
		fputs("delivery unknown: ", fp);
		if (o->err.cls != ERR_NONE)
			report_err_text(fp, &o->err);
		else
			fputs("connection lost awaiting the final reply", fp);
	} else if (o->final_code != 0) {
		fprintf(fp, "not delivered: %d ", o->final_code);
		report_put(fp, o->final_text);
	} else {
		fputs("not delivered", fp);
	}
	fputc('\n', fp);
}

void
report_session(FILE *fp, const struct outcome *o, time_t now)
{
	report_server(fp, o);
	if (o->greeting != NULL)
		report_line(fp, "greeting:", o->greeting);
	report_caps(fp, "ehlo:", o->caps_plain);
	report_tls(fp, o, now);
	report_caps(fp, "ehlo (tls):", o->caps_tls);
	report_line(fp, "auth:", *o->auth_mech != '\0' ? o->auth_mech : "none");
	report_message(fp, &o->msg);
	report_rcpts(fp, o);
	report_result(fp, o);
	if (o->err.cls != ERR_NONE && !o->delivery_unknown) {
		report_label(fp, "error:");
		report_err_text(fp, &o->err);
		fputc('\n', fp);
	}
	fprintf(fp, "%-*s%u\n", REPORT_COL, "round trips:", o->round_trips);
	fprintf(fp, "%-*s%u\n", REPORT_COL, "writes:", o->writes);
}

/*
 * report_probe: the session of each port as report_session shows it, with
 * what only a probe learns (STARTTLS, AUTH before TLS, the chain's shape,
 * OCSP, the versions accepted), then the verdict.
 */

static void
report_probe_starttls(FILE *fp, const struct outcome *o)
{
	report_label(fp, "starttls:");
	if (o->implicit_tls)
		fputs("not used (implicit TLS)\n", fp);
	else if (!o->starttls_offered)
		fputs("not offered\n", fp);
	else if (o->starttls_code == 220)
		fputs("offered, accepted\n", fp);
	else if (o->starttls_code != 0)
		fprintf(fp, "offered, refused with %d\n", o->starttls_code);
	else
		fputs("offered\n", fp);
	if (!o->implicit_tls)
		report_line(fp, "auth in clear:", o->auth_in_clear ?
		    "yes (AUTH offered before TLS)" : "no");
}

static void
report_probe_chain(FILE *fp, const struct tls_facts *t)
{
	if (t->nchain == 0)
		return;
	report_label(fp, "chain:");
	fprintf(fp, "%zu certificate%s, %s, %s\n", t->nchain,
	    t->nchain == 1 ? "" : "s",
	    t->chain_complete ? "complete" : "incomplete",
	    t->chain_in_order ? "in order" : "not in order");
	report_label(fp, "ocsp:");
	if (t->ocsp == OUTCOME_OCSP_NONE)
		fputs("none stapled\n", fp);
	else
		fprintf(fp, "stapled, %s\n", outcome_ocsp_name(t->ocsp));
}

static void
report_probe_versions(FILE *fp, const struct outcome *o)
{
	bool any = false;

	for (size_t i = 0; i < OUTCOME_NVERS; i++)
		any = any || o->tls_versions[i] != OUTCOME_VER_UNTESTED;
	if (!any)
		return;
	report_label(fp, "tls versions:");
	for (size_t i = 0; i < OUTCOME_NVERS; i++)
		fprintf(fp, "%s%s %s", i ? ", " : "", outcome_version_name(i),
		    outcome_ver_name(o->tls_versions[i]));
	fputs(" (probe: one extra handshake each)\n", fp);
}

static void
report_probe_one(FILE *fp, const struct outcome *o, time_t now)
{
	fprintf(fp, "probe:        port %u, %s\n", o->port,
	    o->implicit_tls ? "implicit TLS" : "STARTTLS");
	report_server(fp, o);
	if (!verdict_reached(o)) {
		report_label(fp, "unreachable:");
		report_err_text(fp, &o->err);
		fputc('\n', fp);
		return;
	}
	if (o->greeting != NULL)
		report_line(fp, "greeting:", o->greeting);
	report_caps(fp, "ehlo:", o->caps_plain);
	report_probe_starttls(fp, o);
	if (!o->tls.active && o->tls.nchain == 0 && o->err.step == STEP_TLS)
		report_line(fp, "tls:", "handshake failed (see error)");
	else
		report_tls(fp, o, now);
	report_probe_chain(fp, &o->tls);
	report_probe_versions(fp, o);
	report_caps(fp, "ehlo (tls):", o->caps_tls);
	if (o->err.cls != ERR_NONE) {
		report_label(fp, "error:");
		report_err_text(fp, &o->err);
		fputc('\n', fp);
	}
}

void
report_probe(FILE *fp, const struct outcome *outs, size_t n,
    const struct verdict *v, time_t now)
{
	for (size_t i = 0; i < n; i++) {
		report_probe_one(fp, &outs[i], now);
		fputc('\n', fp);
	}
	report_label(fp, "verdict:");
	if (!v->probed)
		fputs("unknown: no port answered\n", fp);
	else
		fprintf(fp, "%s\n", verdict_level_name(v->level));
	for (size_t i = 0; i < v->nreasons; i++) {
		const struct verdict_reason *r = &v->reasons[i];

		fprintf(fp, "  %-6s port %u: ", r->level == VERDICT_OK ?
		    "info" : verdict_level_name(r->level), r->port);
		report_put(fp, r->text);
		fputc('\n', fp);
	}
}

/*
 * --pretend: what a send would use, after the configuration files and the
 * command line are merged.  The password itself is never printed, only
 * where it comes from.
 */
static const char *
report_plan_tls(const struct plan *p)
{
	switch (p->tls) {
	case PLAN_TLS_STARTTLS:	return "starttls";
	case PLAN_TLS_IMPLICIT:	return "implicit";
	case PLAN_TLS_OFF:	break;
	}
	return "off (plaintext)";
}

static void
report_plan_password(FILE *fp, const struct plan *p)
{
	report_label(fp, "password:");
	if (p->pw_hidden) {	/* the setgid install's secret (priv.h) */
		fputs("******** (in the system configuration)\n", fp);
		return;
	}
	switch (p->pw_source) {
	case PLAN_PW_NONE:	fputs("-", fp); break;
	case PLAN_PW_VALUE:	fputs("******** (in the configuration)", fp);
				break;
	case PLAN_PW_FILE:	fputs("first line of file ", fp); break;
	case PLAN_PW_ENV:	fputs("environment variable ", fp); break;
	case PLAN_PW_EVAL:	fputs("output of command ", fp); break;
	case PLAN_PW_PROMPT:	fputs("asked for on the terminal", fp); break;
	}
	if (p->pw_source != PLAN_PW_NONE && p->pw_source != PLAN_PW_VALUE &&
	    p->pw_source != PLAN_PW_PROMPT)
		report_put(fp, p->pw_arg);
	fputc('\n', fp);
}

static void
report_plan_opt(FILE *fp, const char *label, const char *v)
{
	report_line(fp, label, v != NULL ? v : "-");
}

static void
report_plan_server(FILE *fp, const struct plan *p)
{
	char port[8];

	report_label(fp, "account:");
	if (p->account != NULL) {
		report_put(fp, p->account);
		fputs(" (", fp);
		report_put(fp, p->account_file);
		fputc(')', fp);
	} else
		fputs("- (no account chosen)", fp);
	fputc('\n', fp);
	report_line(fp, "host:", p->host);
	snprintf(port, sizeof(port), "%u", p->port);
	report_line(fp, "port:", port);
	report_line(fp, "tls:", report_plan_tls(p));
	if (p->tls == PLAN_TLS_OFF)
		return;
	report_line(fp, "trust:", p->fingerprint ? p->fingerprint :
	    p->cafile ? p->cafile : "system trust store");
	report_line(fp, "verify:", p->tls_no_verify ? "OFF (insecure)" :
	    p->fingerprint ? "pinned certificate" : "chain and name");
	report_plan_opt(fp, "tls name:", p->tls_name);
	report_plan_opt(fp, "client cert:", p->tls_cert_file);
}

void
report_plan(FILE *fp, const struct plan *p)
{
	char n[16];

	report_plan_server(fp, p);
	report_line(fp, "auth:", p->user == NULL && !plan_wants_auth(p) ?
	    "off" : p->auth != NULL ? p->auth : "on");
	report_plan_opt(fp, "user:", p->user);
	report_plan_password(fp, p);
	report_plan_opt(fp, "from:", p->from);
	report_plan_opt(fp, "full name:", p->fullname);
	report_plan_opt(fp, "ehlo:", p->ehlo);
	report_plan_opt(fp, "domain:", p->domain);
	report_plan_opt(fp, "aliases:", p->aliases);
	report_plan_opt(fp, "log file:", p->logfile);
	report_plan_opt(fp, "syslog:", p->syslog);
	report_plan_opt(fp, "dsn notify:", p->dsn_notify);
	report_plan_opt(fp, "dsn return:", p->dsn_return);
	snprintf(n, sizeof(n), "%d s", p->timeout);
	report_line(fp, "timeout:", n);
}

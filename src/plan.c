#include <config.h>

#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "plan.h"

static int
plan_tls(struct plan *p, const struct options *o, struct err *e)
{
	switch (o->tls) {
	case CLI_TLS_UNSET:
		/* RFC 8314 section 3.3: port 465 is implicit TLS. */
		p->tls = o->port == PLAN_PORT_SUBMISSIONS ?
		    PLAN_TLS_IMPLICIT : PLAN_TLS_STARTTLS;
		break;
	case CLI_TLS_STARTTLS:	p->tls = PLAN_TLS_STARTTLS; break;
	case CLI_TLS_IMPLICIT:	p->tls = PLAN_TLS_IMPLICIT; break;
	case CLI_TLS_OFF:	p->tls = PLAN_TLS_OFF; break;
	}
	if (o->port != 0)
		p->port = o->port;
	else
		p->port = p->tls == PLAN_TLS_IMPLICIT ?
		    PLAN_PORT_SUBMISSIONS : PLAN_PORT_SUBMISSION;
	if (p->tls == PLAN_TLS_OFF && (o->cafile || o->fingerprint))
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--cafile and --fingerprint need TLS, but --tls=off "
		    "was given");
	return 0;
}

static int
plan_password(struct plan *p, const struct options *o, struct err *e)
{
	int n = 0;

	if (o->password_file) {
		p->pw_source = PLAN_PW_FILE;
		p->pw_arg = o->password_file;
		n++;
	}
	if (o->password_env) {
		p->pw_source = PLAN_PW_ENV;
		p->pw_arg = o->password_env;
		n++;
	}
	if (o->passwordeval) {
		p->pw_source = PLAN_PW_EVAL;
		p->pw_arg = o->passwordeval;
		n++;
	}
	if (o->password) {		/* a config file's "password" */
		p->pw_source = PLAN_PW_VALUE;
		p->pw_arg = o->password;
		n++;
	}
	if (n > 1)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "give one of --password-file, --password-env and "
		    "--passwordeval");
	if (n == 1 && p->user == NULL)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "a password source was given without --user");
	/* No source: ask the person at the terminal, if there is one
	 * (tty_password fails at once, with the options, when not). */
	if (p->user != NULL && n == 0 && !plan_auth_external(o->auth))
		p->pw_source = PLAN_PW_PROMPT;
	return 0;
}

bool
plan_auth_external(const char *auth)
{
	return auth != NULL && strcasecmp(auth, "external") == 0;
}

/* RFC 4422 appendix A: EXTERNAL names no secret; the client certificate
 * presented in the TLS handshake is the credential, --user (if given)
 * the identity to act as. */
static int
plan_auth_cert(struct plan *p, struct err *e)
{
	if (p->tls_cert_file == NULL) {
		err_set(e, ERR_USAGE, STEP_ARGS,
		    "--auth=external needs a client certificate");
		err_hint(e, "give --tls-cert-file (and --tls-key-file)");
		return -1;
	}
	if (p->tls == PLAN_TLS_OFF)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--auth=external needs TLS, but --tls=off was given");
	return 0;
}

bool
plan_wants_auth(const struct plan *p)
{
	return p->user != NULL || plan_auth_external(p->auth);
}

/* The per-step timeout bounds each wait; this bounds their sum, so that a
 * server that answers every step just in time, or reads the message a
 * little at a time, still ends (tlsmail(1), TIMEOUTS). */
int
plan_session_ms(const struct plan *p, size_t size)
{
	long long s = PLAN_SESSION_MIN;

	if (2LL * p->timeout > s)
		s = 2LL * p->timeout;
	s += (long long)(size / PLAN_SESSION_RATE);
	return s > INT_MAX / 1000 ? INT_MAX : (int)(s * 1000);
}

static int
plan_auth(struct plan *p, const struct options *o, struct err *e)
{
	p->auth = o->auth;
	p->allow_plaintext_auth = o->allow_plaintext_auth;
	if (o->auth != NULL && strcmp(o->auth, "off") == 0) {
		p->user = NULL;
		p->pw_source = PLAN_PW_NONE;
		return 0;
	}
	if (plan_auth_external(o->auth))
		return plan_auth_cert(p, e);
	if (o->auth != NULL && p->user == NULL)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--auth=%s needs --user", o->auth);
	/* RFC 4954 section 4 and RFC 8314: no reusable secret crosses a
	 * connection that is not protected, unless asked for twice. */
	if (p->user != NULL && p->tls == PLAN_TLS_OFF &&
	    !p->allow_plaintext_auth) {
		err_set(e, ERR_USAGE, STEP_ARGS,
		    "--user with --tls=off would send the password in clear");
		err_hint(e, "use TLS, or add --allow-plaintext-auth if you "
		    "accept that");
		return -1;
	}
	return 0;
}

static int
plan_check_list(const char *const *a, size_t n, const char *opt,
    struct err *e)
{
	for (size_t i = 0; i < n; i++)
		if (addr_check(a[i], 0, e) < 0) {
			err_hint(e, "check %s", opt);
			return -1;
		}
	return 0;
}

/*
 * Composing (tlsmail(1), "Composing a message"): any composing option
 * makes standard input the body of a message tlsmail writes.  -t reads
 * the recipients of a complete message instead, so the two exclude each
 * other; Cc and Bcc addresses go into the envelope and are checked so.
 */
static int
plan_compose(struct plan *p, const struct options *o, struct err *e)
{
	p->subject = o->subject;
	p->reply_to = o->reply_to;
	p->cc = (const char *const *)o->cc;
	p->ncc = o->ncc;
	p->bcc = (const char *const *)o->bcc;
	p->nbcc = o->nbcc;
	p->headers = (const char *const *)o->headers;
	p->nheader = o->nheader;
	p->attach = (const char *const *)o->attach;
	p->nattach = o->nattach;
	p->compose = p->subject || p->reply_to || p->ncc || p->nbcc ||
	    p->nheader || p->nattach;
	if (p->compose && o->read_rcpts) {
		err_set(e, ERR_USAGE, STEP_ARGS, "-t reads a complete message "
		    "on standard input, but -s, --cc, --bcc, --reply-to, "
		    "--header and --attach make one from the body there");
		err_hint(e, "drop -t and give the recipients as arguments");
		return -1;
	}
	if (plan_check_list(p->cc, p->ncc, "--cc", e) < 0 ||
	    plan_check_list(p->bcc, p->nbcc, "--bcc", e) < 0)
		return -1;
	return p->reply_to ? plan_check_list(&p->reply_to, 1, "--reply-to",
	    e) : 0;
}

static int
plan_envelope(struct plan *p, const struct options *o, struct err *e)
{
	p->from = o->from;
	if (p->from != NULL && addr_check(p->from, 1, e) < 0) {
		err_hint(e, "check -f");
		return -1;
	}
	p->rcpts = (const char *const *)o->rcpts;
	p->nrcpt = o->nrcpt;
	for (size_t i = 0; i < p->nrcpt; i++)
		if (addr_check(p->rcpts[i], 0, e) < 0)
			return -1;
	p->read_rcpts = o->read_rcpts;
	if (p->nrcpt == 0 && !p->read_rcpts && p->ncc + p->nbcc == 0)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "no recipients: give them as arguments, or -t to read "
		    "them from the message");
	return 0;
}

/* --ehlo, checked, or the default name; a send and a probe alike. */
static int
plan_ehlo(struct plan *p, const struct options *o, struct err *e)
{
	if (o->ehlo == NULL) {
		p->ehlo = plan_default_ehlo();
		return 0;
	}
	if (plan_check_ehlo(o->ehlo, e) < 0)
		return -1;
	if ((p->ehlo = strdup(o->ehlo)) == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	return 0;
}

int
plan_build(struct plan *p, const struct options *o, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if ((p->host = o->host) == NULL || *p->host == '\0') {
		err_set(e, ERR_USAGE, STEP_ARGS, "no server: give --host");
		err_hint(e, "or write \"host\" in a configuration file, see "
		    "tlsmail.conf(5)");
		return -1;
	}
	p->cafile = o->cafile;
	p->fingerprint = o->fingerprint;
	p->tls_priority = o->tls_priority;
	p->tls_no_verify = o->tls_no_verify;
	p->tls_cert_file = o->tls_cert_file;
	p->tls_key_file = o->tls_key_file;
	p->user = o->user;
	p->timeout = o->timeout ? o->timeout : PLAN_TIMEOUT_DEFAULT;
	p->report = o->report;
	p->verbose = o->verbose;
	p->json = o->json;
	if (plan_tls(p, o, e) < 0 || plan_password(p, o, e) < 0 ||
	    plan_auth(p, o, e) < 0 || plan_compose(p, o, e) < 0 ||
	    plan_envelope(p, o, e) < 0)
		return -1;
	return plan_ehlo(p, o, e);
}

void
plan_free(struct plan *p)
{
	free(p->ehlo);
	free(p->host_owned);
	memset(p, 0, sizeof(*p));
}

/*
 * --probe HOST[:PORT].  An IPv6 literal takes brackets when a port
 * follows ("[::1]:587", RFC 3986 section 3.2.2 style); a bare literal
 * with several colons is a host without a port.
 */
static int
plan_probe_target(struct plan *p, const char *arg, struct err *e)
{
	const char *end = arg + strlen(arg), *colon = strrchr(arg, ':');
	const char *host = arg, *hend = end;
	long port = 0;

	if (arg[0] == '[') {
		host = arg + 1;
		if ((hend = strchr(host, ']')) == NULL ||
		    (hend[1] != '\0' && hend[1] != ':'))
			goto bad;
		colon = hend[1] == ':' ? hend + 1 : NULL;
	} else if (colon != NULL && strchr(arg, ':') != colon) {
		colon = NULL;		/* a bare IPv6 literal */
	} else if (colon != NULL) {
		hend = colon;
	}
	if (colon != NULL) {
		char *stop;

		port = strtol(colon + 1, &stop, 10);
		if (colon[1] == '\0' || *stop != '\0' || port < 1 ||
		    port > 65535)
			goto bad;
	}
	if (hend == host || (p->host_owned = strndup(host,
	    (size_t)(hend - host))) == NULL)
		goto bad;
	p->host = p->host_owned;
	p->port = (unsigned)port;
	return 0;
bad:
	return err_set(e, ERR_USAGE, STEP_ARGS, "--probe wants HOST, "
	    "HOST:PORT or [IPv6]:PORT, not \"%s\"", arg);
}

static int
plan_probe_refuse(const struct options *o, struct err *e)
{
	const char *what = NULL;

	if (o->nrcpt > 0 || o->read_rcpts)
		what = "recipients";
	else if (o->from != NULL)
		what = "-f";
	else if (o->user != NULL)
		what = "--user";
	else if (o->host != NULL)
		what = "--host (give the server to --probe)";
	else if (o->tls == CLI_TLS_OFF)
		what = "--tls=off";
	if (what == NULL)
		return 0;
	return err_set(e, ERR_USAGE, STEP_ARGS, "--probe sends no message "
	    "and logs in to nothing: it takes no %s", what);
}

int
plan_build_probe(struct plan *p, const struct options *o, struct err *e)
{
	memset(p, 0, sizeof(*p));
	p->probe = true;
	if (plan_probe_refuse(o, e) < 0 ||
	    plan_probe_target(p, o->probe, e) < 0)
		return -1;
	if (o->port != 0 && p->port != 0 && o->port != p->port)
		return err_set(e, ERR_USAGE, STEP_ARGS, "two ports: --probe "
		    "%s and --port %u", o->probe, o->port);
	if (p->port == 0)
		p->port = o->port;
	if (p->port != 0)
		p->tls = o->tls == CLI_TLS_IMPLICIT ||
		    (o->tls == CLI_TLS_UNSET &&
		    p->port == PLAN_PORT_SUBMISSIONS) ?
		    PLAN_TLS_IMPLICIT : PLAN_TLS_STARTTLS;
	p->cafile = o->cafile;
	p->fingerprint = o->fingerprint;
	p->tls_priority = o->tls_priority;
	p->timeout = o->timeout ? o->timeout : PLAN_TIMEOUT_DEFAULT;
	p->verbose = o->verbose;
	p->json = o->json;
	p->warn_days = o->warn_days >= 0 ? o->warn_days :
	    PLAN_WARN_DAYS_DEFAULT;
	return plan_ehlo(p, o, e);
}

static bool
plan_usable_name(const char *n)
{
	return n != NULL && *n != '\0' && strcmp(n, "localhost") != 0 &&
	    strncmp(n, "localhost.", 10) != 0 && plan_check_ehlo(n, NULL) == 0;
}

char *
plan_default_ehlo(void)
{
	char host[256];
	struct addrinfo hints, *res = NULL;
	char *name = NULL;

	if (gethostname(host, sizeof(host)) != 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.') &&
	    plan_usable_name(res->ai_canonname))
		name = strdup(res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
	/* A name without a dot is no FQDN (RFC 5321 4.1.1.1); servers that
	 * check reject it, so the session then greets with its address. */
	if (name == NULL && strchr(host, '.') && plan_usable_name(host))
		name = strdup(host);
	return name;
}

int
plan_check_ehlo(const char *name, struct err *e)
{
	struct err scratch;
	size_t n = strlen(name);

	if (e == NULL)
		e = &scratch;
	if (n == 0 || n > 255)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--ehlo wants a domain name of 1 to 255 characters");
	if (name[0] == '[' && name[n - 1] == ']') {
		for (size_t i = 1; i + 1 < n; i++)
			if (!strchr("0123456789abcdefABCDEF.:IPv", name[i]))
				goto bad;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(c == '-' || c == '.' || c == '_' ||
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z')))
			goto bad;
	}
	return 0;
bad:
	return err_set(e, ERR_USAGE, STEP_ARGS,
	    "--ehlo \"%.60s\" is not a domain name or address literal", name);
}

/*
 * The configuration under the command line (tlsmail.conf(5)).  The options
 * start as the command line gave them; every setting it left out is taken
 * from the account; then plan_build settles the result by the same rules
 * as the command line alone, so a config file cannot do what the command
 * line may not (AUTH in clear without the second opt-in, for one).
 */
static const char *
plan_cv(const struct conf_account *a, enum conf_key k)
{
	return a != NULL ? conf_get(a, k) : NULL;
}

static bool
plan_cv_is(const struct conf_account *a, enum conf_key k, const char *v)
{
	const char *s = plan_cv(a, k);

	return s != NULL && strcmp(s, v) == 0;
}

/* TLS is on unless "tls off" is written: stricter than msmtp. */
static enum cli_tls
plan_conf_tls(const struct conf_account *a)
{
	if (plan_cv_is(a, CONF_TLS, "off"))
		return CLI_TLS_OFF;
	if (plan_cv_is(a, CONF_TLS_STARTTLS, "off"))
		return CLI_TLS_IMPLICIT;
	if (plan_cv_is(a, CONF_TLS_STARTTLS, "on"))
		return CLI_TLS_STARTTLS;
	return CLI_TLS_UNSET;
}

static void
plan_fill_password(struct options *o, const struct conf_account *a)
{
	if (o->password_file || o->password_env || o->passwordeval)
		return;
	o->password_file = plan_cv(a, CONF_PASSWORD_FILE);
	o->password_env = plan_cv(a, CONF_PASSWORD_ENV);
	o->passwordeval = plan_cv(a, CONF_PASSWORDEVAL);
	o->password = plan_cv(a, CONF_PASSWORD);
}

#define PLAN_FILL(f, k)	do { if (o->f == NULL) o->f = plan_cv(a, k); } while (0)

static void
plan_fill(struct options *o, const struct conf_account *a)
{
	const char *v;

	PLAN_FILL(host, CONF_HOST);
	PLAN_FILL(cafile, CONF_TLS_TRUST_FILE);
	PLAN_FILL(fingerprint, CONF_TLS_FINGERPRINT);
	PLAN_FILL(tls_priority, CONF_TLS_PRIORITIES);
	PLAN_FILL(tls_cert_file, CONF_TLS_CERT_FILE);
	PLAN_FILL(tls_key_file, CONF_TLS_KEY_FILE);
	PLAN_FILL(user, CONF_USER);
	PLAN_FILL(auth, CONF_AUTH);
	PLAN_FILL(ehlo, CONF_DOMAIN);
	PLAN_FILL(fullname, CONF_FROM_FULL_NAME);
	PLAN_FILL(dsn_notify, CONF_DSN_NOTIFY);
	PLAN_FILL(dsn_return, CONF_DSN_RETURN);
	if (o->port == 0 && (v = plan_cv(a, CONF_PORT)) != NULL)
		o->port = (unsigned)atoi(v);
	if (o->timeout == 0 && (v = plan_cv(a, CONF_TIMEOUT)) != NULL)
		o->timeout = atoi(v);
	if (o->tls == CLI_TLS_UNSET)
		o->tls = plan_conf_tls(a);
	if (!o->tls_verify_given)
		o->tls_no_verify = plan_cv_is(a, CONF_TLS_CERTCHECK, "off");
	if (plan_cv_is(a, CONF_ALLOW_PLAINTEXT_AUTH, "on"))
		o->allow_plaintext_auth = true;
	plan_fill_password(o, a);
	/* A "from" with wildcards picks the account; it is no sender. */
	if (o->from == NULL && (v = plan_cv(a, CONF_FROM)) != NULL &&
	    strpbrk(v, "*?[") == NULL)
		o->from = v;
}

static enum plan_hdr
plan_hdr_mode(const struct conf_account *a, enum conf_key k)
{
	if (plan_cv_is(a, k, "on"))
		return PLAN_HDR_ON;
	return plan_cv_is(a, k, "off") ? PLAN_HDR_OFF : PLAN_HDR_AUTO;
}

/* Text that goes into a header field or a command: one line of
 * printable characters (8-bit allowed in a name), nothing to inject. */
static int
plan_check_text(const char *v, const char *what, bool ascii, struct err *e)
{
	for (const unsigned char *s = (const unsigned char *)v; *s; s++)
		if (*s < 0x20 || *s == 0x7f || (ascii && (*s > 0x7e ||
		    *s == ' ')))
			return err_set(e, ERR_USAGE, STEP_ARGS, "%s has a "
			    "character that is not allowed (\\x%02x)", what,
			    *s);
	return 0;
}

/* -N and -R take the config's words (RFC 3461 section 4); -V is an
 * ENVID of printable ASCII, at most 100 characters (section 4.4). */
static int
plan_dsn(struct plan *p, const struct options *o, struct err *e)
{
	const char *norm;

	if (o->dsn_notify != NULL) {
		if (conf_check_value(CONF_DSN_NOTIFY, o->dsn_notify, &norm))
			return err_set(e, ERR_USAGE, STEP_ARGS, "-N wants "
			    "never or a list of success, failure and delay, "
			    "not \"%.40s\"", o->dsn_notify);
		p->dsn_notify = norm;
	}
	if (o->dsn_return != NULL) {
		if (conf_check_value(CONF_DSN_RETURN, o->dsn_return, &norm))
			return err_set(e, ERR_USAGE, STEP_ARGS, "-R wants "
			    "hdrs or full, not \"%.40s\"", o->dsn_return);
		p->dsn_return = norm;
	}
	if (o->dsn_envid != NULL && (strlen(o->dsn_envid) > 100 ||
	    plan_check_text(o->dsn_envid, "-V", true, e) < 0))
		return err_set(e, ERR_USAGE, STEP_ARGS, "-V wants up to 100 "
		    "printable ASCII characters");
	p->dsn_envid = o->dsn_envid;
	return 0;
}

static int
plan_conf_extras(struct plan *p, const struct options *o,
    const struct conf_account *a, struct err *e)
{
	p->account = a != NULL ? a->name : NULL;
	p->account_file = a != NULL ? a->file : NULL;
	p->tls_name = plan_cv(a, CONF_TLS_HOST_OVERRIDE);
	p->domain = plan_cv(a, CONF_DOMAIN);
	p->aliases = plan_cv(a, CONF_ALIASES);
	p->logfile = plan_cv(a, CONF_LOGFILE);
	p->syslog = plan_cv(a, CONF_SYSLOG);
	p->set_from_header = plan_hdr_mode(a, CONF_SET_FROM_HEADER);
	p->set_date_header = plan_hdr_mode(a, CONF_SET_DATE_HEADER);
	p->set_msgid_header = plan_hdr_mode(a, CONF_SET_MSGID_HEADER);
	p->remove_bcc_headers = !plan_cv_is(a, CONF_REMOVE_BCC_HEADERS, "off");
	p->undisclosed_recipients = plan_cv_is(a, CONF_UNDISCLOSED_RECIPIENTS,
	    "on");
	p->body = o->body;
	p->pretend = o->pretend;
	p->sendmail = o->sendmail;
	if (o->fullname != NULL &&
	    plan_check_text(o->fullname, "the full name (-F)", false, e) < 0)
		return -1;
	p->fullname = o->fullname;
	return plan_dsn(p, o, e);
}

int
plan_build_conf(struct plan *p, const struct options *cmd,
    const struct conf *c, struct err *e)
{
	const struct conf_account *a = NULL;
	struct options o = *cmd;

	memset(p, 0, sizeof(*p));
	if (c != NULL &&
	    (a = conf_select(c, cmd->account, cmd->from, e)) == NULL)
		return -1;
	plan_fill(&o, a);
	if (plan_build(p, &o, e) < 0 || plan_conf_extras(p, &o, a, e) < 0) {
		plan_free(p);
		return -1;
	}
	return 0;
}

#include <config.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
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
	if (n > 1)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "give one of --password-file, --password-env and "
		    "--passwordeval");
	if (n == 1 && p->user == NULL)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "a password source was given without --user");
	if (p->user != NULL && n == 0)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--user needs a password source: --password-file, "
		    "--password-env or --passwordeval");
	return 0;
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
	if (p->nrcpt == 0 && !p->read_rcpts)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "no recipients: give them as arguments, or -t to read "
		    "them from the message");
	return 0;
}

int
plan_build(struct plan *p, const struct options *o, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if ((p->host = o->host) == NULL || *p->host == '\0')
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "no server: give --host");
	p->cafile = o->cafile;
	p->fingerprint = o->fingerprint;
	p->tls_priority = o->tls_priority;
	p->tls_no_verify = o->tls_no_verify;
	p->user = o->user;
	p->timeout = o->timeout ? o->timeout : PLAN_TIMEOUT_DEFAULT;
	p->report = o->report;
	p->verbose = o->verbose;
	if (plan_tls(p, o, e) < 0 || plan_password(p, o, e) < 0 ||
	    plan_auth(p, o, e) < 0 || plan_envelope(p, o, e) < 0)
		return -1;
	if (o->ehlo != NULL) {
		if (plan_check_ehlo(o->ehlo, e) < 0)
			return -1;
		if ((p->ehlo = strdup(o->ehlo)) == NULL)
			return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	} else
		p->ehlo = plan_default_ehlo();
	return 0;
}

void
plan_free(struct plan *p)
{
	free(p->ehlo);
	memset(p, 0, sizeof(*p));
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

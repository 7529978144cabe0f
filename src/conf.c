#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "plan.h"
#include "priv.h"
#include "secret.h"

/*
 * The syntax is msmtp's (its manual, "CONFIGURATION FILES"); the keys are
 * msmtp's names so that a ~/.msmtprc can be read with -C.  Where tlsmail
 * differs (TLS on unless "tls off", a second opt-in for AUTH in clear,
 * SHA-256 pins only) tlsmail.conf(5) says so.
 */

#define CONF_F_PATH	0x01	/* "~" at the start is $HOME */
#define CONF_F_SECRET	0x02	/* the file must pass conf_secret_file_ok */
#define CONF_F_UNSET	0x04	/* an empty value unsets the key */
#define CONF_F_PWSRC	0x08	/* one password source replaces the others */

/* Checks a value; returns NULL when it is good, else why it is not.  *out
 * is the normalised value (v itself or a constant), NULL for "unset". */
typedef const char *(*conf_check_fn)(const char *v, const char **out);

struct conf_keydef {
	const char *name;
	int	 key;		/* enum conf_key; -1: refused, see why */
	conf_check_fn check;
	unsigned flags;
	const char *why;	/* for keys tlsmail refuses */
};

struct conf {
	struct conf_account defaults;
	struct conf_account **acc;
	size_t	 nacc, cap;
	char	**files;	/* names read, owned; values point here */
	unsigned nfiles;
};

/* One file being read. */
struct conf_parser {
	struct conf *c;
	const char *file;	/* owned by c->files */
	unsigned fi;
	unsigned line;
	unsigned secret_line;	/* first line with a secret, 0: none */
	struct conf_account *cur;
};

static const char *
conf_chk_text(const char *v, const char **out)
{
	*out = v;
	return *v == '\0' ? "needs a value" : NULL;
}

static const char *
conf_chk_host(const char *v, const char **out)
{
	*out = v;
	if (*v == '\0')
		return "needs a host name";
	return strpbrk(v, " \"'<>") != NULL ? "is not a host name" : NULL;
}

static const char *
conf_chk_number(const char *v, long min, long max, const char **out)
{
	char *end;
	long n;

	*out = v;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return "wants a number in range";
	return NULL;
}

static const char *
conf_chk_port(const char *v, const char **out)
{
	return conf_chk_number(v, 1, 65535, out) ?
	    "wants a port number from 1 to 65535" : NULL;
}

/* "off" keeps tlsmail's default: it never waits without a limit. */
static const char *
conf_chk_timeout(const char *v, const char **out)
{
	if (strcmp(v, "off") == 0) {
		*out = NULL;
		return NULL;
	}
	return conf_chk_number(v, 1, 3600, out) ?
	    "wants off or a number of seconds from 1 to 3600" : NULL;
}

/* msmtp: an empty argument to an on/off command means on. */
static const char *
conf_chk_bool(const char *v, const char **out)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		*out = "on";
	else if (strcmp(v, "off") == 0)
		*out = "off";
	else
		return "wants on or off";
	return NULL;
}

static const char *
conf_chk_protocol(const char *v, const char **out)
{
	*out = v;
	if (strcmp(v, "smtp") == 0)
		return NULL;
	if (strcmp(v, "lmtp") == 0)
		return "lmtp is not supported: tlsmail submits over SMTP only";
	return "wants smtp";
}

/* A domain for addresses and EHLO: an address literal, or labels of
 * letters, digits and hyphens (RFC 5321 section 4.1.2), none empty. */
static const char *
conf_chk_domain(const char *v, const char **out)
{
	const char *bad = "is not a domain name or address literal";

	*out = v;
	if (plan_check_ehlo(v, NULL) < 0)
		return bad;
	if (v[0] == '[')
		return NULL;
	for (const char *l = v; *l != '\0';) {
		size_t n = strcspn(l, ".");

		if (n == 0 || n > 63 || l[0] == '-' || l[n - 1] == '-')
			return bad;
		l += n;
		if (*l == '.' && *++l == '\0')
			return bad;
	}
	return NULL;
}

/* msmtp 1.8 spells the system's trust store "system". */
static const char *
conf_chk_trust(const char *v, const char **out)
{
	*out = strcmp(v, "system") == 0 ? NULL : v;
	return NULL;
}

static const char *
conf_chk_fingerprint(const char *v, const char **out)
{
	size_t hex = 0;

	*out = v;
	for (const char *p = v; *p != '\0'; p++) {
		if (strchr("0123456789abcdefABCDEF", *p) != NULL)
			hex++;
		else if (*p != ':')
			return "wants a SHA-256 fingerprint (hex digits, "
			    "colons allowed)";
	}
	if (hex != 64)
		return "wants a SHA-256 fingerprint of 64 hex digits (SHA-1 "
		    "and MD5 pins are refused)";
	return NULL;
}

/* The mechanisms sasl knows, and msmtp's on/off. */
static const char *
conf_chk_auth(const char *v, const char **out)
{
	static const char *const known[] = { "on", "off", "plain", "login",
		"cram-md5", "scram-sha-1", "scram-sha-1-plus", "scram-sha-256",
		"scram-sha-256-plus", "external", "xoauth2", "oauthbearer" };

	if (*v == '\0') {
		*out = "on";
		return NULL;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(v, known[i]) == 0) {
			*out = known[i];
			return NULL;
		}
	return "wants on, off or a mechanism tlsmail has (see tlsmail(1))";
}

static const char *
conf_chk_logfile(const char *v, const char **out)
{
	*out = v;
	if (strcmp(v, "-") == 0)
		return "wants a file name: tlsmail does not log to standard "
		    "output";
	return NULL;
}

static const char *
conf_chk_syslog(const char *v, const char **out)
{
	static const char *const fac[] = { "LOG_USER", "LOG_MAIL",
		"LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3",
		"LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7" };

	if (*v == '\0' || strcmp(v, "on") == 0) {
		*out = "LOG_MAIL";
		return NULL;
	}
	if (strcmp(v, "off") == 0) {
		*out = NULL;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (strcmp(v, fac[i]) == 0) {
			*out = fac[i];
			return NULL;
		}
	return "wants on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7";
}

/* RFC 3461 section 4.1: NEVER alone, or SUCCESS, FAILURE, DELAY. */
static const char *
conf_chk_dsn_notify(const char *v, const char **out)
{
	static const char *const cond[] = { "success", "failure", "delay" };
	unsigned seen = 0;
	const char *p = v;

	*out = v;
	if (strcmp(v, "off") == 0)
		*out = NULL;
	if (strcmp(v, "off") == 0 || strcmp(v, "never") == 0)
		return NULL;
	while (*p != '\0') {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < 3; i++)
			if (strlen(cond[i]) == n && strncmp(p, cond[i], n) == 0)
				break;
		if (i == 3 || (seen & (1u << i)) != 0)
			return "wants off, never, or a comma-separated list of "
			    "success, failure and delay";
		seen |= 1u << i;
		p += n;
		if (*p == ',' && *++p == '\0')
			return "has a trailing comma";
	}
	return seen ? NULL : "needs a value";
}

static const char *
conf_chk_dsn_return(const char *v, const char **out)
{
	if (strcmp(v, "off") == 0)
		*out = NULL;
	else if (strcmp(v, "headers") == 0 || strcmp(v, "hdrs") == 0)
		*out = "headers";
	else if (strcmp(v, "full") == 0)
		*out = "full";
	else
		return "wants off, headers or full";
	return NULL;
}

static const char *
conf_chk_auto_on_off(const char *v, const char **out)
{
	if (strcmp(v, "auto") == 0 || strcmp(v, "on") == 0 ||
	    strcmp(v, "off") == 0) {
		*out = v;
		return NULL;
	}
	return "wants auto, on or off";
}

/* msmtp's set_date_header and set_msgid_header know auto and off. */
static const char *
conf_chk_auto_off(const char *v, const char **out)
{
	if (strcmp(v, "auto") == 0 || strcmp(v, "on") == 0)
		*out = "auto";
	else if (strcmp(v, "off") == 0)
		*out = "off";
	else
		return "wants auto or off";
	return NULL;
}

#define REFUSED(n, why) { n, -1, NULL, 0, why }

/* The keyword table: every key, its check and how it is stored. */
static const struct conf_keydef conf_keys[] = {
	{ "host", CONF_HOST, conf_chk_host, 0, NULL },
	{ "port", CONF_PORT, conf_chk_port, 0, NULL },
	{ "timeout", CONF_TIMEOUT, conf_chk_timeout, 0, NULL },
	{ "connect_timeout", CONF_TIMEOUT, conf_chk_timeout, 0, NULL },
	{ "protocol", CONF_PROTOCOL, conf_chk_protocol, 0, NULL },
	{ "domain", CONF_DOMAIN, conf_chk_domain, CONF_F_UNSET, NULL },
	{ "tls", CONF_TLS, conf_chk_bool, 0, NULL },
	{ "tls_starttls", CONF_TLS_STARTTLS, conf_chk_bool, 0, NULL },
	{ "tls_trust_file", CONF_TLS_TRUST_FILE, conf_chk_trust,
	    CONF_F_PATH | CONF_F_UNSET, NULL },
	{ "tls_fingerprint", CONF_TLS_FINGERPRINT, conf_chk_fingerprint,
	    CONF_F_UNSET, NULL },
	{ "tls_cert_file", CONF_TLS_CERT_FILE, conf_chk_text,
	    CONF_F_PATH | CONF_F_UNSET, NULL },
	{ "tls_key_file", CONF_TLS_KEY_FILE, conf_chk_text,
	    CONF_F_PATH | CONF_F_UNSET, NULL },
	{ "tls_priorities", CONF_TLS_PRIORITIES, conf_chk_text, CONF_F_UNSET,
	    NULL },
	{ "tls_host_override", CONF_TLS_HOST_OVERRIDE, conf_chk_host,
	    CONF_F_UNSET, NULL },
	{ "tls_certcheck", CONF_TLS_CERTCHECK, conf_chk_bool, 0, NULL },
	{ "auth", CONF_AUTH, conf_chk_auth, 0, NULL },
	{ "allow_plaintext_auth", CONF_ALLOW_PLAINTEXT_AUTH, conf_chk_bool, 0,
	    NULL },
	{ "user", CONF_USER, conf_chk_text, CONF_F_UNSET, NULL },
	{ "password", CONF_PASSWORD, conf_chk_text,
	    CONF_F_SECRET | CONF_F_UNSET | CONF_F_PWSRC, NULL },
	{ "passwordeval", CONF_PASSWORDEVAL, conf_chk_text,
	    CONF_F_SECRET | CONF_F_UNSET | CONF_F_PWSRC, NULL },
	{ "password_file", CONF_PASSWORD_FILE, conf_chk_text,
	    CONF_F_PATH | CONF_F_UNSET | CONF_F_PWSRC, NULL },
	{ "password_env", CONF_PASSWORD_ENV, conf_chk_text,
	    CONF_F_UNSET | CONF_F_PWSRC, NULL },
	{ "from", CONF_FROM, conf_chk_text, CONF_F_UNSET, NULL },
	{ "from_full_name", CONF_FROM_FULL_NAME, conf_chk_text, CONF_F_UNSET,
	    NULL },
	{ "aliases", CONF_ALIASES, conf_chk_text, CONF_F_PATH | CONF_F_UNSET,
	    NULL },
	{ "logfile", CONF_LOGFILE, conf_chk_logfile,
	    CONF_F_PATH | CONF_F_UNSET, NULL },
	{ "syslog", CONF_SYSLOG, conf_chk_syslog, 0, NULL },
	{ "dsn_notify", CONF_DSN_NOTIFY, conf_chk_dsn_notify, 0, NULL },
	{ "dsn_return", CONF_DSN_RETURN, conf_chk_dsn_return, 0, NULL },
	{ "set_from_header", CONF_SET_FROM_HEADER, conf_chk_auto_on_off, 0,
	    NULL },
	{ "set_date_header", CONF_SET_DATE_HEADER, conf_chk_auto_off, 0,
	    NULL },
	{ "set_msgid_header", CONF_SET_MSGID_HEADER, conf_chk_auto_off, 0,
	    NULL },
	{ "remove_bcc_headers", CONF_REMOVE_BCC_HEADERS, conf_chk_bool, 0,
	    NULL },
	{ "undisclosed_recipients", CONF_UNDISCLOSED_RECIPIENTS,
	    conf_chk_bool, 0, NULL },
	{ "set_to_header", CONF_UNDISCLOSED_RECIPIENTS, conf_chk_bool, 0,
	    NULL },
	/* msmtp keys whose silent omission would change what is sent or
	 * where: refused by name rather than ignored. */
	REFUSED("proxy_host", "tlsmail connects directly"),
	REFUSED("proxy_port", "tlsmail connects directly"),
	REFUSED("socket", "tlsmail connects to a host and port"),
	REFUSED("source_ip", "the system chooses the source address"),
	REFUSED("ntlmdomain", "tlsmail has no NTLM"),
	REFUSED("tls_crl_file", "tlsmail reads no CRL files"),
	REFUSED("tls_min_dh_prime_bits", "use tls_priorities"),
	REFUSED("tls_force_sslv3", "SSL 3 is never used"),
	REFUSED("tls_nostarttls", "write \"tls_starttls off\""),
	REFUSED("tls_nocertcheck", "write \"tls_certcheck off\""),
	REFUSED("logfile_time_format", "the log's time format is fixed"),
	REFUSED("eval", "no command is run to make configuration"),
	REFUSED("auto_from", "write \"from\", or give -f"),
	REFUSED("maildomain", "write \"domain\""),
	REFUSED("keepbcc", "Bcc fields are always removed"),
	REFUSED("allow_from_override", "-f always overrides \"from\""),
	{ NULL, -1, NULL, 0, NULL }
};

static const struct conf_keydef *
conf_keydef_find(const char *name)
{
	for (const struct conf_keydef *k = conf_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const char *
conf_check_value(enum conf_key key, const char *v, const char **norm)
{
	for (const struct conf_keydef *k = conf_keys; k->name; k++)
		if (k->key == (int)key)
			return k->check(v, norm);
	return "is not a key";
}

const char *
conf_key_name(enum conf_key key)
{
	for (const struct conf_keydef *k = conf_keys; k->name; k++)
		if (k->key == (int)key)
			return k->name;
	return "?";
}

static int
conf_fail(const struct conf_parser *ps, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
conf_fail(const struct conf_parser *ps, struct err *e, const char *fmt, ...)
{
	char what[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(e, ERR_CONFIG, STEP_NONE, "%s:%u: %s", ps->file,
	    ps->line, what);
}


static void
conf_value_clear(struct conf_value *v)
{
	secret_free(v->val);
	memset(v, 0, sizeof(*v));
}

static int
conf_value_copy(struct conf_value *dst, const struct conf_value *src,
    struct err *e)
{
	char *val = NULL;

	if (src->val != NULL && (val = strdup(src->val)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	conf_value_clear(dst);
	*dst = *src;
	dst->val = val;
	return 0;
}

static void
conf_account_clear(struct conf_account *a)
{
	for (int k = 0; k < CONF_NKEYS; k++)
		conf_value_clear(&a->v[k]);
	free(a->name);
	a->name = NULL;
}

struct conf *
conf_new(void)
{
	return calloc(1, sizeof(struct conf));
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_account_clear(&c->defaults);
	for (size_t i = 0; i < c->nacc; i++) {
		conf_account_clear(c->acc[i]);
		free(c->acc[i]);
	}
	free(c->acc);
	for (unsigned i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

unsigned
conf_nfiles(const struct conf *c)
{
	return c->nfiles;
}

/* "~" or "~/..." at the start is $HOME (msmtp does the same). */
static char *
conf_expand_tilde(const char *v)
{
	const char *home;
	char *out;
	size_t n;

	if (v[0] != '~' || (v[1] != '\0' && v[1] != '/'))
		return strdup(v);
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : "";
	}
	n = strlen(home) + strlen(v);
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%s%s", home, v + 1);
	return out;
}

/* Sets one value of the current account (the defaults or an account). */
static int
conf_set(struct conf_parser *ps, const struct conf_keydef *kd,
    const char *raw, struct err *e)
{
	struct conf_value *v = &ps->cur->v[kd->key];
	const char *norm = NULL, *why = NULL;
	char *val = NULL;

	if (*raw != '\0' || !(kd->flags & CONF_F_UNSET))
		why = kd->check(raw, &norm);
	if (why != NULL)
		return conf_fail(ps, e, "%s %s", kd->name, why);
	if (norm != NULL && (val = (kd->flags & CONF_F_PATH) ?
	    conf_expand_tilde(norm) : strdup(norm)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	if (kd->flags & CONF_F_PWSRC)
		for (const struct conf_keydef *o = conf_keys; o->name; o++)
			if ((o->flags & CONF_F_PWSRC) && o->key != kd->key) {
				conf_value_clear(&ps->cur->v[o->key]);
				ps->cur->v[o->key].set = true;
			}
	conf_value_clear(v);
	*v = (struct conf_value){ true, val, ps->file, ps->line };
	if ((kd->flags & CONF_F_SECRET) && val != NULL && ps->secret_line == 0)
		ps->secret_line = ps->line;
	return 0;
}

const struct conf_account *
conf_find(const struct conf *c, const char *name)
{
	for (size_t i = c->nacc; i-- > 0;)
		if (strcmp(c->acc[i]->name, name) == 0)
			return c->acc[i];
	return NULL;
}

static int
conf_inherit_one(struct conf_parser *ps, struct conf_account *a,
    const char *name, struct err *e)
{
	const struct conf_account *parent;

	if (*name == '\0')
		return conf_fail(ps, e, "an empty account name in the list "
		    "after ':'");
	if ((parent = conf_find(ps->c, name)) == NULL)
		return conf_fail(ps, e, "account \"%s\" is not defined (yet)",
		    name);
	for (int k = 0; k < CONF_NKEYS; k++)
		if (parent->v[k].set &&
		    conf_value_copy(&a->v[k], &parent->v[k], e) < 0)
			return -1;
	return 0;
}

/* "PARENT[,PARENT...]": each parent's settings in order, later ones
 * winning. */
static int
conf_inherit(struct conf_parser *ps, struct conf_account *a, char *list,
    struct err *e)
{
	for (;;) {
		char *p = list + strspn(list, " \t"), *end;
		size_t n = strcspn(p, ",");
		bool last = p[n] == '\0';

		end = p + n;
		*end = '\0';
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (conf_inherit_one(ps, a, p, e) < 0)
			return -1;
		if (last)
			return 0;
		list = p + n + 1;
	}
}

static int
conf_account_add(struct conf *c, struct conf_account *a, struct err *e)
{
	if (c->nacc == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct conf_account **n = realloc(c->acc, cap * sizeof(*n));

		if (n == NULL)
			return err_set(e, ERR_OS, STEP_NONE, "out of memory");
		c->acc = n;
		c->cap = cap;
	}
	c->acc[c->nacc++] = a;
	return 0;
}

static int
conf_account_fill(struct conf_parser *ps, struct conf_account *a,
    char *parents, struct err *e)
{
	for (int k = 0; k < CONF_NKEYS; k++)
		if (ps->c->defaults.v[k].set &&
		    conf_value_copy(&a->v[k], &ps->c->defaults.v[k], e) < 0)
			return -1;
	return parents != NULL ? conf_inherit(ps, a, parents, e) : 0;
}

/* "account NAME" or "account NAME : PARENT[,PARENT...]". */
static int
conf_account_start(struct conf_parser *ps, char *arg, struct err *e)
{
	char *colon = strchr(arg, ':'), *name = arg;
	const struct conf_account *old;
	struct conf_account *a;
	size_t n;

	if (colon != NULL)
		*colon = '\0';
	n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		name[--n] = '\0';
	if (n == 0)
		return conf_fail(ps, e, "account needs a name");
	if (strpbrk(name, ", \t") != NULL)
		return conf_fail(ps, e, "account name \"%s\" has a comma "
		    "or a blank", name);
	old = conf_find(ps->c, name);
	if (old != NULL && old->file_index == ps->fi)
		return conf_fail(ps, e, "account \"%s\" was already defined "
		    "on line %u", name, old->line);
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->name = strdup(name)) == NULL) {
		free(a);
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	}
	a->file = ps->file;
	a->line = ps->line;
	a->file_index = ps->fi;
	if (conf_account_fill(ps, a, colon ? colon + 1 : NULL, e) < 0 ||
	    conf_account_add(ps->c, a, e) < 0) {
		conf_account_clear(a);
		free(a);
		return -1;
	}
	ps->cur = a;
	return 0;
}

/*
 * The value after the key: blanks around it dropped; in double quotes,
 * blanks kept and \" \\ unescaped.  Works in place.
 */
static const char *
conf_unquote(char *v)
{
	size_t n = strlen(v);
	char *w = v;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	if (v[0] != '"')
		return NULL;
	for (const char *r = v + 1;; r++) {
		if (*r == '\0')
			return "has no closing quote";
		if (*r == '"') {
			if (r[1] != '\0')
				return "has text after the closing quote";
			break;
		}
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return NULL;
}

static int
conf_check_bytes(const struct conf_parser *ps, const char *s, size_t n,
    struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\t')
			continue;
		if (ch < 0x20 || ch == 0x7f)
			return conf_fail(ps, e, "a control character "
			    "(\\x%02x) is not allowed", ch);
	}
	return 0;
}

static int
conf_line(struct conf_parser *ps, char *s, struct err *e)
{
	const struct conf_keydef *kd;
	const char *why;
	char *key, *arg;

	s += strspn(s, " \t");
	if (*s == '\0' || *s == '#')
		return 0;
	key = s;
	arg = s + strcspn(s, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	if ((why = conf_unquote(arg)) != NULL)
		return conf_fail(ps, e, "the value %s", why);
	if (conf_check_bytes(ps, arg, strlen(arg), e) < 0)
		return -1;
	if (strcmp(key, "defaults") == 0) {
		if (*arg != '\0')
			return conf_fail(ps, e, "defaults takes no value");
		ps->cur = &ps->c->defaults;
		return 0;
	}
	if (strcmp(key, "account") == 0)
		return conf_account_start(ps, arg, e);
	if ((kd = conf_keydef_find(key)) == NULL)
		return conf_fail(ps, e, "unknown key \"%s\"", key);
	if (kd->key < 0)
		return conf_fail(ps, e, "%s is not supported: %s", kd->name,
		    kd->why);
	return conf_set(ps, kd, arg, e);
}

static int
conf_file_add(struct conf *c, const char *name, struct err *e)
{
	char **n = realloc(c->files, (c->nfiles + 1) * sizeof(*n));

	if (n == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	c->files = n;
	if ((c->files[c->nfiles] = strdup(name)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	c->nfiles++;
	return 0;
}

/* Reads lines of any length (no fixed buffer); a CR before the LF is
 * dropped, as msmtp does for files written on other systems. */
static int
conf_parse_lines(struct conf_parser *ps, FILE *fp, struct err *e)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&buf, &cap, fp)) >= 0) {
		ps->line++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (memchr(buf, '\0', (size_t)n) != NULL)
			rc = conf_fail(ps, e, "a NUL byte is not allowed");
		else
			rc = conf_line(ps, buf, e);
	}
	if (rc == 0 && ferror(fp))
		rc = err_set(e, ERR_CONFIG, STEP_NONE, "%s: read error: %s",
		    ps->file, strerror(errno));
	/* the buffer held every line, passwords too */
	if (buf != NULL)
		secret_wipe(buf, cap);
	free(buf);
	return rc;
}

static int
conf_parse_file(struct conf *c, FILE *fp, const char *name,
    unsigned *secret_line, struct err *e)
{
	struct conf_parser ps;

	if (conf_file_add(c, name, e) < 0)
		return -1;
	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.fi = c->nfiles - 1;
	ps.file = c->files[ps.fi];
	ps.cur = &c->defaults;
	if (conf_parse_lines(&ps, fp, e) < 0)
		return -1;
	*secret_line = ps.secret_line;
	return 0;
}

int
conf_parse(struct conf *c, FILE *fp, const char *name, struct err *e)
{
	unsigned secret_line;

	return conf_parse_file(c, fp, name, &secret_line, e);
}

/* The setgid install (priv.h): a file owned by root that only its group
 * may read, the group being the one tlsmail runs setgid to, or
 * PRIV_GROUP (root running tlsmail reads it too). */
static bool
conf_group_file_ok(const struct stat *st)
{
	const struct group *gr;

	if (st->st_uid != 0 ||
	    (st->st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0)
		return false;
	if (getegid() != getgid() && st->st_gid == getegid())
		return true;
	gr = getgrnam(PRIV_GROUP);
	return gr != NULL && gr->gr_gid == st->st_gid;
}

int
conf_secret_file_ok(const char *name, unsigned line, const struct stat *st,
    struct err *e)
{
	if (!S_ISREG(st->st_mode))
		return err_set(e, ERR_CONFIG, STEP_NONE, "%s is not a regular "
		    "file", name);
	if (conf_group_file_ok(st))
		return 0;
	if (st->st_uid != geteuid()) {
		err_set(e, ERR_CONFIG, STEP_NONE, "%s:%u: a password in a "
		    "file owned by another user", name, line);
		err_hint(e, "make it yours (chown) and run chmod 600 %s, or "
		    "keep the password in a file of your own (password_file)",
		    name);
		return -1;
	}
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		err_set(e, ERR_CONFIG, STEP_NONE, "%s:%u: a password in a "
		    "file that others can read or change", name, line);
		err_hint(e, "run: chmod 600 %s", name);
		return -1;
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, bool missing_ok, struct err *e)
{
	unsigned secret_line = 0;
	struct stat st;
	FILE *fp;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_CONFIG,
		    STEP_NONE, "cannot open configuration file %s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_CONFIG, STEP_NONE, "%s is not a "
		    "configuration file", path);
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return err_set(e, ERR_OS, STEP_NONE, "fdopen: %s",
		    strerror(errno));
	}
	rc = conf_parse_file(c, fp, path, &secret_line, e);
	fclose(fp);
	if (rc == 0 && secret_line != 0)
		rc = conf_secret_file_ok(path, secret_line, &st, e);
	return rc;
}

const char *
conf_system_path(void)
{
	return SYSCONFDIR "/tlsmail.conf";
}

static const char *
conf_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && *home == '/')
		return home;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

static char *
conf_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

char *
conf_user_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = conf_home();
	char *p = NULL;

	/* XDG Base Directory: a relative XDG_CONFIG_HOME is ignored. */
	if (xdg != NULL && *xdg == '/')
		p = conf_join(xdg, "/tlsmail/config");
	else if (home != NULL)
		p = conf_join(home, "/.config/tlsmail/config");
	if (p != NULL && access(p, F_OK) == 0)
		return p;
	free(p);
	return home != NULL ? conf_join(home, "/.tlsmailrc") : NULL;
}

const struct conf_account *
conf_defaults(const struct conf *c)
{
	return &c->defaults;
}

static bool
conf_from_matches(const struct conf_account *a, const char *sender)
{
	const char *pat = a->v[CONF_FROM].val;

	return pat != NULL && fnmatch(pat, sender, FNM_CASEFOLD) == 0;
}

static const struct conf_account *
conf_by_sender(const struct conf *c, const char *sender)
{
	for (unsigned fi = c->nfiles; fi-- > 0;)
		for (size_t i = 0; i < c->nacc; i++) {
			const struct conf_account *a = c->acc[i];

			if (a->file_index == fi &&
			    conf_find(c, a->name) == a &&
			    conf_from_matches(a, sender))
				return a;
		}
	return NULL;
}

const struct conf_account *
conf_select(const struct conf *c, const char *name, const char *sender,
    struct err *e)
{
	const struct conf_account *a;

	if (name != NULL) {
		if ((a = conf_find(c, name)) != NULL)
			return a;
		err_set(e, ERR_CONFIG, STEP_NONE, "no account \"%s\" in %s",
		    name, c->nfiles ? c->files[c->nfiles - 1] :
		    "any configuration file");
		if (c->nfiles > 1)
			err_hint(e, "accounts are read from %s and %s",
			    c->files[0], c->files[c->nfiles - 1]);
		return NULL;
	}
	if (sender != NULL && (a = conf_by_sender(c, sender)) != NULL)
		return a;
	if ((a = conf_find(c, "default")) != NULL)
		return a;
	return &c->defaults;
}

const char *
conf_get(const struct conf_account *a, enum conf_key k)
{
	return a->v[k].val;
}

bool
conf_is_on(const struct conf_account *a, enum conf_key k)
{
	return a->v[k].val != NULL && strcmp(a->v[k].val, "on") == 0;
}

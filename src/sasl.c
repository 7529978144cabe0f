/*
 * SASL mechanisms for SMTP AUTH (RFC 4954):
 *   PLAIN  RFC 4616: one message, "authzid NUL authcid NUL passwd".
 *   LOGIN  draft-murchison-sasl-login: user, then password, each answering
 *          a server challenge.
 * Base64 comes from GnuTLS, as every primitive in tlsmail does.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "sasl.h"

typedef int (*sasl_start_fn)(struct sasl *, char **, struct err *);
typedef int (*sasl_step_fn)(struct sasl *, const unsigned char *, size_t,
    char **, struct err *);

struct sasl_mech {
	const char	*name;
	bool		 one_step;
	sasl_start_fn	 start;
	sasl_step_fn	 step;
};

static void
secure_zero(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	gnutls_memset(p, 0, n);
#endif
}

void
sasl_wipe(char *s)
{
	if (s == NULL)
		return;
	secure_zero(s, strlen(s));
	free(s);
}

/* Encodes n bytes of raw into a fresh NUL-terminated base64 string. */
static int
sasl_b64(const void *raw, size_t n, char **out, struct err *e)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)raw, (unsigned)n };
	gnutls_datum_t b64 = { NULL, 0 };

	if (n == 0) {	/* RFC 4954 section 4: an empty response is "=" */
		if ((*out = strdup("=")) == NULL)
			return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
		return 0;
	}
	if (gnutls_base64_encode2(&in, &b64) < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "base64 encoding failed");
	*out = (char *)b64.data;	/* NUL-terminated by GnuTLS */
	return 0;
}

static int
sasl_plain_start(struct sasl *s, char **initial, struct err *e)
{
	const struct sasl_cred *c = s->cred;
	size_t zl = c->authzid ? strlen(c->authzid) : 0;
	size_t ul = strlen(c->user), pl = strlen(c->pass);
	size_t n = zl + ul + pl + 2;
	char *buf;
	int rc;

	if ((buf = malloc(n)) == NULL)
		return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
	if (zl)
		memcpy(buf, c->authzid, zl);
	buf[zl] = '\0';
	memcpy(buf + zl + 1, c->user, ul);
	buf[zl + 1 + ul] = '\0';
	memcpy(buf + zl + ul + 2, c->pass, pl);
	rc = sasl_b64(buf, n, initial, e);
	secure_zero(buf, n);
	free(buf);
	s->stage = 1;
	return rc;
}

static int
sasl_plain_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	(void)ch;
	/* RFC 4954 section 4: a server may send an empty challenge when no
	 * initial response was given; answering it twice is an error. */
	if (s->stage != 0 || len != 0)
		return err_set(e, ERR_PROTOCOL, STEP_AUTH,
		    "unexpected PLAIN challenge from server");
	return sasl_plain_start(s, resp, e);
}

static int
sasl_login_start(struct sasl *s, char **initial, struct err *e)
{
	(void)s;
	(void)e;
	*initial = NULL;
	return 0;
}

static int
sasl_login_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	const char *v;

	(void)ch;
	(void)len;
	/* The challenges' texts ("Username:", "Password:") vary between
	 * servers; the order does not. */
	switch (s->stage++) {
	case 0:
		v = s->cred->user;
		break;
	case 1:
		v = s->cred->pass;
		break;
	default:
		return err_set(e, ERR_PROTOCOL, STEP_AUTH,
		    "server sent a third LOGIN challenge");
	}
	return sasl_b64(v, strlen(v), resp, e);
}

/* Strongest first: the order "auth on" tries them in. */
static const struct sasl_mech sasl_mechs[] = {
	{ "PLAIN", true, sasl_plain_start, sasl_plain_step },
	{ "LOGIN", false, sasl_login_start, sasl_login_step },
};

#define NMECHS (sizeof(sasl_mechs) / sizeof(sasl_mechs[0]))

static const struct sasl_mech *
sasl_find(const char *name)
{
	for (size_t i = 0; i < NMECHS; i++)
		if (strcasecmp(sasl_mechs[i].name, name) == 0)
			return &sasl_mechs[i];
	return NULL;
}

/* True when the space-separated list offered contains name. */
static bool
sasl_offered(const char *offered, const char *name)
{
	size_t n = strlen(name);
	const char *p = offered;

	while (*p != '\0') {
		size_t w;

		p += strspn(p, " \t");
		w = strcspn(p, " \t");
		if (w == n && strncasecmp(p, name, n) == 0)
			return true;
		p += w;
	}
	return false;
}

const char *
sasl_choose(const char *offered, const char *wanted, struct err *e)
{
	if (wanted != NULL && strcasecmp(wanted, "on") != 0) {
		const struct sasl_mech *m = sasl_find(wanted);

		if (m == NULL) {
			err_set(e, ERR_USAGE, STEP_AUTH,
			    "unknown authentication mechanism \"%s\"", wanted);
			err_hint(e, "use one of PLAIN, LOGIN, or on");
			return NULL;
		}
		if (!sasl_offered(offered, m->name)) {
			err_set(e, ERR_UNAVAILABLE, STEP_AUTH,
			    "server does not offer AUTH %s (it offers: %s)",
			    m->name, offered);
			return NULL;
		}
		return m->name;
	}
	for (size_t i = 0; i < NMECHS; i++)
		if (sasl_offered(offered, sasl_mechs[i].name))
			return sasl_mechs[i].name;
	err_set(e, ERR_UNAVAILABLE, STEP_AUTH,
	    "no authentication mechanism in common (server offers: %s)",
	    offered);
	return NULL;
}

int
sasl_start(struct sasl *s, const char *mech, const struct sasl_cred *cred,
    char **initial, struct err *e)
{
	memset(s, 0, sizeof(*s));
	*initial = NULL;
	if ((s->mech = sasl_find(mech)) == NULL)
		return err_set(e, ERR_USAGE, STEP_AUTH,
		    "unknown authentication mechanism \"%s\"", mech);
	s->cred = cred;
	return s->mech->start(s, initial, e);
}

int
sasl_step(struct sasl *s, const char *challenge, size_t len, char **response,
    struct err *e)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)challenge,
		(unsigned)len };
	gnutls_datum_t raw = { NULL, 0 };
	int rc;

	*response = NULL;
	if (len > 0 && gnutls_base64_decode2(&in, &raw) < 0)
		return err_set(e, ERR_PROTOCOL, STEP_AUTH,
		    "server sent a challenge that is not base64");
	rc = s->mech->step(s, raw.data, raw.size, response, e);
	if (raw.data != NULL) {
		secure_zero(raw.data, raw.size);
		gnutls_free(raw.data);
	}
	return rc;
}

bool
sasl_one_step(const struct sasl *s)
{
	return s->mech->one_step;
}

const char *
sasl_name(const struct sasl *s)
{
	return s->mech->name;
}

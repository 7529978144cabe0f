/*
 * tsrv_sasl: server side of CRAM-MD5 (RFC 2195), SCRAM-SHA-1 and
 * SCRAM-SHA-256 with and without -PLUS (RFC 5802, RFC 7677; channel
 * binding: RFC 9266 tls-exporter, RFC 5929 tls-unique, computed on the
 * server's own TLS session), XOAUTH2, OAUTHBEARER (RFC 7628) and EXTERNAL
 * (RFC 4422 appendix A, on a client certificate verified against the
 * scenario's client CA).  See tsrv_sasl.h.
 */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "tsrv_sasl.h"

#define TSASL_ITER	 4096
#define TSASL_SALT	 "tsrv salt"
#define TSASL_NONCE	 "tsrvServerNonce"
#define TSASL_CRAM	 "<1896.697170952@tsrv.test>"
#define TSASL_HASH_MAX	 32
#define TSASL_ITER_HUGE	 99999999UL	/* above any sane client's bound */

/* "sasl fault NAME" */
enum {
	F_BAD_SIG = 1 << 0,	/* SCRAM: wrong ServerSignature */
	F_NO_FINAL = 1 << 1,	/* SCRAM: 235 without a server-final */
	F_SERVER_ERR = 1 << 2,	/* SCRAM: server-final "e=other-error" */
	F_BAD_B64 = 1 << 3,	/* SCRAM: server-first not base64 */
	F_WRONG_NONCE = 1 << 4,	/* SCRAM: nonce not starting with the
				   client's */
	F_ITER_ZERO = 1 << 5,	/* SCRAM: i=0 */
	F_ITER_HUGE = 1 << 6,	/* SCRAM: i=99999999 */
	F_NO_SALT = 1 << 7,	/* SCRAM: no s= */
	F_OAUTH_ERR = 1 << 8	/* OAuth: the error challenge, always */
};

static const struct {
	const char *name;
	unsigned bit;
} tsasl_faults[] = {
	{ "scram-bad-signature", F_BAD_SIG },
	{ "scram-no-final", F_NO_FINAL },
	{ "scram-server-error", F_SERVER_ERR },
	{ "scram-bad-base64", F_BAD_B64 },
	{ "scram-wrong-nonce", F_WRONG_NONCE },
	{ "scram-iter-zero", F_ITER_ZERO },
	{ "scram-iter-huge", F_ITER_HUGE },
	{ "scram-no-salt", F_NO_SALT },
	{ "oauth-error", F_OAUTH_ERR },
};

struct tsasl_cred {
	char	*user;
	char	*pass;
};

struct tsasl_conf {
	struct tsasl_cred *creds;
	size_t	 ncreds;
	unsigned long iter;
	char	*salt;
	char	*client_ca;
	bool	 cb_always;	/* binds even when -PLUS is not offered */
	unsigned faults;
};

struct tsasl_mech;

struct tsasl {
	const struct tsasl_conf *conf;
	const struct tsasl_mech *m;
	gnutls_session_t tls;
	bool	 plus_offered;
	int	 stage;
	char	*user;
	char	*gs2;		/* SCRAM: the gs2 header as the client sent */
	char	*bare;		/* client-first-message-bare */
	char	*sfirst;	/* server-first-message */
	char	*nonce;		/* the combined nonce */
	unsigned char stored[TSASL_HASH_MAX];
	unsigned char server[TSASL_HASH_MAX];
	size_t	 hlen;
};

typedef void tsasl_fn(struct tsasl *, const char *, size_t,
    struct tsasl_out *);

struct tsasl_mech {
	const char *name;
	gnutls_mac_algorithm_t h;
	bool	 plus;
	tsasl_fn *input;
};

/* ---- scenario ---- */

static struct tsasl_conf *
tsasl_conf_get(struct tsasl_conf **cp)
{
	if (*cp == NULL && (*cp = calloc(1, sizeof(**cp))) != NULL)
		(*cp)->iter = TSASL_ITER;
	return *cp;
}

static char *
tsasl_word(char **s)
{
	char *w = *s + strspn(*s, " \t"), *end = w + strcspn(w, " \t");

	*s = end + strspn(end, " \t");
	*end = '\0';
	return *w ? w : NULL;
}

static int
tsasl_set_str(char **dst, const char *v, const char **why)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		*why = "out of memory";
	return *dst ? 0 : -1;
}

static int
tsasl_conf_fault(struct tsasl_conf *c, const char *name, const char **why)
{
	for (size_t i = 0; i < sizeof tsasl_faults / sizeof tsasl_faults[0];
	     i++) {
		if (strcmp(tsasl_faults[i].name, name) == 0) {
			c->faults |= tsasl_faults[i].bit;
			return 0;
		}
	}
	*why = "unknown sasl fault";
	return -1;
}

int
tsasl_conf_line(struct tsasl_conf **cp, char *args, const char **why)
{
	struct tsasl_conf *c = tsasl_conf_get(cp);
	char *key = tsasl_word(&args), *v = tsasl_word(&args), *end;

	*why = "sasl iterations N | salt TEXT | client-ca FILE | cb-always "
	       "| fault NAME";
	if (c == NULL || key == NULL) {
		*why = c ? *why : "out of memory";
		return -1;
	}
	if (strcmp(key, "cb-always") == 0 && v == NULL) {
		c->cb_always = true;
		return 0;
	}
	if (v == NULL || *args != '\0')
		return -1;
	if (strcmp(key, "iterations") == 0) {
		c->iter = strtoul(v, &end, 10);
		return *end == '\0' && c->iter > 0 ? 0 : -1;
	}
	if (strcmp(key, "salt") == 0)
		return tsasl_set_str(&c->salt, v, why);
	if (strcmp(key, "client-ca") == 0)
		return tsasl_set_str(&c->client_ca, v, why);
	if (strcmp(key, "fault") == 0)
		return tsasl_conf_fault(c, v, why);
	return -1;
}

int
tsasl_conf_cred(struct tsasl_conf **cp, const char *user, const char *pass)
{
	struct tsasl_conf *c = tsasl_conf_get(cp);
	struct tsasl_cred *n;

	if (c == NULL)
		return -1;
	n = realloc(c->creds, (c->ncreds + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	c->creds = n;
	n[c->ncreds].user = strdup(user);
	n[c->ncreds].pass = strdup(pass);
	c->ncreds++;
	return n[c->ncreds - 1].user && n[c->ncreds - 1].pass ? 0 : -1;
}

void
tsasl_conf_free(struct tsasl_conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ncreds; i++) {
		free(c->creds[i].user);
		free(c->creds[i].pass);
	}
	free(c->creds);
	free(c->salt);
	free(c->client_ca);
	free(c);
}

int
tsasl_tls_setup(const struct tsasl_conf *c,
		gnutls_certificate_credentials_t cred)
{
	int ret;

	if (c == NULL || c->client_ca == NULL)
		return 0;
	ret = gnutls_certificate_set_x509_trust_file(cred, c->client_ca,
						     GNUTLS_X509_FMT_PEM);
	return ret < 0 ? ret : 0;
}

gnutls_certificate_request_t
tsasl_cert_request(const struct tsasl_conf *c)
{
	return c != NULL && c->client_ca != NULL ? GNUTLS_CERT_REQUEST
						 : GNUTLS_CERT_IGNORE;
}

static const char *
tsasl_pass(const struct tsasl_conf *c, const char *user)
{
	for (size_t i = 0; c != NULL && i < c->ncreds; i++)
		if (strcmp(c->creds[i].user, user) == 0)
			return c->creds[i].pass;
	return NULL;
}

/* ---- replies ---- */

static void __attribute__((format(printf, 2, 3)))
out_reply(struct tsasl_out *o, const char *fmt, ...)
{
	va_list ap;

	free(o->reply);
	va_start(ap, fmt);
	if (vasprintf(&o->reply, fmt, ap) == -1)
		o->reply = NULL;
	va_end(ap);
}

static void
out_more(struct tsasl_out *o, const void *raw, size_t n)
{
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)raw, (unsigned)n};
	gnutls_datum_t b64 = {NULL, 0};

	o->st = TSASL_MORE;
	if (n > 0 && gnutls_base64_encode2(&in, &b64) < 0) {
		out_reply(o, "454 4.7.0 Temporary authentication failure");
		o->st = TSASL_FAIL;
		o->why = "internal";
		return;
	}
	out_reply(o, "334 %s", b64.data ? (char *)b64.data : "");
	gnutls_free(b64.data);
}

static void
out_ok(struct tsasl_out *o, const char *who, size_t n)
{
	o->st = TSASL_OK;
	snprintf(o->who, sizeof o->who, "%.*s", (int)n, who);
	out_reply(o, "235 2.7.0 Authentication successful");
}

static void
out_fail(struct tsasl_out *o, const char *why)
{
	o->st = TSASL_FAIL;
	o->why = why;
	out_reply(o, "535 5.7.8 Error: authentication failed");
}

static void
out_syntax(struct tsasl_out *o, const char *why)
{
	o->st = TSASL_FAIL;
	o->why = why;
	out_reply(o, "501 5.5.2 Error: malformed %s response", o->mech);
}

/* ---- CRAM-MD5 ---- */

static void
cram_input(struct tsasl *x, const char *raw, size_t n, struct tsasl_out *o)
{
	static const char hex[] = "0123456789abcdef";
	const char *sp = n ? memrchr(raw, ' ', n) : NULL, *pass;
	unsigned char mac[16];
	char want[33];
	char *user;

	if (sp == NULL || (size_t)(raw + n - sp - 1) != 32)
		return out_syntax(o, "syntax");
	if ((user = strndup(raw, (size_t)(sp - raw))) == NULL)
		return out_fail(o, "internal");
	pass = tsasl_pass(x->conf, user);
	free(user);
	if (pass == NULL || gnutls_hmac_fast(GNUTLS_MAC_MD5, pass,
	    strlen(pass), TSASL_CRAM, strlen(TSASL_CRAM), mac) < 0)
		return out_fail(o, "user");
	for (size_t i = 0; i < 16; i++) {
		want[2 * i] = hex[mac[i] >> 4];
		want[2 * i + 1] = hex[mac[i] & 15];
	}
	if (memcmp(want, sp + 1, 32) != 0)
		return out_fail(o, "digest");
	out_ok(o, raw, (size_t)(sp - raw));
}

/* ---- SCRAM ---- */

/* The channel binding this server computes on its own session. */
static int
scram_cbind(const struct tsasl *x, const char **type, gnutls_datum_t *d)
{
	gnutls_channel_binding_t t;

	if (x->tls == NULL)
		return -1;
	if (gnutls_protocol_get_version(x->tls) == GNUTLS_TLS1_3) {
		t = GNUTLS_CB_TLS_EXPORTER;
		*type = "tls-exporter";
	} else {
		t = GNUTLS_CB_TLS_UNIQUE;
		*type = "tls-unique";
	}
	return gnutls_session_channel_binding(x->tls, t, d) < 0 ? -1 : 0;
}

/* RFC 5802 section 6: what the gs2 flag says against what we offer. */
static const char *
scram_check_flag(const struct tsasl *x, const char *gs2)
{
	gnutls_datum_t d = {NULL, 0};
	const char *type = "";
	size_t tl;

	if (gs2[0] == 'y')
		return x->m->plus ? "cbind-flag"
		       : x->plus_offered || x->conf->cb_always ? "downgrade"
							       : NULL;
	if (gs2[0] == 'n')
		return x->m->plus ? "cbind-flag" : NULL;
	if (!x->m->plus || scram_cbind(x, &type, &d) < 0)
		return "cbind-flag";
	gnutls_free(d.data);
	tl = strlen(type);
	return strncmp(gs2 + 2, type, tl) == 0 && gs2[2 + tl] == ','
		   ? NULL
		   : "cbind-type";
}

/* saslname: =2C and =3D back to , and = */
static char *
scram_unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	for (size_t i = 0; out != NULL && i < n; i++) {
		if (i + 3 <= n && strncmp(s + i, "=2C", 3) == 0) {
			*o++ = ',';
			i += 2;
		} else if (i + 3 <= n && strncmp(s + i, "=3D", 3) == 0) {
			*o++ = '=';
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

/* Splits client-first into gs2 header and bare; NULL when malformed. */
static const char *
scram_split_first(struct tsasl *x, const char *msg)
{
	const char *p = msg, *comma;

	if (strncmp(p, "p=", 2) != 0 && strncmp(p, "n,", 2) != 0 &&
	    strncmp(p, "y,", 2) != 0)
		return NULL;
	if ((comma = strchr(p, ',')) == NULL)
		return NULL;
	p = comma + 1;
	if (strncmp(p, "a=", 2) == 0 && (p = strchr(p, ',')) == NULL)
		return NULL;
	if (*p != ',')
		return NULL;
	x->gs2 = strndup(msg, (size_t)(p + 1 - msg));
	x->bare = strdup(p + 1);
	return x->gs2 && x->bare ? p + 1 : NULL;
}

static int
scram_keys(struct tsasl *x, const char *pass)
{
	const char *salt = x->conf->salt ? x->conf->salt : TSASL_SALT;
	gnutls_datum_t key = {(unsigned char *)(uintptr_t)pass,
			      (unsigned)strlen(pass)};
	gnutls_datum_t s = {(unsigned char *)(uintptr_t)salt,
			    (unsigned)strlen(salt)};
	unsigned char salted[TSASL_HASH_MAX], ck[TSASL_HASH_MAX];

	x->hlen = gnutls_hmac_get_len(x->m->h);
	if (gnutls_pbkdf2(x->m->h, &key, &s, (unsigned)x->conf->iter, salted,
			  x->hlen) < 0 ||
	    gnutls_hmac_fast(x->m->h, salted, x->hlen, "Client Key", 10, ck) <
		0 ||
	    gnutls_hash_fast((gnutls_digest_algorithm_t)x->m->h, ck, x->hlen,
			     x->stored) < 0 ||
	    gnutls_hmac_fast(x->m->h, salted, x->hlen, "Server Key", 10,
			     x->server) < 0)
		return -1;
	return 0;
}

static int
scram_server_first(struct tsasl *x, const char *cnonce, size_t cn)
{
	const char *salt = x->conf->salt ? x->conf->salt : TSASL_SALT;
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)salt,
			     (unsigned)strlen(salt)};
	gnutls_datum_t s64 = {NULL, 0};
	unsigned f = x->conf->faults;
	unsigned long iter = f & F_ITER_ZERO   ? 0
			     : f & F_ITER_HUGE ? TSASL_ITER_HUGE
					       : x->conf->iter;
	int rc;

	if (gnutls_base64_encode2(&in, &s64) < 0)
		return -1;
	if (f & F_WRONG_NONCE)
		rc = asprintf(&x->nonce, "X%.*s%s", (int)cn, cnonce,
			      TSASL_NONCE);
	else
		rc = asprintf(&x->nonce, "%.*s%s", (int)cn, cnonce,
			      TSASL_NONCE);
	if (rc != -1 && (f & F_NO_SALT))
		rc = asprintf(&x->sfirst, "r=%s,i=%lu", x->nonce, iter);
	else if (rc != -1)
		rc = asprintf(&x->sfirst, "r=%s,s=%s,i=%lu", x->nonce,
			      (char *)s64.data, iter);
	gnutls_free(s64.data);
	return rc == -1 ? -1 : 0;
}

static void
scram_first(struct tsasl *x, const char *raw, size_t n, struct tsasl_out *o)
{
	char *msg = strndup(raw, n), *user;
	const char *bare, *r, *why, *pass;

	if (msg == NULL || memchr(raw, '\0', n) != NULL ||
	    (bare = scram_split_first(x, msg)) == NULL ||
	    strncmp(bare, "n=", 2) != 0 || (r = strstr(bare, ",r=")) == NULL) {
		free(msg);
		return out_syntax(o, "syntax");
	}
	if ((why = scram_check_flag(x, x->gs2)) != NULL) {
		free(msg);
		return out_fail(o, why);
	}
	user = scram_unescape(bare + 2, (size_t)(r - bare - 2));
	pass = user ? tsasl_pass(x->conf, user) : NULL;
	x->user = user;
	/* An unknown user still gets a server-first (RFC 5802 section 5.1
	 * lets it): the proof will fail. */
	if (scram_keys(x, pass ? pass : "\x01unknown user") < 0 ||
	    scram_server_first(x, r + 3, strcspn(r + 3, ",")) < 0) {
		free(msg);
		return out_fail(o, "internal");
	}
	free(msg);
	x->stage = 1;
	if (x->conf->faults & F_BAD_B64) {
		o->st = TSASL_MORE;
		out_reply(o, "334 !!!this-is-not-base64");
		return;
	}
	out_more(o, x->sfirst, strlen(x->sfirst));
}

/* c= must be base64(gs2 header || our binding data when p=). */
static bool
scram_check_c(const struct tsasl *x, const char *c64, size_t n)
{
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)c64, (unsigned)n};
	gnutls_datum_t got = {NULL, 0}, cb = {NULL, 0};
	size_t gl = strlen(x->gs2);
	const char *type;
	bool ok;

	if (gnutls_base64_decode2(&in, &got) < 0)
		return false;
	ok = got.size >= gl && memcmp(got.data, x->gs2, gl) == 0;
	if (ok && x->gs2[0] == 'p')
		ok = scram_cbind(x, &type, &cb) == 0 &&
		     got.size == gl + cb.size &&
		     memcmp(got.data + gl, cb.data, cb.size) == 0;
	else if (ok)
		ok = got.size == gl;
	gnutls_free(got.data);
	gnutls_free(cb.data);
	return ok;
}

/* ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must
 * be StoredKey (RFC 5802 section 3). */
static bool
scram_check_proof(const struct tsasl *x, const char *auth, const char *p64)
{
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)p64,
			     (unsigned)strlen(p64)};
	gnutls_datum_t proof = {NULL, 0};
	unsigned char sig[TSASL_HASH_MAX], h[TSASL_HASH_MAX];
	bool ok = false;

	if (gnutls_base64_decode2(&in, &proof) < 0)
		return false;
	if (proof.size == x->hlen &&
	    gnutls_hmac_fast(x->m->h, x->stored, x->hlen, auth, strlen(auth),
			     sig) >= 0) {
		for (size_t i = 0; i < x->hlen; i++)
			sig[i] ^= proof.data[i];
		ok = gnutls_hash_fast((gnutls_digest_algorithm_t)x->m->h, sig,
				      x->hlen, h) >= 0 &&
		     memcmp(h, x->stored, x->hlen) == 0;
	}
	gnutls_free(proof.data);
	return ok;
}

static void
scram_reply_final(struct tsasl *x, const char *auth, struct tsasl_out *o)
{
	unsigned char sig[TSASL_HASH_MAX];
	gnutls_datum_t in = {sig, (unsigned)x->hlen}, b64 = {NULL, 0};
	char *msg = NULL;

	x->stage = 2;
	if (x->conf->faults & F_NO_FINAL)
		return out_ok(o, x->user, strlen(x->user));
	if (x->conf->faults & F_SERVER_ERR)
		return out_more(o, "e=other-error", 13);
	if (gnutls_hmac_fast(x->m->h, x->server, x->hlen, auth, strlen(auth),
			     sig) < 0)
		return out_fail(o, "internal");
	if (x->conf->faults & F_BAD_SIG)
		sig[0] ^= 1;
	if (gnutls_base64_encode2(&in, &b64) < 0 ||
	    asprintf(&msg, "v=%s", (char *)b64.data) == -1) {
		gnutls_free(b64.data);
		return out_fail(o, "internal");
	}
	out_more(o, msg, strlen(msg));
	free(msg);
	gnutls_free(b64.data);
}

static void
scram_final(struct tsasl *x, const char *raw, size_t n, struct tsasl_out *o)
{
	char *msg = strndup(raw, n), *auth = NULL, *p, *r;

	if (msg == NULL || memchr(raw, '\0', n) != NULL ||
	    strncmp(msg, "c=", 2) != 0 || (p = strstr(msg, ",p=")) == NULL ||
	    (r = strstr(msg, ",r=")) == NULL || r > p) {
		free(msg);
		return out_syntax(o, "syntax");
	}
	*p = '\0';
	if (!scram_check_c(x, msg + 2, (size_t)(r - msg - 2)))
		out_fail(o, "cbind");
	else if (strcmp(r + 3, x->nonce) != 0)
		out_fail(o, "nonce");
	else if (asprintf(&auth, "%s,%s,%s", x->bare, x->sfirst, msg) == -1)
		out_fail(o, "internal");
	else if (!scram_check_proof(x, auth, p + 3))
		out_fail(o, "proof");
	else
		scram_reply_final(x, auth, o);
	free(auth);
	free(msg);
}

static void
scram_input(struct tsasl *x, const char *raw, size_t n, struct tsasl_out *o)
{
	switch (x->stage) {
	case 0: scram_first(x, raw, n, o); return;
	case 1: scram_final(x, raw, n, o); return;
	default:
		if (x->conf->faults & F_SERVER_ERR)
			return out_fail(o, "server-error");
		if (n != 0)
			return out_syntax(o, "final-response");
		out_ok(o, x->user, strlen(x->user));
	}
}

/* ---- XOAUTH2, OAUTHBEARER ---- */

/* The value of key in "^Akey=value^A" pairs, or NULL. */
static char *
oauth_kv(const char *raw, size_t n, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i + kl < n; i++) {
		if ((i == 0 || raw[i - 1] == '\001') &&
		    strncmp(raw + i, key, kl) == 0) {
			const char *v = raw + i + kl;
			const char *end = memchr(v, '\001', n - i - kl);

			return end ? strndup(v, (size_t)(end - v)) : NULL;
		}
	}
	return NULL;
}

static bool
oauth_ok(const struct tsasl *x, const char *user, const char *bearer)
{
	const char *tok = user ? tsasl_pass(x->conf, user) : NULL;

	return !(x->conf->faults & F_OAUTH_ERR) && tok != NULL &&
	       bearer != NULL && strncmp(bearer, "Bearer ", 7) == 0 &&
	       strcmp(bearer + 7, tok) == 0;
}

/* After the error challenge, RFC 7628 section 3.2.3 wants a lone ^A;
 * Google's XOAUTH2 an empty response. */
static void
oauth_after_error(struct tsasl *x, const char *raw, size_t n,
		  struct tsasl_out *o)
{
	bool bearer = strcmp(x->m->name, "OAUTHBEARER") == 0;

	if (bearer ? n != 1 || raw[0] != '\001' : n != 0)
		return out_syntax(o, "dummy-response");
	out_fail(o, "token");
}

static void
xoauth2_input(struct tsasl *x, const char *raw, size_t n,
	      struct tsasl_out *o)
{
	static const char err[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
				  "\"scope\":\"https://mail.google.com/\"}";
	char *user, *auth;

	if (x->stage++ > 0)
		return oauth_after_error(x, raw, n, o);
	if (n < 2 || raw[n - 1] != '\001' || raw[n - 2] != '\001')
		return out_syntax(o, "syntax");
	user = oauth_kv(raw, n, "user=");
	auth = oauth_kv(raw, n, "auth=");
	if (oauth_ok(x, user, auth))
		out_ok(o, user, strlen(user));
	else
		out_more(o, err, sizeof err - 1);
	free(x->user);
	x->user = user;
	free(auth);
}

static void
oauthbearer_input(struct tsasl *x, const char *raw, size_t n,
		  struct tsasl_out *o)
{
	static const char err[] =
	    "{\"status\":\"invalid_token\",\"scope\":\"mail\","
	    "\"openid-configuration\":\"https://tsrv.test/.well-known/"
	    "openid-configuration\"}";
	const char *comma;
	char *user = NULL, *auth;

	if (x->stage++ > 0)
		return oauth_after_error(x, raw, n, o);
	/* RFC 7628 section 3.1: "n,a=user," then ^A kvpairs ^A ^A */
	if (n < 4 || strncmp(raw, "n,", 2) != 0 || raw[n - 1] != '\001' ||
	    raw[n - 2] != '\001' ||
	    (comma = memchr(raw + 2, ',', n - 2)) == NULL)
		return out_syntax(o, "syntax");
	if (strncmp(raw + 2, "a=", 2) == 0)
		user = scram_unescape(raw + 4, (size_t)(comma - raw - 4));
	auth = oauth_kv(comma + 1, n - (size_t)(comma + 1 - raw), "auth=");
	if (oauth_ok(x, user, auth))
		out_ok(o, user, strlen(user));
	else
		out_more(o, err, sizeof err - 1);
	x->user = user;
	free(auth);
}

/* ---- EXTERNAL ---- */

/* The verified client certificate's common name into who. */
static const char *
external_identity(const struct tsasl *x, char *who, size_t cap)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned n = 0, status = 1;
	int ret;

	if (x->tls == NULL ||
	    (certs = gnutls_certificate_get_peers(x->tls, &n)) == NULL ||
	    n == 0)
		return "no-cert";
	if (gnutls_certificate_verify_peers2(x->tls, &status) < 0 ||
	    status != 0)
		return "cert-untrusted";
	if (gnutls_x509_crt_init(&crt) < 0)
		return "internal";
	ret = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER);
	if (ret >= 0)
		ret = gnutls_x509_crt_get_dn_by_oid(
		    crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, who, &cap);
	gnutls_x509_crt_deinit(crt);
	return ret < 0 ? "cert-name" : NULL;
}

static void
external_input(struct tsasl *x, const char *raw, size_t n,
	       struct tsasl_out *o)
{
	char cn[256];
	const char *why = external_identity(x, cn, sizeof cn);

	if (why != NULL)
		return out_fail(o, why);
	/* An authorization identity other than the certificate's. */
	if (n > 0 && (n != strlen(cn) || memcmp(raw, cn, n) != 0))
		return out_fail(o, "authzid");
	out_ok(o, cn, strlen(cn));
}

/* ---- the exchange ---- */

static const struct tsasl_mech tsasl_mechs[] = {
	{"CRAM-MD5", 0, false, cram_input},
	{"SCRAM-SHA-1", GNUTLS_MAC_SHA1, false, scram_input},
	{"SCRAM-SHA-256", GNUTLS_MAC_SHA256, false, scram_input},
	{"SCRAM-SHA-1-PLUS", GNUTLS_MAC_SHA1, true, scram_input},
	{"SCRAM-SHA-256-PLUS", GNUTLS_MAC_SHA256, true, scram_input},
	{"XOAUTH2", 0, false, xoauth2_input},
	{"OAUTHBEARER", 0, false, oauthbearer_input},
	{"EXTERNAL", 0, false, external_input},
};

static const struct tsasl_mech *
tsasl_find(const char *mech)
{
	for (size_t i = 0; i < sizeof tsasl_mechs / sizeof tsasl_mechs[0]; i++)
		if (strcasecmp(tsasl_mechs[i].name, mech) == 0)
			return &tsasl_mechs[i];
	return NULL;
}

bool
tsasl_knows(const char *mech)
{
	return tsasl_find(mech) != NULL;
}

static bool
tsasl_plus_in(const char *auth)
{
	const char *p = auth;

	while (p != NULL && (p = strcasestr(p, "-PLUS")) != NULL) {
		if (p[5] == '\0' || p[5] == ' ')
			return true;
		p += 5;
	}
	return false;
}

void
tsasl_start(struct tsasl **xp, const struct tsasl_conf *conf,
	    const char *mech, gnutls_session_t tls, const char *auth,
	    const char *initial, struct tsasl_out *o)
{
	static const struct tsasl_conf dflt = {.iter = TSASL_ITER};
	struct tsasl *x = calloc(1, sizeof(*x));

	memset(o, 0, sizeof(*o));
	*xp = x;
	o->mech = mech;
	if (x == NULL)
		return out_fail(o, "internal");
	x->conf = conf ? conf : &dflt;
	x->m = tsasl_find(mech);
	o->mech = x->m->name;
	x->tls = tls;
	x->plus_offered = tsasl_plus_in(auth);
	if (initial != NULL)
		return tsasl_input(x, initial, o);
	if (x->m->input == cram_input)
		return out_more(o, TSASL_CRAM, strlen(TSASL_CRAM));
	out_more(o, "", 0); /* RFC 4954 section 4: "334 " */
}

void
tsasl_input(struct tsasl *x, const char *line, struct tsasl_out *o)
{
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)line,
			     (unsigned)strlen(line)};
	gnutls_datum_t raw = {NULL, 0};

	o->mech = x->m->name;
	o->why = NULL;
	if (strcmp(line, "*") == 0) {
		o->st = TSASL_CANCEL;
		out_reply(o, "501 5.7.0 Authentication cancelled");
		return;
	}
	if (in.size > 0 && strcmp(line, "=") != 0 &&
	    gnutls_base64_decode2(&in, &raw) < 0)
		return out_syntax(o, "base64");
	x->m->input(x, raw.data ? (const char *)raw.data : "", raw.size, o);
	if (raw.data != NULL) {
		gnutls_memset(raw.data, 0, raw.size);
		gnutls_free(raw.data);
	}
}

void
tsasl_free(struct tsasl *x)
{
	if (x == NULL)
		return;
	free(x->user);
	free(x->gs2);
	free(x->bare);
	free(x->sfirst);
	free(x->nonce);
	gnutls_memset(x, 0, sizeof(*x));
	free(x);
}

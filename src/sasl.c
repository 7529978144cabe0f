/*
 * SASL mechanisms for SMTP AUTH (RFC 4954):
 *   PLAIN        RFC 4616: one message, "authzid NUL authcid NUL passwd".
 *   LOGIN        draft-murchison-sasl-login: user, then password, each
 *                answering a server challenge.
 *   CRAM-MD5     RFC 2195: "user SP hex(HMAC-MD5(password, challenge))".
 *   SCRAM-*      RFC 5802 (SHA-1), RFC 7677 (SHA-256); -PLUS with channel
 *                binding, RFC 5929 tls-unique (TLS 1.2) or RFC 9266
 *                tls-exporter (TLS 1.3).
 *   EXTERNAL     RFC 4422 appendix A: the TLS client certificate speaks.
 *   XOAUTH2      Google's "user=U ^A auth=Bearer T ^A ^A".
 *   OAUTHBEARER  RFC 7628: a GS2 header, then key-value pairs.
 * Every primitive comes from GnuTLS: base64, HMAC, hashes, PBKDF2 (SCRAM's
 * Hi), randomness, and RFC 8265 normalisation for SASLprep.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "sasl.h"
#include "secret.h"

typedef int (*sasl_start_fn)(struct sasl *, char **, struct err *);
typedef int (*sasl_step_fn)(struct sasl *, const unsigned char *, size_t,
    char **, struct err *);

/* Mechanism properties. */
#define M_ONE_STEP	0x01	/* the initial response is all there is */
#define M_AUTO		0x02	/* "auth on" may choose it */
#define M_CLEAR		0x04	/* exposes a reusable secret: TLS only */
#define M_PLUS		0x08	/* needs channel binding data */
#define M_CERT		0x10	/* needs a client certificate */
#define M_NOPASS	0x20	/* needs neither user nor password */

struct sasl_mech {
	const char	*name;
	unsigned	 flags;
	gnutls_mac_algorithm_t hash;	/* SCRAM's H and HMAC; else 0 */
	sasl_start_fn	 start;
	sasl_step_fn	 step;
};

/* RFC 5802 gives no bound; one beyond this is a server stalling us (ten
 * million rounds of SHA-256 take seconds) or a garbled message. */
#define SCRAM_ITER_MAX		10000000UL
#define SCRAM_NONCE_RAW		18	/* 24 base64 characters */
#define SCRAM_HASH_MAX		32

void
sasl_wipe(char *s)
{
	secret_free(s);
}

static int
sasl_oom(struct err *e)
{
	return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
}

/*
 * Encodes n bytes of raw into a fresh NUL-terminated base64 string.  An
 * empty initial response is "=", an empty response to a challenge an
 * empty line (RFC 4954 section 4).
 */
static int
sasl_b64(const void *raw, size_t n, bool initial, char **out, struct err *e)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)raw, (unsigned)n };
	gnutls_datum_t b64 = { NULL, 0 };

	if (n == 0) {
		if ((*out = strdup(initial ? "=" : "")) == NULL)
			return sasl_oom(e);
		return 0;
	}
	if (gnutls_base64_encode2(&in, &b64) < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "base64 encoding failed");
	*out = (char *)b64.data;	/* NUL-terminated by GnuTLS */
	return 0;
}

/* Decodes len characters of base64; the result is NUL-terminated. */
static int
sasl_unb64(const char *in, size_t len, gnutls_datum_t *out)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)in, (unsigned)len };

	out->data = NULL;
	out->size = 0;
	return gnutls_base64_decode2(&d, out) < 0 ? -1 : 0;
}

static void
sasl_datum_wipe(gnutls_datum_t *d)
{
	if (d->data != NULL) {
		secret_wipe(d->data, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

/* A string built piece by piece; secrets pass through it, so it is wiped
 * rather than freed. */
struct sasl_str {
	char	*p;
	size_t	 len;
	bool	 failed;
};

static void
sasl_str_add(struct sasl_str *b, const void *s, size_t n)
{
	char *np;

	if (b->failed)
		return;
	if ((np = malloc(b->len + n + 1)) == NULL) {
		b->failed = true;
		return;
	}
	if (b->len > 0)
		memcpy(np, b->p, b->len);
	memcpy(np + b->len, s, n);
	np[b->len + n] = '\0';
	if (b->p != NULL) {
		secret_wipe(b->p, b->len);
		free(b->p);
	}
	b->p = np;
	b->len += n;
}

static void
sasl_str_cat(struct sasl_str *b, const char *s)
{
	sasl_str_add(b, s, strlen(s));
}

/* RFC 5802 section 5.1 saslname: "=" and "," escaped as =3D and =2C. */
static void
sasl_str_saslname(struct sasl_str *b, const char *name)
{
	for (; *name != '\0'; name++) {
		if (*name == '=')
			sasl_str_cat(b, "=3D");
		else if (*name == ',')
			sasl_str_cat(b, "=2C");
		else
			sasl_str_add(b, name, 1);
	}
}

static void
sasl_str_wipe(struct sasl_str *b)
{
	if (b->p != NULL) {
		secret_wipe(b->p, b->len);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* Encodes the built string as the response and wipes it. */
static int
sasl_str_send(struct sasl_str *b, bool initial, char **out, struct err *e)
{
	int rc;

	if (b->failed) {
		sasl_str_wipe(b);
		return sasl_oom(e);
	}
	rc = sasl_b64(b->p, b->len, initial, out, e);
	sasl_str_wipe(b);
	return rc;
}

/* ---- SASLprep (RFC 4013), the subset documented in sasl.h ---- */

/* Decodes one UTF-8 sequence; 0 for an invalid one. */
static size_t
sasl_utf8(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c;

	if (p[0] < 0x80)
		len = 1, c = p[0];
	else if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	*cp = c;
	return len;
}

/* RFC 3454 table B.1: "commonly mapped to nothing". */
static bool
sasl_maps_to_nothing(unsigned long c)
{
	return c == 0x00ad || c == 0x034f || c == 0x1806 ||
	    (c >= 0x180b && c <= 0x180d) || (c >= 0x200b && c <= 0x200d) ||
	    c == 0x2060 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff;
}

static int
sasl_prep_refuse(struct err *e, const char *what)
{
	err_set(e, ERR_CONFIG, STEP_AUTH, "the password %s, which SASLprep "
	    "(RFC 4013) does not allow", what);
	err_hint(e, "SCRAM needs a password of printable characters");
	return -1;
}

static int
sasl_prep_unicode(const char *in, char **out, struct err *e)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), k = 0;
	unsigned char *kept;
	gnutls_datum_t norm = { NULL, 0 };
	int ret;

	if ((kept = malloc(n + 1)) == NULL)
		return sasl_oom(e);
	for (size_t i = 0; i < n;) {
		unsigned long c;
		size_t len = sasl_utf8(p + i, n - i, &c);

		if (len == 0) {
			secret_wipe(kept, n + 1);
			free(kept);
			return sasl_prep_refuse(e, "is not valid UTF-8");
		}
		if (!sasl_maps_to_nothing(c)) {
			memcpy(kept + k, p + i, len);
			k += len;
		}
		i += len;
	}
	ret = gnutls_utf8_password_normalize(kept, (unsigned)k, &norm, 0);
	secret_wipe(kept, n + 1);
	free(kept);
	if (ret < 0)
		return sasl_prep_refuse(e, "has a character");
	*out = malloc(norm.size + 1);
	if (*out != NULL) {
		memcpy(*out, norm.data, norm.size);
		(*out)[norm.size] = '\0';
	}
	sasl_datum_wipe(&norm);
	return *out != NULL ? 0 : sasl_oom(e);
}

int
sasl_prep(const char *in, char **out, struct err *e)
{
	bool ascii = true;

	*out = NULL;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		/* RFC 3454 C.2.1: ASCII control characters. */
		if (*p < 0x20 || *p == 0x7f)
			return sasl_prep_refuse(e, "has a control character");
		if (*p >= 0x80)
			ascii = false;
	}
	if (!ascii)
		return sasl_prep_unicode(in, out, e);
	if ((*out = strdup(in)) == NULL)
		return sasl_oom(e);
	return 0;
}

/* ---- PLAIN, LOGIN ---- */

static int
sasl_plain_start(struct sasl *s, char **initial, struct err *e)
{
	const struct sasl_cred *c = s->cred;
	struct sasl_str b = { NULL, 0, false };

	if (c->authzid != NULL)
		sasl_str_cat(&b, c->authzid);
	sasl_str_add(&b, "", 1);
	sasl_str_cat(&b, c->user);
	sasl_str_add(&b, "", 1);
	sasl_str_cat(&b, c->pass);
	s->stage = 1;
	return sasl_str_send(&b, true, initial, e);
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
sasl_wait_start(struct sasl *s, char **initial, struct err *e)
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
	return sasl_b64(v, strlen(v), false, resp, e);
}

/* ---- CRAM-MD5 ---- */

static int
sasl_cram_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[16];
	char digest[2 * sizeof(mac) + 2];
	struct sasl_str b = { NULL, 0, false };
	const char *pw = s->cred->pass;

	/* RFC 2195 section 2: the challenge is a msg-id, never empty. */
	if (s->stage++ != 0 || len == 0)
		return err_set(e, ERR_PROTOCOL, STEP_AUTH,
		    "unexpected CRAM-MD5 challenge from server");
	if (gnutls_hmac_fast(GNUTLS_MAC_MD5, pw, strlen(pw), ch, len,
	    mac) < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "HMAC-MD5 failed");
	digest[0] = ' ';
	for (size_t i = 0; i < sizeof(mac); i++) {
		digest[1 + 2 * i] = hex[mac[i] >> 4];
		digest[2 + 2 * i] = hex[mac[i] & 0x0f];
	}
	digest[sizeof(digest) - 1] = '\0';
	sasl_str_cat(&b, s->cred->user);
	sasl_str_cat(&b, digest);
	secret_wipe(mac, sizeof(mac));
	return sasl_str_send(&b, false, resp, e);
}

/* ---- SCRAM (RFC 5802, RFC 7677) ---- */

/* True when the offered list has any -PLUS mechanism. */
static bool
sasl_offers_plus(const char *offered)
{
	const char *p = offered;

	while (p != NULL && *p != '\0') {
		size_t w;

		p += strspn(p, " \t");
		w = strcspn(p, " \t");
		if (w > 5 && strncasecmp(p + w - 5, "-PLUS", 5) == 0)
			return true;
		p += w;
	}
	return false;
}

/*
 * RFC 5802 section 6 and 7, gs2-cbind-flag: "p=type" when binding; "y"
 * when we could bind but the server (after TLS) offers no -PLUS, so that a
 * server which does support binding sees the downgrade and fails; "n"
 * when we cannot bind.
 */
static void
sasl_gs2_header(const struct sasl *s, struct sasl_str *b)
{
	const struct sasl_chan *ch = s->chan;

	if (s->mech->flags & M_PLUS) {
		sasl_str_cat(b, "p=");
		sasl_str_cat(b, ch->cb_type);
	} else if (ch->cb_type != NULL && !sasl_offers_plus(ch->offered))
		sasl_str_cat(b, "y");
	else
		sasl_str_cat(b, "n");
	sasl_str_cat(b, ",");
	if (s->cred->authzid != NULL) {
		sasl_str_cat(b, "a=");
		sasl_str_saslname(b, s->cred->authzid);
	}
	sasl_str_cat(b, ",");
}

static int
sasl_scram_nonce(const struct sasl *s, char **nonce, struct err *e)
{
	unsigned char raw[SCRAM_NONCE_RAW];

	if (s->chan->nonce != NULL) {
		*nonce = strdup(s->chan->nonce);
		return *nonce != NULL ? 0 : sasl_oom(e);
	}
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof(raw)) < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "no random numbers");
	/* Base64 has no ",", the one character a nonce may not hold. */
	return sasl_b64(raw, sizeof(raw), true, nonce, e);
}

static int
sasl_scram_start(struct sasl *s, char **initial, struct err *e)
{
	struct sasl_str bare = { NULL, 0, false }, first = { NULL, 0, false };
	char *nonce;

	if (sasl_scram_nonce(s, &nonce, e) < 0)
		return -1;
	sasl_str_cat(&bare, "n=");
	sasl_str_saslname(&bare, s->cred->user);
	sasl_str_cat(&bare, ",r=");
	sasl_str_cat(&bare, nonce);
	free(nonce);
	sasl_gs2_header(s, &first);
	if (bare.p != NULL)
		sasl_str_cat(&first, bare.p);
	if (bare.failed || first.failed) {
		sasl_str_wipe(&bare);
		sasl_str_wipe(&first);
		return sasl_oom(e);
	}
	s->state = bare.p;	/* client-first-message-bare, kept */
	return sasl_str_send(&first, true, initial, e);
}

/* The parts of a server-first-message (RFC 5802 section 7). */
struct scram_first {
	const char *nonce;
	size_t	 nonce_len;
	gnutls_datum_t salt;
	unsigned long iter;
};

static int
scram_bad(struct err *e, const char *why)
{
	err_set(e, ERR_PROTOCOL, STEP_AUTH, "malformed SCRAM server-first "
	    "message: %s", why);
	return -1;
}

/* One attribute "k=value" at *p, ending at ',' or end; moves *p on. */
static bool
scram_attr(const char **p, const char *end, char k, const char **v,
    size_t *len)
{
	const char *a = *p, *comma;

	if (end - a < 2 || a[0] != k || a[1] != '=')
		return false;
	a += 2;
	comma = memchr(a, ',', (size_t)(end - a));
	*v = a;
	*len = comma ? (size_t)(comma - a) : (size_t)(end - a);
	*p = comma ? comma + 1 : end;
	return true;
}

static int
scram_parse_iter(const char *v, size_t len, unsigned long *iter,
    struct err *e)
{
	unsigned long n = 0;

	if (len == 0 || len > 9)
		return scram_bad(e, len ? "iteration count too large" :
		    "empty iteration count");
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return scram_bad(e, "iteration count is not a number");
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (n == 0)
		return scram_bad(e, "iteration count 0");
	if (n > SCRAM_ITER_MAX)
		return scram_bad(e, "iteration count above 10000000");
	*iter = n;
	return 0;
}

static int
scram_parse_first(const struct sasl *s, const char *msg, size_t n,
    struct scram_first *f, struct err *e)
{
	const char *p = msg, *end, *v, *ours;
	size_t len, ours_len;

	/* an empty challenge decodes to no buffer at all (msg NULL) */
	if (n == 0)
		return scram_bad(e, "empty");
	end = msg + n;
	if (memchr(msg, '\0', n) != NULL)
		return scram_bad(e, "NUL byte");
	if (n >= 2 && msg[0] == 'm' && msg[1] == '=')
		return scram_bad(e, "mandatory extension we do not support");
	if (!scram_attr(&p, end, 'r', &f->nonce, &f->nonce_len))
		return scram_bad(e, "no nonce (r=)");
	ours = strstr(s->state, ",r=") + 3;
	ours_len = strlen(ours);
	if (f->nonce_len < ours_len || memcmp(f->nonce, ours, ours_len) != 0)
		return scram_bad(e, "the nonce does not start with ours");
	for (size_t i = 0; i < f->nonce_len; i++)
		if (f->nonce[i] < 0x21 || f->nonce[i] > 0x7e)
			return scram_bad(e, "unprintable nonce");
	if (!scram_attr(&p, end, 's', &v, &len))
		return scram_bad(e, "no salt (s=)");
	if (len == 0 || sasl_unb64(v, len, &f->salt) < 0 || f->salt.size == 0)
		return scram_bad(e, "the salt is not base64");
	if (!scram_attr(&p, end, 'i', &v, &len)) {
		sasl_datum_wipe(&f->salt);
		return scram_bad(e, "no iteration count (i=)");
	}
	if (scram_parse_iter(v, len, &f->iter, e) < 0) {
		sasl_datum_wipe(&f->salt);
		return -1;
	}
	return 0;
}

/* The keys of RFC 5802 section 3, from the prepared password. */
struct scram_keys {
	unsigned char salted[SCRAM_HASH_MAX];
	unsigned char client[SCRAM_HASH_MAX];
	unsigned char stored[SCRAM_HASH_MAX];
	unsigned char server[SCRAM_HASH_MAX];
	size_t	 len;
};

static int
scram_derive(const struct sasl *s, const struct scram_first *f,
    struct scram_keys *k, struct err *e)
{
	gnutls_mac_algorithm_t h = s->mech->hash;
	gnutls_datum_t key;
	char *pw;
	int ret;

	k->len = gnutls_hmac_get_len(h);
	if (sasl_prep(s->cred->pass, &pw, e) < 0)
		return -1;
	key.data = (unsigned char *)pw;
	key.size = (unsigned)strlen(pw);
	ret = gnutls_pbkdf2(h, &key, &f->salt, (unsigned)f->iter, k->salted,
	    k->len);
	sasl_wipe(pw);
	if (ret >= 0)
		ret = gnutls_hmac_fast(h, k->salted, k->len, "Client Key", 10,
		    k->client);
	if (ret >= 0)
		ret = gnutls_hash_fast((gnutls_digest_algorithm_t)h, k->client,
		    k->len, k->stored);
	if (ret >= 0)
		ret = gnutls_hmac_fast(h, k->salted, k->len, "Server Key", 10,
		    k->server);
	if (ret < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "SCRAM key derivation "
		    "failed: %s", gnutls_strerror(ret));
	return 0;
}

/* "c=" base64(gs2-header [channel binding data]) ",r=" nonce */
static int
scram_final_bare(const struct sasl *s, const struct scram_first *f,
    struct sasl_str *out, struct err *e)
{
	struct sasl_str cb = { NULL, 0, false };
	char *c64;

	sasl_gs2_header(s, &cb);
	if (s->mech->flags & M_PLUS)
		sasl_str_add(&cb, s->chan->cb_data, s->chan->cb_len);
	if (sasl_str_send(&cb, true, &c64, e) < 0)
		return -1;
	sasl_str_cat(out, "c=");
	sasl_str_cat(out, c64);
	sasl_str_cat(out, ",r=");
	sasl_str_add(out, f->nonce, f->nonce_len);
	free(c64);
	return 0;
}

/* ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage); the expected
 * ServerSignature = HMAC(ServerKey, AuthMessage) is kept for the end. */
static int
scram_proof(struct sasl *s, const struct scram_keys *k, const char *auth,
    struct sasl_str *out, struct err *e)
{
	unsigned char sig[SCRAM_HASH_MAX];
	char *p64;
	int ret;

	ret = gnutls_hmac_fast(s->mech->hash, k->stored, k->len, auth,
	    strlen(auth), sig);
	if (ret >= 0)
		ret = gnutls_hmac_fast(s->mech->hash, k->server, k->len, auth,
		    strlen(auth), s->keys);
	if (ret < 0)
		return err_set(e, ERR_OS, STEP_AUTH, "HMAC failed");
	for (size_t i = 0; i < k->len; i++)
		sig[i] ^= k->client[i];
	ret = sasl_b64(sig, k->len, true, &p64, e);
	secret_wipe(sig, sizeof(sig));
	if (ret < 0)
		return -1;
	sasl_str_cat(out, ",p=");
	sasl_str_cat(out, p64);
	sasl_wipe(p64);
	return 0;
}

static int
scram_client_final(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	struct scram_first f;
	struct scram_keys k;
	struct sasl_str fin = { NULL, 0, false }, auth = { NULL, 0, false };
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (scram_parse_first(s, (const char *)ch, len, &f, e) < 0)
		return -1;
	if (scram_derive(s, &f, &k, e) < 0 ||
	    scram_final_bare(s, &f, &fin, e) < 0)
		goto out;
	/* AuthMessage = client-first-bare "," server-first "," final-bare */
	sasl_str_cat(&auth, s->state);
	sasl_str_cat(&auth, ",");
	sasl_str_add(&auth, ch, len);
	sasl_str_cat(&auth, ",");
	if (fin.p != NULL)
		sasl_str_cat(&auth, fin.p);
	if (auth.failed || fin.failed) {
		sasl_oom(e);
		goto out;
	}
	if (scram_proof(s, &k, auth.p, &fin, e) < 0)
		goto out;
	rc = sasl_str_send(&fin, false, resp, e);
out:
	sasl_str_wipe(&fin);
	sasl_str_wipe(&auth);
	sasl_datum_wipe(&f.salt);
	secret_wipe(&k, sizeof(k));
	return rc;
}

static int
scram_impostor(struct err *e, const char *why)
{
	err_set(e, ERR_AUTH, STEP_AUTH, "the server failed to prove that it "
	    "knows the password (%s): possible impostor", why);
	err_hint(e, "someone may be impersonating the server; the message "
	    "was not sent: check the server and the network first");
	return -1;
}

/* server-final-message: "v=" base64(ServerSignature), or "e=" error. */
static int
scram_server_final(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	const char *p = (const char *)ch, *end, *v;
	gnutls_datum_t sig = { NULL, 0 };
	size_t vlen, hlen = gnutls_hmac_get_len(s->mech->hash);
	bool ok;

	/* an empty challenge decodes to no buffer at all (ch NULL) */
	if (len == 0)
		return scram_impostor(e, "no server signature");
	end = p + len;
	if (memchr(p, '\0', len) == NULL && scram_attr(&p, end, 'e', &v,
	    &vlen)) {
		snprintf(s->note, sizeof(s->note), "%.*s", (int)vlen, v);
		return err_set(e, ERR_AUTH, STEP_AUTH, "the SCRAM server "
		    "reported an error: %s", s->note);
	}
	p = (const char *)ch;
	if (!scram_attr(&p, end, 'v', &v, &vlen))
		return scram_impostor(e, "no server signature");
	if (sasl_unb64(v, vlen, &sig) < 0)
		return scram_impostor(e, "the signature is not base64");
	ok = sig.size == hlen && gnutls_memcmp(sig.data, s->keys, hlen) == 0;
	sasl_datum_wipe(&sig);
	if (!ok)
		return scram_impostor(e, "wrong server signature");
	s->verified = true;
	return sasl_b64("", 0, false, resp, e);
}

static int
sasl_scram_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	switch (s->stage++) {
	case 0:
		return scram_client_final(s, ch, len, resp, e);
	case 1:
		return scram_server_final(s, ch, len, resp, e);
	default:
		return err_set(e, ERR_PROTOCOL, STEP_AUTH, "server sent a "
		    "challenge after the SCRAM exchange ended");
	}
}

/* ---- EXTERNAL, XOAUTH2, OAUTHBEARER ---- */

static int
sasl_external_start(struct sasl *s, char **initial, struct err *e)
{
	/* RFC 4422 appendix A.1: the authorization identity, or empty to
	 * act as whoever the certificate names. */
	const char *z = s->cred->authzid ? s->cred->authzid : s->cred->user;

	s->stage = 1;
	return sasl_b64(z ? z : "", z ? strlen(z) : 0, true, initial, e);
}

static int
sasl_external_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	(void)s;
	(void)ch;
	(void)len;
	(void)resp;
	return err_set(e, ERR_PROTOCOL, STEP_AUTH,
	    "unexpected EXTERNAL challenge from server");
}

/* A token is put between ^A separators: none may hide inside it. */
static int
sasl_token_check(const char *t, struct err *e)
{
	for (; *t != '\0'; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f) {
			err_set(e, ERR_CONFIG, STEP_AUTH, "the OAuth token "
			    "contains a control character");
			err_hint(e, "check what the token command prints");
			return -1;
		}
	return 0;
}

static int
sasl_xoauth2_start(struct sasl *s, char **initial, struct err *e)
{
	struct sasl_str b = { NULL, 0, false };

	if (sasl_token_check(s->cred->pass, e) < 0)
		return -1;
	sasl_str_cat(&b, "user=");
	sasl_str_cat(&b, s->cred->user);
	sasl_str_cat(&b, "\001auth=Bearer ");
	sasl_str_cat(&b, s->cred->pass);
	sasl_str_cat(&b, "\001\001");
	return sasl_str_send(&b, true, initial, e);
}

static int
sasl_oauthbearer_start(struct sasl *s, char **initial, struct err *e)
{
	struct sasl_str b = { NULL, 0, false };
	char port[24];	/* "\001port=" and 10 digits */

	if (sasl_token_check(s->cred->pass, e) < 0)
		return -1;
	/* RFC 7628 section 3.1: gs2-header "n,a=user," then kvpairs. */
	sasl_str_cat(&b, "n,a=");
	sasl_str_saslname(&b, s->cred->user);
	sasl_str_cat(&b, ",");
	if (s->cred->host != NULL) {
		sasl_str_cat(&b, "\001host=");
		sasl_str_cat(&b, s->cred->host);
	}
	if (s->cred->port != 0) {
		snprintf(port, sizeof(port), "\001port=%u", s->cred->port);
		sasl_str_cat(&b, port);
	}
	sasl_str_cat(&b, "\001auth=Bearer ");
	sasl_str_cat(&b, s->cred->pass);
	sasl_str_cat(&b, "\001\001");
	return sasl_str_send(&b, true, initial, e);
}

/* The "status" of an OAuth error (RFC 7628 section 3.2.2), for the
 * message: printable characters only, the rest of the JSON ignored. */
static void
sasl_oauth_status(struct sasl *s, const unsigned char *ch, size_t len)
{
	const char *p = (const char *)ch, *end, *k;
	size_t n = 0;

	/* an empty challenge decodes to no buffer at all (ch NULL) */
	if (len == 0 || (k = memmem(p, len, "\"status\"", 8)) == NULL)
		return;
	end = p + len;
	for (p = k + 8; p < end && strchr(" \t\r\n:", *p); p++)
		;
	if (p == end || *p++ != '"')
		return;
	while (p < end && *p != '"' && n + 1 < sizeof(s->note) &&
	    *p >= 0x20 && *p < 0x7f)
		s->note[n++] = *p++;
	s->note[n] = '\0';
}

/* A 334 to an OAuth initial response carries the JSON error; the client
 * ends the exchange (RFC 7628 section 3.2.3: a ^A; XOAUTH2: an empty
 * line) and the server then sends its failure reply. */
static int
sasl_oauth_step(struct sasl *s, const unsigned char *ch, size_t len,
    char **resp, struct err *e)
{
	bool bearer = strcmp(s->mech->name, "OAUTHBEARER") == 0;

	if (s->stage++ != 0)
		return err_set(e, ERR_PROTOCOL, STEP_AUTH, "server sent a "
		    "second %s challenge", s->mech->name);
	sasl_oauth_status(s, ch, len);
	return sasl_b64("\001", bearer ? 1 : 0, false, resp, e);
}

/* Strongest first: the order "auth on" tries them in (sasl.h). */
static const struct sasl_mech sasl_mechs[] = {
	{ "EXTERNAL", M_ONE_STEP | M_AUTO | M_CERT | M_NOPASS, 0,
	    sasl_external_start, sasl_external_step },
	{ "SCRAM-SHA-256-PLUS", M_AUTO | M_PLUS, GNUTLS_MAC_SHA256,
	    sasl_scram_start, sasl_scram_step },
	{ "SCRAM-SHA-1-PLUS", M_AUTO | M_PLUS, GNUTLS_MAC_SHA1,
	    sasl_scram_start, sasl_scram_step },
	{ "SCRAM-SHA-256", M_AUTO, GNUTLS_MAC_SHA256,
	    sasl_scram_start, sasl_scram_step },
	{ "SCRAM-SHA-1", M_AUTO, GNUTLS_MAC_SHA1,
	    sasl_scram_start, sasl_scram_step },
	{ "PLAIN", M_ONE_STEP | M_AUTO | M_CLEAR, 0,
	    sasl_plain_start, sasl_plain_step },
	{ "LOGIN", M_AUTO | M_CLEAR, 0, sasl_wait_start, sasl_login_step },
	/* After PLAIN and LOGIN: over TLS they reveal nothing more, and
	 * CRAM-MD5 makes the server keep a password equivalent. */
	{ "CRAM-MD5", M_AUTO, 0, sasl_wait_start, sasl_cram_step },
	/* A 334 may answer their initial response: never pipelined. */
	{ "XOAUTH2", M_CLEAR, 0, sasl_xoauth2_start, sasl_oauth_step },
	{ "OAUTHBEARER", M_CLEAR, 0, sasl_oauthbearer_start,
	    sasl_oauth_step },
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

	while (p != NULL && *p != '\0') {
		size_t w;

		p += strspn(p, " \t");
		w = strcspn(p, " \t");
		if (w == n && strncasecmp(p, name, n) == 0)
			return true;
		p += w;
	}
	return false;
}

/* Why m cannot run on this connection, or NULL when it can. */
static const char *
sasl_unusable(const struct sasl_mech *m, const struct sasl_cred *c,
    const struct sasl_chan *ch)
{
	if ((m->flags & M_PLUS) && ch->cb_type == NULL)
		return "this TLS session offers no channel binding";
	if ((m->flags & M_CERT) && !ch->client_cert)
		return "no client certificate was presented";
	if ((m->flags & M_CLEAR) && !ch->tls && !ch->allow_clear)
		return "it would expose the secret without TLS";
	if (!(m->flags & M_NOPASS) && (c->user == NULL || c->pass == NULL))
		return "it needs a user name and a password";
	return NULL;
}

static const char *
sasl_choose_named(const struct sasl_cred *c, const struct sasl_chan *ch,
    const char *wanted, struct err *e)
{
	const struct sasl_mech *m = sasl_find(wanted);
	const char *why;

	if (m == NULL) {
		err_set(e, ERR_USAGE, STEP_AUTH,
		    "unknown authentication mechanism \"%s\"", wanted);
		err_hint(e, "use on, off, or one of: scram-sha-256-plus, "
		    "scram-sha-1-plus, scram-sha-256, scram-sha-1, plain, "
		    "login, cram-md5, external, xoauth2, oauthbearer");
		return NULL;
	}
	if (!sasl_offered(ch->offered, m->name)) {
		err_set(e, ERR_UNAVAILABLE, STEP_AUTH,
		    "server does not offer AUTH %s (it offers: %s)",
		    m->name, ch->offered ? ch->offered : "nothing");
		return NULL;
	}
	if ((why = sasl_unusable(m, c, ch)) != NULL) {
		err_set(e, ERR_UNAVAILABLE, STEP_AUTH, "cannot use AUTH %s: "
		    "%s", m->name, why);
		return NULL;
	}
	return m->name;
}

const char *
sasl_choose(const struct sasl_cred *c, const struct sasl_chan *ch,
    const char *wanted, struct err *e)
{
	if (wanted != NULL && strcasecmp(wanted, "on") != 0)
		return sasl_choose_named(c, ch, wanted, e);
	for (size_t i = 0; i < NMECHS; i++) {
		const struct sasl_mech *m = &sasl_mechs[i];

		if ((m->flags & M_AUTO) && sasl_offered(ch->offered, m->name) &&
		    sasl_unusable(m, c, ch) == NULL)
			return m->name;
	}
	err_set(e, ERR_UNAVAILABLE, STEP_AUTH,
	    "no authentication mechanism in common (server offers: %s)",
	    ch->offered ? ch->offered : "nothing");
	if (sasl_offered(ch->offered, "XOAUTH2") ||
	    sasl_offered(ch->offered, "OAUTHBEARER"))
		err_hint(e, "for OAuth 2.0 name the mechanism: "
		    "--auth=xoauth2 or --auth=oauthbearer");
	return NULL;
}

int
sasl_start(struct sasl *s, const char *mech, const struct sasl_cred *cred,
    const struct sasl_chan *chan, char **initial, struct err *e)
{
	memset(s, 0, sizeof(*s));
	*initial = NULL;
	if ((s->mech = sasl_find(mech)) == NULL)
		return err_set(e, ERR_USAGE, STEP_AUTH,
		    "unknown authentication mechanism \"%s\"", mech);
	s->cred = cred;
	s->chan = chan;
	if (!(s->mech->flags & M_NOPASS) &&
	    (cred->user == NULL || cred->pass == NULL))
		return err_set(e, ERR_CONFIG, STEP_AUTH, "AUTH %s needs a user "
		    "name and a password", s->mech->name);
	if ((s->mech->flags & M_PLUS) && chan->cb_type == NULL)
		return err_set(e, ERR_UNAVAILABLE, STEP_AUTH, "AUTH %s needs "
		    "channel binding, which this session does not offer",
		    s->mech->name);
	return s->mech->start(s, initial, e);
}

int
sasl_step(struct sasl *s, const char *challenge, size_t len, char **response,
    struct err *e)
{
	gnutls_datum_t raw = { NULL, 0 };
	int rc;

	*response = NULL;
	if (len > 0 && sasl_unb64(challenge, len, &raw) < 0)
		return err_set(e, ERR_PROTOCOL, STEP_AUTH,
		    "server sent a challenge that is not base64");
	rc = s->mech->step(s, raw.data, raw.size, response, e);
	sasl_datum_wipe(&raw);
	return rc;
}

bool
sasl_one_step(const struct sasl *s)
{
	return (s->mech->flags & M_ONE_STEP) != 0;
}

bool
sasl_complete(const struct sasl *s)
{
	/* RFC 5802 section 5: the client verifies ServerSignature. */
	return s->mech == NULL || s->mech->hash == 0 || s->verified;
}

const char *
sasl_name(const struct sasl *s)
{
	return s->mech->name;
}

void
sasl_end(struct sasl *s)
{
	sasl_wipe(s->state);
	s->state = NULL;
	secret_wipe(s->keys, sizeof(s->keys));
	s->verified = false;
}

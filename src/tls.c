/*
 * tls: the TLS client, over GnuTLS.
 *
 *   RFC 8446  TLS 1.3             RFC 5246  TLS 1.2
 *   RFC 8996  TLS 1.0 and 1.1 deprecated (our minimum is TLS 1.2)
 *   RFC 6066  section 3, server_name: DNS host names only, never literals
 *   RFC 6125  service identity; RFC 7817 applies it to SMTP
 *   RFC 5280  section 4.2.1.6, subjectAltName; 4.2.1.12, extKeyUsage
 *   RFC 7469  section 2.4, pin-sha256 of the SubjectPublicKeyInfo
 *
 * The call order is that of GnuTLS's doc/examples/ex-client-x509.c:
 * credentials and trust, session, priorities, credentials on the session,
 * SNI, certificate verification during the handshake, transport, handshake
 * timeout.  The difference: the socket is non-blocking and io polls it, so
 * each call here is one step and says which direction it waits for.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>
#include <gnutls/ocsp.h>

#include "tls.h"

#define TLS_SHA256_LEN 32
/* Consecutive non-fatal records (warning alerts, renegotiation requests)
 * one tls_recv call will skip before it lets io poll again. */
#define TLS_SKIP_MAX 16

struct tls_ctx {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	bool has_pin;
	unsigned char pin[TLS_SHA256_LEN];
	bool no_verify;
	bool probe;
};

struct tls_conn {
	gnutls_session_t s;
	const struct tls_ctx *ctx;
	struct tls_facts *facts;
	char *name; /* the server name, IPv6 brackets removed */
	bool is_ip;
	unsigned char ip[16]; /* the literal in network order */
	unsigned iplen;	      /* 4 or 16 */
	bool done;	      /* the handshake completed */
	bool refused;	      /* our verify callback stopped the handshake */
	struct err why;	      /* ... and this is why */
	bool bye_sent;
};

/* A growing string for the subjectAltName list; no fixed buffers. */
struct tls_buf {
	char *p;
	size_t len;
};

static int
tls_buf_put(struct tls_buf *b, const void *s, size_t n)
{
	char *np;

	np = realloc(b->p, b->len + n + 1);
	if (np == NULL)
		return -1;
	b->p = np;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* One SAN entry: ", " between entries, then prefix and value.  A NUL in a
 * name ("good.example\0.evil.example", the null-prefix trick) cannot travel
 * in a C string; it becomes the text "\x00", so that the report shows it. */
static int
tls_buf_san(struct tls_buf *b, const char *prefix, const void *v, size_t n)
{
	const char *p = v, *z;

	if ((b->len > 0 && tls_buf_put(b, ", ", 2) < 0) ||
	    tls_buf_put(b, prefix, strlen(prefix)) < 0)
		return -1;
	while ((z = memchr(p, '\0', n)) != NULL) {
		if (tls_buf_put(b, p, (size_t)(z - p)) < 0 ||
		    tls_buf_put(b, "\\x00", 4) < 0)
			return -1;
		n -= (size_t)(z - p) + 1;
		p = z + 1;
	}
	return tls_buf_put(b, p, n);
}

static char *
tls_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static char *
tls_strdup(const char *s)
{
	return tls_strndup(s, strlen(s));
}

/* Bytes as hex digits, sep between bytes unless it is '\0'. */
static void
tls_hex(char *out, const unsigned char *in, size_t n, const char *digits,
	char sep)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && sep != '\0')
			*out++ = sep;
		*out++ = digits[in[i] >> 4];
		*out++ = digits[in[i] & 0x0f];
	}
	*out = '\0';
}

static int
tls_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The pin is what "certtool -i" or "openssl x509 -fingerprint -sha256"
 * print: 64 hex digits, usually in colon-separated pairs. */
static int
tls_parse_pin(unsigned char out[TLS_SHA256_LEN], const char *pin)
{
	size_t n = 0;

	for (const char *p = pin; *p != '\0'; p++) {
		int v;

		if (*p == ':')
			continue;
		v = tls_hexval((unsigned char)*p);
		if (v < 0 || n >= 2 * TLS_SHA256_LEN)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(v << 4);
		else
			out[n / 2] |= (unsigned char)v;
		n++;
	}
	return n == 2 * TLS_SHA256_LEN ? 0 : -1;
}

/* "AB:CD:..." of a SHA-256 digest; out holds 96 bytes. */
static void
tls_fingerprint_str(char *out, const unsigned char d[TLS_SHA256_LEN])
{
	tls_hex(out, d, TLS_SHA256_LEN, "0123456789ABCDEF", ':');
}

/* GnuTLS says only "Error while reading file."; the system says which
 * error it was. */
static const char *
tls_file_error(const char *path, int ret)
{
	if (ret == GNUTLS_E_FILE_ERROR && access(path, R_OK) != 0)
		return strerror(errno);
	return gnutls_strerror(ret);
}

static int
tls_load_trust(struct tls_ctx *ctx, const struct tls_conf *conf, struct err *e)
{
	int ret;

	if (conf->cafile != NULL) {
		ret = gnutls_certificate_set_x509_trust_file(
		    ctx->cred, conf->cafile, GNUTLS_X509_FMT_PEM);
		if (ret < 0)
			return err_set(e, ERR_CONFIG, STEP_TLS,
				       "CA file %s: %s", conf->cafile,
				       tls_file_error(conf->cafile, ret));
		if (ret == 0)
			return err_set(e, ERR_CONFIG, STEP_TLS,
				       "CA file %s: no PEM certificate in it",
				       conf->cafile);
		return 0;
	}
	ret = gnutls_certificate_set_x509_system_trust(ctx->cred);
	/* A pin, or verification turned off, needs no trust store. */
	if (ret > 0 || ctx->has_pin || ctx->no_verify || ctx->probe)
		return 0;
	err_set(e, ERR_CONFIG, STEP_TLS, "no system trust store: %s",
		ret < 0 ? gnutls_strerror(ret) : "it holds no certificates");
	err_hint(e, "install ca-certificates, or name a CA file with --cafile");
	return -1;
}

/* gnutls_certificate_set_x509_key_file2 also takes PKCS #11 URIs. */
static int
tls_load_client_cert(struct tls_ctx *ctx, const struct tls_conf *conf,
		     struct err *e)
{
	const char *key;
	int ret;

	if (conf->certfile == NULL) {
		if (conf->keyfile != NULL)
			return err_set(
			    e, ERR_CONFIG, STEP_TLS,
			    "a client key (%s) but no client certificate",
			    conf->keyfile);
		return 0;
	}
	key = conf->keyfile != NULL ? conf->keyfile : conf->certfile;
	ret = gnutls_certificate_set_x509_key_file2(
	    ctx->cred, conf->certfile, key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0)
		return err_set(e, ERR_CONFIG, STEP_TLS,
			       "client certificate %s (key %s): %s",
			       conf->certfile, key,
			       tls_file_error(access(conf->certfile, R_OK) != 0
						  ? conf->certfile
						  : key,
					      ret));
	return 0;
}

/*
 * The certificate verification profile goes with the priorities: GnuTLS
 * ORs the profile bits of the priority string ("NORMAL" carries one) with
 * those of gnutls_certificate_set_verify_flags, so a profile set there
 * comes out as another one.  "medium" (112-bit security, NIST SP 800-57)
 * makes RSA and DH keys under 2048 bits and SHA-1 signatures fail
 * anywhere in the chain.  A string that names its own %PROFILE_ keeps it.
 */
static char *
tls_priority_profile(const char *prio)
{
	static const char medium[] = ":%PROFILE_MEDIUM";
	size_t n = strlen(prio);
	char *s;

	if (strstr(prio, "%PROFILE_") != NULL)
		return tls_strdup(prio);
	if ((s = malloc(n + sizeof(medium))) == NULL)
		return NULL;
	memcpy(s, prio, n);
	memcpy(s + n, medium, sizeof(medium));
	return s;
}

static int
tls_load_priority(struct tls_ctx *ctx, const struct tls_conf *conf,
		  struct err *e)
{
	const char *prio, *pos = NULL;
	char *full;
	int ret;

	prio = conf->priority != NULL ? conf->priority : TLS_DEFAULT_PRIORITY;
	if ((full = tls_priority_profile(prio)) == NULL)
		return err_set(e, ERR_OS, STEP_TLS, "out of memory");
	ret = gnutls_priority_init2(&ctx->prio, full, &pos, 0);
	if (pos != NULL && pos >= full && pos <= full + strlen(prio))
		pos = prio + (pos - full);
	else
		pos = NULL;
	free(full);
	if (ret >= 0)
		return 0;
	ctx->prio = NULL;
	if (pos != NULL)
		err_set(e, ERR_CONFIG, STEP_TLS,
			"TLS priority string \"%s\" "
			"rejected at offset %zu (\"%s\"): %s",
			prio, (size_t)(pos - prio), pos, gnutls_strerror(ret));
	else
		err_set(e, ERR_CONFIG, STEP_TLS,
			"TLS priority string \"%s\": %s", prio,
			gnutls_strerror(ret));
	err_hint(e, "see \"Priority strings\" in the GnuTLS manual");
	return -1;
}

int
tls_ctx_new(struct tls_ctx **out, const struct tls_conf *conf, struct err *e)
{
	struct tls_ctx *ctx;
	int ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return err_set(e, ERR_OS, STEP_TLS, "out of memory");
	ctx->no_verify = conf->no_verify;
	ctx->probe = conf->probe;
	if (conf->pin != NULL) {
		if (tls_parse_pin(ctx->pin, conf->pin) < 0) {
			tls_ctx_free(ctx);
			return err_set(e, ERR_CONFIG, STEP_TLS,
				       "--fingerprint wants the SHA-256 of the "
				       "certificate: 64 hex digits");
		}
		ctx->has_pin = true;
	}
	ret = gnutls_certificate_allocate_credentials(&ctx->cred);
	if (ret < 0) {
		ctx->cred = NULL;
		tls_ctx_free(ctx);
		return err_set(e, ERR_OS, STEP_TLS, "%s", gnutls_strerror(ret));
	}
	if (tls_load_trust(ctx, conf, e) < 0 ||
	    tls_load_client_cert(ctx, conf, e) < 0 ||
	    tls_load_priority(ctx, conf, e) < 0) {
		tls_ctx_free(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->prio != NULL)
		gnutls_priority_deinit(ctx->prio);
	if (ctx->cred != NULL)
		gnutls_certificate_free_credentials(ctx->cred);
	free(ctx);
}

/*
 * Certificate facts, for --report and for the error message when the
 * certificate is refused.
 */

static char *
tls_cert_dn(gnutls_x509_crt_t crt, bool issuer)
{
	gnutls_datum_t d = {NULL, 0};
	char *s;
	int ret;

	/* Flags 0: RFC 4514 order, most specific first ("CN=...,O=..."). */
	ret = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0)
		     : gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (ret < 0)
		return tls_strdup("");
	s = tls_strndup(d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static int
tls_san_add(struct tls_buf *b, unsigned type, const gnutls_datum_t *d)
{
	char ip[INET6_ADDRSTRLEN];

	switch (type) {
	case GNUTLS_SAN_DNSNAME:
		return tls_buf_san(b, "DNS:", d->data, d->size);
	case GNUTLS_SAN_RFC822NAME:
		return tls_buf_san(b, "email:", d->data, d->size);
	case GNUTLS_SAN_URI: return tls_buf_san(b, "URI:", d->data, d->size);
	case GNUTLS_SAN_IPADDRESS:
		if ((d->size != 4 && d->size != 16) ||
		    inet_ntop(d->size == 4 ? AF_INET : AF_INET6, d->data, ip,
			      sizeof(ip)) == NULL)
			return tls_buf_san(b, "IP:", "?", 1);
		return tls_buf_san(b, "IP:", ip, strlen(ip));
	default:
		/* otherName, directoryName, registeredID: not identities a
		 * mail client matches (RFC 7817 section 3). */
		return 0;
	}
}

/* "DNS:a, IP:192.0.2.1, email:x@y, URI:..." in certificate order. */
static char *
tls_cert_sans(gnutls_x509_crt_t crt)
{
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t ext = {NULL, 0}, d;
	struct tls_buf b = {NULL, 0};
	unsigned critical, type;
	int failed = 0;

	if (tls_buf_put(&b, "", 0) < 0)
		return NULL;
	if (gnutls_x509_crt_get_extension_by_oid2(crt, GNUTLS_X509EXT_OID_SAN,
						  0, &ext, &critical) < 0)
		return b.p;
	if (gnutls_subject_alt_names_init(&sans) < 0) {
		gnutls_free(ext.data);
		free(b.p);
		return NULL;
	}
	if (gnutls_x509_ext_import_subject_alt_names(&ext, sans, 0) >= 0)
		for (unsigned i = 0;
		     failed == 0 && gnutls_subject_alt_names_get(sans, i, &type,
								 &d, NULL) >= 0;
		     i++)
			failed = tls_san_add(&b, type, &d);
	gnutls_subject_alt_names_deinit(sans);
	gnutls_free(ext.data);
	if (failed != 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static char *
tls_cert_serial(gnutls_x509_crt_t crt)
{
	unsigned char *raw;
	size_t n = 0;
	char *hex = NULL;

	if (gnutls_x509_crt_get_serial(crt, NULL, &n) !=
		GNUTLS_E_SHORT_MEMORY_BUFFER ||
	    n == 0)
		return tls_strdup("");
	raw = malloc(n);
	if (raw == NULL)
		return NULL;
	if (gnutls_x509_crt_get_serial(crt, raw, &n) < 0)
		n = 0;
	hex = malloc(2 * n + 1);
	if (hex != NULL)
		tls_hex(hex, raw, n, "0123456789abcdef", '\0');
	free(raw);
	return hex;
}

static void
tls_cert_key_type(struct cert_facts *cf, gnutls_x509_crt_t crt)
{
	gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
	gnutls_ecc_curve_t curve;
	const char *name;
	unsigned bits = 0;
	int pk;

	pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	cf->key_bits = bits;
	if (pk == GNUTLS_PK_ECDSA &&
	    gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) >= 0) {
		name = gnutls_ecc_curve_get_name(curve);
		snprintf(cf->key_type, sizeof(cf->key_type), "ECDSA %s",
			 name != NULL ? name : "?");
		gnutls_free(x.data);
		gnutls_free(y.data);
		return;
	}
	name = pk < 0 ? NULL : gnutls_pk_algorithm_get_name(pk);
	snprintf(cf->key_type, sizeof(cf->key_type), "%s",
		 name != NULL ? name : "unknown");
}

/* RFC 7469 section 2.4: base64(SHA-256(SubjectPublicKeyInfo DER)). */
static void
tls_cert_pin(struct cert_facts *cf, gnutls_x509_crt_t crt)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t spki = {NULL, 0}, b64 = {NULL, 0};
	unsigned char d[TLS_SHA256_LEN];
	gnutls_datum_t dd = {d, sizeof(d)};

	if (gnutls_pubkey_init(&pub) < 0)
		return;
	if (gnutls_pubkey_import_x509(pub, crt, 0) >= 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) >= 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, d) >= 0 &&
	    gnutls_base64_encode2(&dd, &b64) >= 0 &&
	    b64.size < sizeof(cf->pin_sha256)) {
		memcpy(cf->pin_sha256, b64.data, b64.size);
		cf->pin_sha256[b64.size] = '\0';
	}
	gnutls_free(b64.data);
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pub);
}

/* Fills the strings of cf from a parsed certificate; -1 when out of
 * memory. */
static int
tls_cert_strings(struct cert_facts *cf, gnutls_x509_crt_t crt)
{
	const char *sig;

	sig =
	    gnutls_sign_get_name(gnutls_x509_crt_get_signature_algorithm(crt));
	cf->subject = tls_cert_dn(crt, false);
	cf->issuer = tls_cert_dn(crt, true);
	cf->sans = tls_cert_sans(crt);
	cf->serial = tls_cert_serial(crt);
	cf->sig_alg = tls_strdup(sig != NULL ? sig : "unknown");
	if (cf->subject == NULL || cf->issuer == NULL || cf->sans == NULL ||
	    cf->serial == NULL || cf->sig_alg == NULL)
		return -1;
	return 0;
}

/* A certificate GnuTLS cannot parse still gets its fingerprint; its
 * strings say why the rest is missing. */
static int
tls_cert_unparsed(struct cert_facts *cf, int ret)
{
	const char *why = gnutls_strerror(ret);
	size_t n = sizeof("(unparsable: )") + strlen(why);

	cf->subject = malloc(n);
	if (cf->subject != NULL)
		snprintf(cf->subject, n, "(unparsable: %s)", why);
	cf->issuer = tls_strdup("");
	cf->sans = tls_strdup("");
	cf->serial = tls_strdup("");
	cf->sig_alg = tls_strdup("");
	cf->not_before = cf->not_after = (time_t)-1;
	if (cf->subject == NULL || cf->issuer == NULL || cf->sans == NULL ||
	    cf->serial == NULL || cf->sig_alg == NULL)
		return -1;
	return 0;
}

static int
tls_cert_facts(struct cert_facts *cf, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	unsigned char d[TLS_SHA256_LEN];
	int ret;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der->data, der->size, d) >= 0)
		tls_fingerprint_str(cf->sha256, d);
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	ret = gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER);
	if (ret < 0) {
		gnutls_x509_crt_deinit(crt);
		return tls_cert_unparsed(cf, ret);
	}
	ret = tls_cert_strings(cf, crt);
	cf->not_before = gnutls_x509_crt_get_activation_time(crt);
	cf->not_after = gnutls_x509_crt_get_expiration_time(crt);
	tls_cert_key_type(cf, crt);
	tls_cert_pin(cf, crt);
	gnutls_x509_crt_deinit(crt);
	return ret;
}

/* The chain as the server sent it, leaf first; -1 when out of memory. */
static int
tls_record_chain(struct tls_facts *f, const gnutls_datum_t *certs, unsigned n)
{
	if (n == 0)
		return 0;
	f->chain = calloc(n, sizeof(*f->chain));
	if (f->chain == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		f->nchain = i + 1;
		if (tls_cert_facts(&f->chain[i], &certs[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Verification.
 */

/* GnuTLS ends its status text with a space; reports want it trimmed. */
static char *
tls_status_text(unsigned status)
{
	gnutls_datum_t out = {NULL, 0};
	char *s;
	size_t n;

	if (status == 0)
		return tls_strdup("");
	if (gnutls_certificate_verification_status_print(
		status, GNUTLS_CRT_X509, &out, 0) < 0)
		return tls_strdup("The certificate is NOT trusted.");
	n = out.size;
	while (n > 0 && (out.data[n - 1] == ' ' || out.data[n - 1] == '\0'))
		n--;
	s = tls_strndup(out.data, n);
	gnutls_free(out.data);
	return s;
}

/*
 * Chain to a trusted root, validity, extKeyUsage serverAuth when present
 * (RFC 5280 section 4.2.1.12), and the server's identity.  A name goes in as
 * GNUTLS_DT_DNS_HOSTNAME (RFC 6125 rules, in GnuTLS).  An IP literal goes in
 * as its raw bytes, GNUTLS_DT_IP_ADDRESS, which GnuTLS matches against
 * iPAddress SANs only (RFC 5280 section 4.2.1.6), never against a dNSName
 * or the CN; passing bytes rather than text keeps that rule independent of
 * GnuTLS's guess at whether a host name looks like an address.  Returns -1
 * when out of memory.
 */
static int
tls_check_chain(struct tls_conn *c)
{
	gnutls_typed_vdata_st vd[2];
	unsigned status = 0;
	int ret;

	memset(vd, 0, sizeof(vd));
	if (c->is_ip) {
		vd[0].type = GNUTLS_DT_IP_ADDRESS;
		vd[0].data = c->ip;
		vd[0].size = c->iplen;
	} else {
		vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[0].data = (unsigned char *)c->name;
	}
	vd[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	ret = gnutls_certificate_verify_peers(c->s, vd, 2, &status);
	if (ret < 0) {
		c->facts->verify_status = GNUTLS_CERT_INVALID;
		c->facts->verify_reason = tls_strdup(gnutls_strerror(ret));
	} else {
		c->facts->verify_status = status;
		c->facts->verify_reason = tls_status_text(status);
	}
	return c->facts->verify_reason == NULL ? -1 : 0;
}

/* True when the leaf carries a dNSName subjectAltName. */
static bool
tls_leaf_has_dns_san(const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t ext = {NULL, 0}, d;
	unsigned critical, type;
	bool found = false;

	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_extension_by_oid2(crt, GNUTLS_X509EXT_OID_SAN,
						  0, &ext, &critical) >= 0 &&
	    gnutls_subject_alt_names_init(&sans) >= 0 &&
	    gnutls_x509_ext_import_subject_alt_names(&ext, sans, 0) >= 0)
		for (unsigned i = 0; !found && gnutls_subject_alt_names_get(
						   sans, i, &type, &d, NULL) >= 0;
		     i++)
			found = type == GNUTLS_SAN_DNSNAME;
	if (sans != NULL)
		gnutls_subject_alt_names_deinit(sans);
	gnutls_free(ext.data);
	gnutls_x509_crt_deinit(crt);
	return found;
}

/*
 * GnuTLS 3.7.9 matches a host name against the subject's CN when the leaf
 * has no dNSName (RFC 6125 section 6.4.4 allowed it); RFC 9525 section 6.3
 * forbids it, and a CA checks only what it puts in the SAN.  A name that
 * matched by the CN alone is a mismatch here.  IP literals are matched
 * against iPAddress SANs only already (tls_check_chain).  -1 when out of
 * memory.
 */
static int
tls_refuse_cn_match(struct tls_conn *c, const gnutls_datum_t *certs,
		    unsigned n)
{
	static const char why[] = " The certificate names the server only in "
				  "its subject CN, which RFC 9525 forbids "
				  "matching: it has no DNS subjectAltName.";
	char *reason;
	size_t len;

	if (c->is_ip || n == 0 || tls_leaf_has_dns_san(&certs[0]))
		return 0;
	c->facts->verify_status |=
	    GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER;
	len = strlen(c->facts->verify_reason);
	if (len == 0) {
		free(c->facts->verify_reason);
		c->facts->verify_reason =
		    tls_status_text(c->facts->verify_status);
		if (c->facts->verify_reason == NULL)
			return -1;
		len = strlen(c->facts->verify_reason);
	}
	reason = realloc(c->facts->verify_reason, len + sizeof(why));
	if (reason == NULL)
		return -1;
	memcpy(reason + len, why, sizeof(why));
	c->facts->verify_reason = reason;
	return 0;
}

static const char *
tls_trust_hint(unsigned status)
{
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return "check --host against the names in the certificate "
		       "(--report lists them)";
	if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED))
		return "check this machine's clock; otherwise the server's "
		       "certificate must be renewed";
	return "check --host, or --cafile if the server uses a private CA, "
	       "or --fingerprint to pin this certificate";
}

/* With a pin, the pin alone decides (msmtp's tls_fingerprint): the chain
 * result is still recorded for the report. */
static bool
tls_check_pin(struct tls_conn *c, const gnutls_datum_t *leaf)
{
	unsigned char d[TLS_SHA256_LEN];
	char got[96], want[96];

	c->facts->pinned = true;
	c->facts->pin_matched = leaf != NULL &&
				gnutls_hash_fast(GNUTLS_DIG_SHA256, leaf->data,
						 leaf->size, d) >= 0 &&
				memcmp(d, c->ctx->pin, sizeof(d)) == 0;
	if (c->facts->pin_matched)
		return true;
	tls_fingerprint_str(want, c->ctx->pin);
	if (leaf == NULL) {
		err_set(&c->why, ERR_SECURITY, STEP_TLS,
			"the server sent no certificate to compare with "
			"the pinned %s",
			want);
		return false;
	}
	tls_fingerprint_str(got, d);
	err_set(&c->why, ERR_SECURITY, STEP_TLS,
		"certificate fingerprint %s does not match the pinned %s", got,
		want);
	err_hint(&c->why, "if the server's certificate was renewed, check the "
			  "new fingerprint out of band and update "
			  "--fingerprint");
	return false;
}

/* A wrong name, said with the names the leaf does hold (its DNS and IP
 * subjectAltNames, from the facts): "the certificate is for
 * mail.example.com, not smtp.example.com". */
static void
tls_name_hint(struct tls_conn *c)
{
	const char *p;
	char names[256];
	size_t n = 0;

	if (c->facts->nchain == 0 || (p = c->facts->chain[0].sans) == NULL)
		return;
	names[0] = '\0';
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t skip = strncmp(p, "DNS:", 4) == 0  ? 4
			      : strncmp(p, "IP:", 3) == 0 ? 3
							  : 0;

		if (skip > 0 && n + len + 8 < sizeof(names))
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s%.*s", n ? ", " : "",
					      (int)(len - skip), p + skip);
		p += len;
		p += strspn(p, ", ");
	}
	if (n > 0)
		err_hint(&c->why,
			 "the certificate is for %s, not %s: check --host",
			 names, c->name);
}

static bool
tls_decide(struct tls_conn *c, const gnutls_datum_t *certs, unsigned n)
{
	if (c->ctx->has_pin)
		return tls_check_pin(c, n > 0 ? &certs[0] : NULL);
	if (c->facts->verify_status == 0)
		return true;
	err_set(&c->why, ERR_SECURITY, STEP_TLS,
		"certificate for \"%s\" not trusted: %s", c->name,
		c->facts->verify_reason);
	err_hint(&c->why, "%s", tls_trust_hint(c->facts->verify_status));
	if (c->facts->verify_status & GNUTLS_CERT_UNEXPECTED_OWNER)
		tls_name_hint(c);
	return false;
}

/* True when a trust anchor of ours issued crt. */
static bool
tls_anchor_issued(const struct tls_conn *c, gnutls_x509_crt_t crt)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t issuer = NULL;

	gnutls_certificate_get_trust_list(c->ctx->cred, &tl);
	return tl != NULL &&
	       gnutls_x509_trust_list_get_issuer(tl, crt, &issuer, 0) >= 0;
}

/* Follows issuers from the leaf through the certificates sent, in any
 * order; complete when the path ends at a self-signed certificate or at
 * one a trust anchor issued. */
static bool
tls_chain_reaches_anchor(const struct tls_conn *c, gnutls_x509_crt_t *crt,
			 unsigned n)
{
	unsigned cur = 0;

	for (unsigned step = 0; step < n; step++) {
		unsigned j;

		if (gnutls_x509_crt_check_issuer(crt[cur], crt[cur]) ||
		    tls_anchor_issued(c, crt[cur]))
			return true;
		for (j = 0; j < n; j++)
			if (j != cur &&
			    gnutls_x509_crt_check_issuer(crt[cur], crt[j]))
				break;
		if (j == n)
			return false;
		cur = j;
	}
	return false;
}

/*
 * The shape of the chain as sent, for the probe: in order when each
 * certificate is issued by the one after it (RFC 5246 section 7.4.2 says
 * MUST, RFC 8446 section 4.4.2 SHOULD), complete when the certificates
 * sent lead to a trust anchor or a root.  Certificates that do not parse
 * leave both false.
 */
static void
tls_chain_shape(struct tls_conn *c, const gnutls_datum_t *certs, unsigned n)
{
	gnutls_x509_crt_t *crt = calloc(n ? n : 1, sizeof(*crt));
	unsigned ok = 0;

	if (crt == NULL || n == 0) {
		free(crt);
		return;
	}
	for (; ok < n; ok++)
		if (gnutls_x509_crt_init(&crt[ok]) < 0 ||
		    gnutls_x509_crt_import(crt[ok], &certs[ok],
					   GNUTLS_X509_FMT_DER) < 0)
			break;
	if (ok == n) {
		c->facts->chain_in_order = true;
		for (unsigned i = 0; i + 1 < n; i++)
			if (!gnutls_x509_crt_check_issuer(crt[i], crt[i + 1]))
				c->facts->chain_in_order = false;
		c->facts->chain_complete = tls_chain_reaches_anchor(c, crt, n);
	}
	for (unsigned i = 0; i <= ok && i < n; i++)
		if (crt[i] != NULL)
			gnutls_x509_crt_deinit(crt[i]);
	free(crt);
}

/* Runs when the server's Certificate message arrives; a non-zero return
 * aborts the handshake before anything else is sent. */
static int
tls_verify_cb(gnutls_session_t s)
{
	struct tls_conn *c = gnutls_session_get_ptr(s);
	const gnutls_datum_t *certs;
	unsigned n = 0;
	bool ok;

	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL)
		n = 0;
	tls_facts_free(c->facts);
	if (tls_record_chain(c->facts, certs, n) < 0 ||
	    tls_check_chain(c) < 0 || tls_refuse_cn_match(c, certs, n) < 0) {
		c->refused = true;
		err_set(&c->why, ERR_OS, STEP_TLS,
			"out of memory checking the certificate");
		return -1;
	}
	tls_chain_shape(c, certs, n);
	ok = tls_decide(c, certs, n);
	c->facts->verified = ok;
	if (ok || c->ctx->no_verify || c->ctx->probe)
		return 0;
	c->refused = true;
	return -1;
}

/*
 * Sessions.
 */

/* "192.0.2.1", "2001:db8::1" and "[2001:db8::1]" are literals. */
static int
tls_conn_name(struct tls_conn *c, const char *servername)
{
	size_t n = strlen(servername);

	if (n >= 2 && servername[0] == '[' && servername[n - 1] == ']')
		c->name = tls_strndup(servername + 1, n - 2);
	else
		c->name = tls_strndup(servername, n);
	if (c->name == NULL)
		return -1;
	if (inet_pton(AF_INET, c->name, c->ip) == 1) {
		c->is_ip = true;
		c->iplen = 4;
	} else if (inet_pton(AF_INET6, c->name, c->ip) == 1) {
		c->is_ip = true;
		c->iplen = 16;
	}
	return 0;
}

static int
tls_conn_setup(struct tls_conn *c, int fd, struct err *e)
{
	int ret;

	/* GNUTLS_NO_SIGNAL: a server that hangs up is an error to report,
	 * not a SIGPIPE that kills tlsmail before it can queue the message. */
	ret = gnutls_init(&c->s,
			  GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
	if (ret < 0) {
		c->s = NULL;
		return err_set(e, ERR_OS, STEP_TLS, "%s", gnutls_strerror(ret));
	}
	ret = gnutls_priority_set(c->s, c->ctx->prio);
	if (ret >= 0)
		ret = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
					     c->ctx->cred);
	/* RFC 6066 section 3: "Literal IPv4 and IPv6 addresses are not
	 * permitted in HostName." */
	if (ret >= 0 && !c->is_ip)
		ret = gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, c->name,
					     strlen(c->name));
	if (ret < 0)
		return err_set(e, ERR_INTERNAL, STEP_TLS, "%s",
			       gnutls_strerror(ret));
	gnutls_session_set_ptr(c->s, c);
	gnutls_session_set_verify_function(c->s, tls_verify_cb);
	gnutls_transport_set_int(c->s, fd);
	gnutls_handshake_set_timeout(c->s, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
	return 0;
}

int
tls_conn_new(struct tls_conn **out, struct tls_ctx *ctx, int fd,
	     const char *servername, struct tls_facts *facts, struct err *e)
{
	struct tls_conn *c;

	*out = NULL;
	if (servername == NULL || *servername == '\0')
		return err_set(
		    e, ERR_INTERNAL, STEP_TLS,
		    "no server name to verify the certificate against");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, ERR_OS, STEP_TLS, "out of memory");
	c->ctx = ctx;
	c->facts = facts;
	if (tls_conn_name(c, servername) < 0) {
		tls_conn_free(c);
		return err_set(e, ERR_OS, STEP_TLS, "out of memory");
	}
	if (tls_conn_setup(c, fd, e) < 0) {
		tls_conn_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->s != NULL)
		gnutls_deinit(c->s);
	free(c->name);
	free(c);
}

static int
tls_want(struct tls_conn *c)
{
	return gnutls_record_get_direction(c->s) == 1 ? TLS_WANT_WRITE
						      : TLS_WANT_READ;
}

static bool
tls_is_alert(int ret)
{
	return ret == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	       ret == GNUTLS_E_WARNING_ALERT_RECEIVED;
}

/* The name of the alert the server sent, e.g. "Handshake failed". */
static const char *
tls_alert_name(struct tls_conn *c)
{
	const char *name = gnutls_alert_get_name(gnutls_alert_get(c->s));

	return name != NULL ? name : "unknown";
}

/* A TLS 1.0/1.1-only server answers a 1.2+ ClientHello with an older
 * ServerHello (GnuTLS: GNUTLS_E_UNSUPPORTED_VERSION_PACKET) or with a
 * protocol_version alert (RFC 8446 section 4.2.1). */
static bool
tls_is_version_failure(struct tls_conn *c, int ret)
{
	if (ret == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
	    ret == GNUTLS_E_NO_PRIORITIES_WERE_SET)
		return true;
	return ret == GNUTLS_E_FATAL_ALERT_RECEIVED &&
	       gnutls_alert_get(c->s) == GNUTLS_A_PROTOCOL_VERSION;
}

/*
 * What GnuTLS 3.7.9 returns, found by test (tests/check_tls.c): plain text
 * where the ServerHello should be ("250 ok", or an attacker's injected
 * reply after STARTTLS) fails the record header check with
 * GNUTLS_E_UNEXPECTED_PACKET; a peer that hangs up gives
 * GNUTLS_E_PUSH_ERROR or GNUTLS_E_PREMATURE_TERMINATION.
 */
static int
tls_handshake_error(struct tls_conn *c, int ret, struct err *e)
{
	switch (ret) {
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
		err_set(e, ERR_PROTOCOL, STEP_TLS,
			"server sent data that is not TLS during the "
			"handshake (possible STARTTLS injection)");
		err_hint(e, "check that the port speaks the mode you chose "
			    "(STARTTLS or implicit TLS)");
		return -1;
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_TIMEDOUT:
		return err_set(e, ERR_TEMP, STEP_TLS,
			       "connection lost during TLS handshake: %s",
			       gnutls_strerror(ret));
	}
	if (tls_is_version_failure(c, ret)) {
		err_set(e, ERR_SECURITY, STEP_TLS,
			"server offers only TLS versions below the minimum "
			"(TLS 1.2, RFC 8996)");
		err_hint(e, "ask the server's administrator to enable TLS "
			    "1.2; --tls-priority can lower the minimum, at a "
			    "risk");
		return -1;
	}
	if (tls_is_alert(ret))
		err_set(e, ERR_SECURITY, STEP_TLS,
			"TLS handshake failed: the server sent the alert "
			"\"%s\"",
			tls_alert_name(c));
	else
		err_set(e, ERR_SECURITY, STEP_TLS, "TLS handshake failed: %s",
			gnutls_strerror(ret));
	err_hint(e, "the server may want other TLS parameters; see "
		    "--tls-priority");
	return -1;
}

int
tls_handshake(struct tls_conn *c, struct err *e)
{
	int ret;

	/* Calling gnutls_handshake again would start a renegotiation. */
	if (c->done)
		return 0;
	ret = gnutls_handshake(c->s);
	if (ret == GNUTLS_E_SUCCESS) {
		c->done = true;
		return 0;
	}
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		return tls_want(c);
	if (c->refused) {
		*e = c->why;
		return -1;
	}
	return tls_handshake_error(c, ret, e);
}

static void
tls_copy_name(char *dst, size_t cap, const char *name)
{
	snprintf(dst, cap, "%s", name != NULL ? name : "");
}

/*
 * The stapled OCSP response (RFC 6066 section 8; RFC 8446 section 4.4.2.1
 * carries it in the leaf's CertificateEntry).  GnuTLS asks for one in
 * every ClientHello and checks it inside gnutls_certificate_verify_peers
 * (signature, issuer, freshness); a response it did not accept as valid
 * is INVALID here, whatever status it claims, unless it says revoked.
 */
static enum outcome_ocsp
tls_ocsp_status(struct tls_conn *c)
{
	gnutls_datum_t raw = {NULL, 0};
	gnutls_ocsp_resp_t resp;
	unsigned status = 0;
	enum outcome_ocsp r = OUTCOME_OCSP_INVALID;

	if (gnutls_ocsp_status_request_get(c->s, &raw) < 0)
		return OUTCOME_OCSP_NONE;
	if (gnutls_ocsp_resp_init(&resp) < 0)
		return OUTCOME_OCSP_INVALID;
	if (gnutls_ocsp_resp_import(resp, &raw) >= 0 &&
	    gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL,
					&status, NULL, NULL, NULL, NULL) >= 0) {
		if (status == GNUTLS_OCSP_CERT_REVOKED)
			r = OUTCOME_OCSP_REVOKED;
		else if (!gnutls_ocsp_status_request_is_checked(c->s, 0))
			r = OUTCOME_OCSP_INVALID;
		else if (status == GNUTLS_OCSP_CERT_GOOD)
			r = OUTCOME_OCSP_GOOD;
		else
			r = OUTCOME_OCSP_UNKNOWN;
	}
	gnutls_ocsp_resp_deinit(resp);
	return r;
}

void
tls_facts_session(struct tls_conn *c, struct tls_facts *f)
{
	unsigned sign;

	f->active = true;
	tls_copy_name(
	    f->version, sizeof(f->version),
	    gnutls_protocol_get_name(gnutls_protocol_get_version(c->s)));
	tls_copy_name(f->cipher, sizeof(f->cipher),
		      gnutls_ciphersuite_get(c->s));
	tls_copy_name(f->kx_group, sizeof(f->kx_group),
		      gnutls_group_get_name(gnutls_group_get(c->s)));
	/* Unknown (0) when the key exchange was not signed, e.g. RSA kx. */
	sign = (unsigned)gnutls_sign_algorithm_get(c->s);
	tls_copy_name(f->sig_alg, sizeof(f->sig_alg),
		      sign != 0 ? gnutls_sign_get_name(sign) : NULL);
	/* In TLS 1.3 tickets arrive after the handshake (RFC 8446 section
	 * 4.6.1): this is true only once one has been read. */
	f->resumable = (gnutls_session_get_flags(c->s) &
			GNUTLS_SFLAGS_SESSION_TICKET) != 0;
	f->ocsp = tls_ocsp_status(c);
}

static ssize_t
tls_record_error(struct tls_conn *c, ssize_t ret, const char *what,
		 struct err *e)
{
	if (ret == GNUTLS_E_PUSH_ERROR || ret == GNUTLS_E_PULL_ERROR ||
	    ret == GNUTLS_E_PREMATURE_TERMINATION) {
		err_set(e, ERR_TEMP, STEP_NONE, "connection lost while %s: %s",
			what, gnutls_strerror((int)ret));
		err_hint(e, "the server or the network ended the session; "
			 "try again later");
		return -1;
	}
	if (tls_is_alert((int)ret))
		return err_set(e, ERR_PROTOCOL, STEP_NONE,
			       "the server sent the TLS alert \"%s\" while %s",
			       tls_alert_name(c), what);
	return err_set(e, ERR_PROTOCOL, STEP_NONE, "TLS error while %s: %s",
		       what, gnutls_strerror((int)ret));
}

/*
 * GnuTLS reads one record at a time from the socket, so whatever follows
 * stays in the kernel where poll sees it; tls_pending covers what was
 * decrypted but not yet returned.  A renegotiation request (TLS 1.2) is
 * ignored, which RFC 5246 section 7.4.1.1 allows; warning alerts are
 * skipped.  The server closing without close_notify is reported as end of
 * stream: the SMTP layer knows whether it expected more.
 */
ssize_t
tls_recv(struct tls_conn *c, void *buf, size_t len, struct err *e)
{
	ssize_t ret;
	int skipped = 0;

	do
		ret = gnutls_record_recv(c->s, buf, len);
	while ((ret == GNUTLS_E_REHANDSHAKE ||
		ret == GNUTLS_E_WARNING_ALERT_RECEIVED) &&
	       ++skipped < TLS_SKIP_MAX);
	if (ret >= 0)
		return ret;
	if (ret == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED ||
	    ret == GNUTLS_E_REHANDSHAKE ||
	    ret == GNUTLS_E_WARNING_ALERT_RECEIVED)
		return tls_want(c);
	return tls_record_error(c, ret, "reading", e);
}

/*
 * One gnutls_record_send: it takes at most one record (16 KiB), so callers
 * loop.  After TLS_WANT_WRITE, GnuTLS has already encrypted the bytes it
 * took; the next call must pass the same bytes again (more may follow them)
 * and returns their count once they are flushed.
 */
ssize_t
tls_send(struct tls_conn *c, const void *buf, size_t len, struct err *e)
{
	ssize_t ret;

	/* An empty record would be sent for nothing. */
	if (len == 0)
		return 0;
	ret = gnutls_record_send(c->s, buf, len);
	if (ret >= 0)
		return ret;
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		return tls_want(c);
	return tls_record_error(c, ret, "sending", e);
}

size_t
tls_pending(struct tls_conn *c)
{
	return gnutls_record_check_pending(c->s);
}

/*
 * Channel binding for SCRAM-PLUS (RFC 5056).  TLS 1.3: tls-exporter as
 * RFC 9266 section 2 defines it (exporter label "EXPORTER-Channel-Binding",
 * empty context, 32 octets), which GnuTLS 3.7.9 computes; check_sasl
 * compares it with gnutls_prf_rfc5705 under those parameters.  TLS 1.2:
 * tls-unique (RFC 5929), only with the extended master secret (RFC 7627),
 * without which a man in the middle can make it equal on two connections
 * (the triple handshake attack, RFC 9266 section 1).
 */
int
tls_channel_binding(struct tls_conn *c, const char **type, unsigned char *buf,
		    size_t *len)
{
	gnutls_datum_t cb = {NULL, 0};
	gnutls_channel_binding_t t;
	const char *name;
	int ret;

	*type = NULL;
	if (!c->done)
		return -1;
	switch (gnutls_protocol_get_version(c->s)) {
	case GNUTLS_TLS1_3:
		t = GNUTLS_CB_TLS_EXPORTER;
		name = "tls-exporter";
		break;
	case GNUTLS_TLS1_2:
		if (!gnutls_session_ext_master_secret_status(c->s))
			return -1;
		t = GNUTLS_CB_TLS_UNIQUE;
		name = "tls-unique";
		break;
	default: return -1;
	}
	ret = gnutls_session_channel_binding(c->s, t, &cb);
	if (ret < 0 || cb.size == 0 || cb.size > *len) {
		gnutls_free(cb.data);
		return -1;
	}
	memcpy(buf, cb.data, cb.size);
	*len = cb.size;
	*type = name;
	gnutls_free(cb.data);
	return 0;
}

bool
tls_client_cert_sent(struct tls_conn *c)
{
	return c->done && gnutls_certificate_get_ours(c->s) != NULL;
}

/* RFC 8446 section 6.1: close_notify, without waiting for the server's. */
void
tls_bye(struct tls_conn *c)
{
	if (c->bye_sent)
		return;
	c->bye_sent = true;
	(void)gnutls_bye(c->s, GNUTLS_SHUT_WR);
}

/*
 * verdict: findings and their weight.
 *
 *   fail  the session did not give verified TLS: no STARTTLS or refused
 *         (RFC 3207, RFC 8314 section 3), a failed handshake, a
 *         certificate that does not verify (RFC 6125 via GnuTLS), is
 *         expired or not yet valid, is revoked by its stapled OCSP
 *         response (RFC 6960), has an RSA or DSA key under 2048 bits or
 *         an EC key under 224 (NIST SP 800-57, BSI TR-02102-2), or is
 *         signed with MD5 or SHA-1 (RFC 6151, RFC 9155)
 *   warn  it works today but should be fixed: TLS 1.0 or 1.1 accepted
 *         (RFC 8996), AUTH offered before TLS (RFC 4954 section 4 and
 *         RFC 8314 section 5.4: clients that use it send the password in
 *         clear), a certificate that expires within warn_days, a chain
 *         not in the order RFC 5246 section 7.4.2 requires or that does
 *         not lead to a trust anchor (clients without the intermediate
 *         fail), a stapled OCSP response that is invalid or "unknown"
 *   ok    nothing of the above
 *
 * A port that does not answer is listed but weighs nothing, so that a
 * submission server without port 25 is not a warning; when no port
 * answers, nothing was probed (exit 3).
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

#define VERDICT_DAY		86400
#define VERDICT_RSA_MIN		2048
#define VERDICT_EC_MIN		224

static const char *const verdict_codes[] = {
	[VERDICT_UNREACHABLE] = "unreachable",
	[VERDICT_SESSION_FAILED] = "session-failed",
	[VERDICT_NO_STARTTLS] = "no-starttls",
	[VERDICT_STARTTLS_REFUSED] = "starttls-refused",
	[VERDICT_AUTH_IN_CLEAR] = "auth-in-clear",
	[VERDICT_OLD_TLS] = "old-tls-version",
	[VERDICT_VERIFY_FAILED] = "verify-failed",
	[VERDICT_CERT_EXPIRED] = "cert-expired",
	[VERDICT_CERT_NOT_YET_VALID] = "cert-not-yet-valid",
	[VERDICT_CERT_EXPIRING] = "cert-expiring",
	[VERDICT_WEAK_KEY] = "weak-key",
	[VERDICT_WEAK_SIGNATURE] = "weak-signature",
	[VERDICT_CHAIN_INCOMPLETE] = "chain-incomplete",
	[VERDICT_CHAIN_ORDER] = "chain-order",
	[VERDICT_OCSP_REVOKED] = "ocsp-revoked",
	[VERDICT_OCSP_INVALID] = "ocsp-invalid",
};

const char *
verdict_code_name(enum verdict_code c)
{
	if ((size_t)c < sizeof(verdict_codes) / sizeof(verdict_codes[0]) &&
	    verdict_codes[c] != NULL)
		return verdict_codes[c];
	return "?";
}

const char *
verdict_level_name(enum verdict_level l)
{
	switch (l) {
	case VERDICT_OK:	return "ok";
	case VERDICT_WARN:	return "warn";
	case VERDICT_FAIL:	return "fail";
	}
	return "?";
}

bool
verdict_reached(const struct outcome *o)
{
	return o->greeting != NULL || o->tls.active || o->tls.nchain > 0 ||
	    o->err.step == STEP_TLS;
}

/* The state of one judgement in progress. */
struct verdict_run {
	struct verdict *v;
	const struct verdict_conf *conf;
	unsigned port;
	size_t	 cap;
	bool	 oom;
};

static void
verdict_add(struct verdict_run *r, enum verdict_level level,
    enum verdict_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
verdict_add(struct verdict_run *r, enum verdict_level level,
    enum verdict_code code, const char *fmt, ...)
{
	struct verdict *v = r->v;
	struct verdict_reason *reason;
	va_list ap;

	if (r->oom)
		return;
	if (v->nreasons == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct verdict_reason *p = realloc(v->reasons,
		    cap * sizeof(*p));

		if (p == NULL) {
			r->oom = true;
			return;
		}
		v->reasons = p;
		r->cap = cap;
	}
	reason = &v->reasons[v->nreasons++];
	reason->level = level;
	reason->code = code;
	reason->port = r->port;
	va_start(ap, fmt);
	vsnprintf(reason->text, sizeof(reason->text), fmt, ap);
	va_end(ap);
	if (level > v->level)
		v->level = level;
}

/* How the session got (or did not get) TLS. */
static void
verdict_transport(struct verdict_run *r, const struct outcome *o)
{
	if (!o->implicit_tls && o->greeting != NULL && !o->starttls_offered &&
	    !o->tls.active && o->err.cls == ERR_NONE)
		verdict_add(r, VERDICT_FAIL, VERDICT_NO_STARTTLS,
		    "STARTTLS is not offered: mail goes in clear");
	if (o->starttls_code != 0 && o->starttls_code != 220)
		verdict_add(r, VERDICT_FAIL, VERDICT_STARTTLS_REFUSED,
		    "STARTTLS refused with %d", o->starttls_code);
	if (o->auth_in_clear && !o->implicit_tls)
		verdict_add(r, VERDICT_WARN, VERDICT_AUTH_IN_CLEAR,
		    "AUTH is offered before TLS: a client may send its "
		    "password in clear");
	if (o->err.cls != ERR_NONE)
		verdict_add(r, VERDICT_FAIL, VERDICT_SESSION_FAILED,
		    "%s: %s", *err_step_name(o->err.step) ?
		    err_step_name(o->err.step) : "session", o->err.msg);
	for (size_t i = 0; i < 2; i++)
		if (o->tls_versions[i] == OUTCOME_VER_ACCEPTED)
			verdict_add(r, VERDICT_WARN, VERDICT_OLD_TLS,
			    "%s is accepted (deprecated by RFC 8996)",
			    outcome_version_name(i));
}

static bool
verdict_self_signed(const struct cert_facts *c)
{
	return c->subject != NULL && c->issuer != NULL &&
	    strcmp(c->subject, c->issuer) == 0;
}

static void
verdict_validity(struct verdict_run *r, size_t i, const struct cert_facts *c)
{
	time_t now = r->conf->now;
	long long days;

	if (c->not_after == (time_t)-1)
		return;
	if (now > c->not_after) {
		verdict_add(r, VERDICT_FAIL, VERDICT_CERT_EXPIRED,
		    "certificate %zu (%s) has expired", i, c->subject);
		return;
	}
	if (c->not_before != (time_t)-1 && now < c->not_before) {
		verdict_add(r, VERDICT_FAIL, VERDICT_CERT_NOT_YET_VALID,
		    "certificate %zu (%s) is not valid yet", i, c->subject);
		return;
	}
	days = ((long long)c->not_after - (long long)now) / VERDICT_DAY;
	if (days < r->conf->warn_days)
		verdict_add(r, VERDICT_WARN, VERDICT_CERT_EXPIRING,
		    "certificate %zu (%s) expires in %lld day%s (fewer than "
		    "%d)", i, c->subject, days, days == 1 ? "" : "s",
		    r->conf->warn_days);
}

static bool
verdict_has(const char *s, const char *what)
{
	return s != NULL && strstr(s, what) != NULL;
}

/* Key and signature strength.  A root's own signature is not checked by
 * anyone (its key is the trust), so self-signed certificates are exempt
 * from the signature rule. */
static void
verdict_strength(struct verdict_run *r, size_t i, const struct cert_facts *c)
{
	bool rsa_dsa = strncmp(c->key_type, "RSA", 3) == 0 ||
	    strncmp(c->key_type, "DSA", 3) == 0;
	bool ec = strncmp(c->key_type, "ECDSA", 5) == 0;

	if ((rsa_dsa && c->key_bits < VERDICT_RSA_MIN) ||
	    (ec && c->key_bits < VERDICT_EC_MIN))
		verdict_add(r, VERDICT_FAIL, VERDICT_WEAK_KEY,
		    "certificate %zu (%s) has a weak key: %s %u bits", i,
		    c->subject, c->key_type, c->key_bits);
	if (!verdict_self_signed(c) && (verdict_has(c->sig_alg, "SHA1") ||
	    verdict_has(c->sig_alg, "MD5") || verdict_has(c->sig_alg, "MD2")))
		verdict_add(r, VERDICT_FAIL, VERDICT_WEAK_SIGNATURE,
		    "certificate %zu (%s) is signed with %s", i, c->subject,
		    c->sig_alg);
}

static void
verdict_chain(struct verdict_run *r, const struct tls_facts *t)
{
	if (t->nchain == 0)
		return;
	if (t->pinned && !t->pin_matched)
		verdict_add(r, VERDICT_FAIL, VERDICT_VERIFY_FAILED,
		    "the certificate does not match the pinned fingerprint");
	else if (!t->verified)
		verdict_add(r, VERDICT_FAIL, VERDICT_VERIFY_FAILED,
		    "certificate not trusted: %s", t->verify_reason ?
		    t->verify_reason : "not checked");
	for (size_t i = 0; i < t->nchain; i++) {
		verdict_validity(r, i, &t->chain[i]);
		verdict_strength(r, i, &t->chain[i]);
	}
	if (!t->chain_complete)
		verdict_add(r, VERDICT_WARN, VERDICT_CHAIN_INCOMPLETE,
		    "the chain sent does not lead to a trust anchor (an "
		    "intermediate certificate is missing?)");
	if (!t->chain_in_order)
		verdict_add(r, VERDICT_WARN, VERDICT_CHAIN_ORDER,
		    "the chain is not in order (each certificate should be "
		    "issued by the next)");
	if (t->ocsp == OUTCOME_OCSP_REVOKED)
		verdict_add(r, VERDICT_FAIL, VERDICT_OCSP_REVOKED,
		    "the stapled OCSP response says the certificate is "
		    "revoked");
	else if (t->ocsp == OUTCOME_OCSP_INVALID ||
	    t->ocsp == OUTCOME_OCSP_UNKNOWN)
		verdict_add(r, VERDICT_WARN, VERDICT_OCSP_INVALID,
		    "the stapled OCSP response is %s",
		    t->ocsp == OUTCOME_OCSP_UNKNOWN ? "\"unknown\"" :
		    "invalid or stale");
}

int
verdict_judge(struct verdict *v, const struct outcome *outs, size_t n,
    const struct verdict_conf *conf, struct err *e)
{
	struct verdict_run r;

	memset(v, 0, sizeof(*v));
	memset(&r, 0, sizeof(r));
	r.v = v;
	r.conf = conf;
	for (size_t i = 0; i < n; i++) {
		const struct outcome *o = &outs[i];
		enum verdict_level before = v->level;

		r.port = o->port;
		if (!verdict_reached(o)) {
			verdict_add(&r, VERDICT_OK, VERDICT_UNREACHABLE,
			    "%s", o->err.msg[0] ? o->err.msg : "no answer");
			v->level = before;
			continue;
		}
		v->probed = true;
		verdict_transport(&r, o);
		verdict_chain(&r, &o->tls);
	}
	if (r.oom) {
		verdict_free(v);
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	}
	return 0;
}

void
verdict_free(struct verdict *v)
{
	free(v->reasons);
	memset(v, 0, sizeof(*v));
}

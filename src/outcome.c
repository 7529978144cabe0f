#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "outcome.h"

void
outcome_init(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
}

static void
cert_facts_free(struct cert_facts *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->sans);
	free(c->serial);
	free(c->sig_alg);
}

void
tls_facts_free(struct tls_facts *t)
{
	for (size_t i = 0; i < t->nchain; i++)
		cert_facts_free(&t->chain[i]);
	free(t->chain);
	free(t->verify_reason);
	memset(t, 0, sizeof(*t));
}

void
outcome_free(struct outcome *o)
{
	free(o->server);
	free(o->greeting);
	free(o->caps_plain);
	free(o->caps_tls);
	tls_facts_free(&o->tls);
	for (size_t i = 0; i < o->nrcpt; i++) {
		free(o->rcpts[i].addr);
		free(o->rcpts[i].text);
	}
	free(o->rcpts);
	free(o->final_text);
	memset(o, 0, sizeof(*o));
}

const char *
outcome_version_name(size_t i)
{
	static const char *const names[OUTCOME_NVERS] = {
		"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"
	};

	return i < OUTCOME_NVERS ? names[i] : "?";
}

const char *
outcome_ocsp_name(enum outcome_ocsp s)
{
	switch (s) {
	case OUTCOME_OCSP_NONE:		return "none";
	case OUTCOME_OCSP_GOOD:		return "good";
	case OUTCOME_OCSP_REVOKED:	return "revoked";
	case OUTCOME_OCSP_UNKNOWN:	return "unknown";
	case OUTCOME_OCSP_INVALID:	return "invalid";
	}
	return "?";
}

const char *
outcome_ver_name(enum outcome_ver v)
{
	switch (v) {
	case OUTCOME_VER_UNTESTED:	return "untested";
	case OUTCOME_VER_ACCEPTED:	return "accepted";
	case OUTCOME_VER_REFUSED:	return "refused";
	case OUTCOME_VER_UNKNOWN:	return "unknown";
	}
	return "?";
}

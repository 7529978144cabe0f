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

/*
 * sasl: client side of SMTP AUTH mechanisms (RFC 4954), each a pure
 * exchange from (challenge, credentials) to response, so that RFC test
 * vectors drive it without a server.  Payloads are base64 (RFC 4648) as
 * they appear on the wire; buffers that held a secret are wiped on free.
 */
#ifndef TLSMAIL_SASL_H
#define TLSMAIL_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct sasl_cred {
	const char *authzid;	/* usually NULL */
	const char *user;
	const char *pass;	/* NUL-terminated secret, owned by caller */
};

struct sasl_mech;

struct sasl {
	const struct sasl_mech *mech;
	const struct sasl_cred *cred;
	int	 stage;
};

/*
 * Picks the mechanism: wanted is NULL or "on" for the strongest one both
 * sides support, else a mechanism name the user asked for.  offered is the
 * AUTH keyword's parameters from the EHLO reply received over TLS (RFC 3207
 * section 4.2: nothing from before TLS).  Returns the mechanism name, or
 * NULL with ERR_UNAVAILABLE (none in common) or ERR_USAGE (unknown name).
 */
const char *sasl_choose(const char *offered, const char *wanted,
	    struct err *);

/* Starts mech for cred; *initial is the base64 initial response to send
 * with the AUTH command (RFC 4954 section 4), or NULL when the mechanism
 * waits for a challenge.  Free it with sasl_wipe. */
int	sasl_start(struct sasl *, const char *mech, const struct sasl_cred *,
	    char **initial, struct err *);

/* Answers a 334 challenge (base64 text after the code).  *response is the
 * base64 line to send; ERR_PROTOCOL for an undecodable or unexpected
 * challenge. */
int	sasl_step(struct sasl *, const char *challenge, size_t len,
	    char **response, struct err *);

/* True when the mechanism's initial response completes the exchange, so
 * AUTH may be pipelined with what follows (RFC 4954 section 4). */
bool	sasl_one_step(const struct sasl *);

/* The name as sent on the wire. */
const char *sasl_name(const struct sasl *);

/* Wipes and frees a response or any buffer that held a secret. */
void	sasl_wipe(char *);

#endif

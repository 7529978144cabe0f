/*
 * sasl: client side of SMTP AUTH mechanisms (RFC 4954), each a pure
 * exchange from (challenge, credentials) to response, so that RFC test
 * vectors drive it without a server.  Payloads are base64 (RFC 4648) as
 * they appear on the wire; buffers that held a secret are wiped on free.
 *
 * Mechanisms, in the order "auth on" tries them:
 *   EXTERNAL             RFC 4422 appendix A (only with a client certificate)
 *   SCRAM-SHA-256-PLUS   RFC 7677, RFC 5802 with channel binding
 *   SCRAM-SHA-1-PLUS     RFC 5802
 *   SCRAM-SHA-256, SCRAM-SHA-1
 *   PLAIN                RFC 4616
 *   LOGIN                draft-murchison-sasl-login
 *   CRAM-MD5             RFC 2195
 * and, only when named: XOAUTH2 (Google's format) and OAUTHBEARER
 * (RFC 7628), whose "password" is a bearer token.
 */
#ifndef TLSMAIL_SASL_H
#define TLSMAIL_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct sasl_cred {
	const char *authzid;	/* usually NULL */
	const char *user;	/* NULL only for EXTERNAL */
	const char *pass;	/* NUL-terminated secret or bearer token,
				   owned by caller; NULL only for EXTERNAL */
	const char *host;	/* server name, for OAUTHBEARER's host= */
	unsigned port;		/* ... and port= (0: left out) */
};

#define SASL_CB_MAX	64	/* tls-unique: 12 octets; tls-exporter: 32 */

/*
 * What the session knows besides the credentials, filled by smtp before
 * AUTH: the mechanisms the server offers over TLS, whether the channel is
 * protected, and the channel binding (RFC 5056) data of the TLS session.
 */
struct sasl_chan {
	const char *offered;	/* AUTH parameters from the EHLO reply
				   received over TLS (RFC 3207 section 4.2) */
	bool	 tls;		/* the connection is under TLS */
	bool	 allow_clear;	/* --allow-plaintext-auth: reusable secrets
				   may cross a connection without TLS */
	bool	 client_cert;	/* a client certificate was presented */
	const char *cb_type;	/* "tls-exporter", "tls-unique" or NULL
				   when the session offers no binding */
	unsigned char cb_data[SASL_CB_MAX];
	size_t	 cb_len;
	const char *nonce;	/* tests only: a fixed SCRAM client nonce;
				   NULL: random */
};

struct sasl_mech;

struct sasl {
	const struct sasl_mech *mech;
	const struct sasl_cred *cred;
	const struct sasl_chan *chan;
	int	 stage;
	bool	 verified;	/* SCRAM: the server proved its key */
	char	*state;		/* mechanism state (SCRAM's first message
				   and nonce), wiped by sasl_end */
	unsigned char keys[64];	/* SCRAM: the ServerSignature we expect */
	char	 note[128];	/* what the server said on failure, e.g. an
				   OAuth error status; "" if nothing */
};

/*
 * Picks the mechanism: wanted is NULL or "on" for the strongest one both
 * sides support that cred can use (without a password: EXTERNAL only),
 * else a mechanism name the user asked for.  Only what
 * chan->offered lists is chosen; -PLUS only with channel binding data;
 * EXTERNAL only with a client certificate; nothing that exposes a
 * reusable secret (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER) without TLS unless
 * chan->allow_clear.  Returns the mechanism name, or NULL with
 * ERR_UNAVAILABLE (none in common, or the named one cannot be used on
 * this connection) or ERR_USAGE (unknown name).
 */
const char *sasl_choose(const struct sasl_cred *, const struct sasl_chan *,
	    const char *wanted, struct err *);

/* Starts mech for cred over chan (both must outlive the exchange);
 * *initial is the base64 initial response to send with the AUTH command
 * (RFC 4954 section 4), or NULL when the mechanism waits for a challenge.
 * Free it with sasl_wipe, and end the exchange with sasl_end.  Errors:
 * ERR_USAGE (unknown mechanism), ERR_CONFIG (a password SASLprep refuses,
 * a missing user or password), ERR_OS. */
int	sasl_start(struct sasl *, const char *mech, const struct sasl_cred *,
	    const struct sasl_chan *, char **initial, struct err *);

/* Answers a 334 challenge (base64 text after the code).  *response is the
 * base64 line to send ("" for an empty response).  Errors: ERR_PROTOCOL
 * for an undecodable, malformed or unexpected challenge; ERR_AUTH when a
 * SCRAM server fails to prove that it knows the password (a possible
 * impostor) or reports an error. */
int	sasl_step(struct sasl *, const char *challenge, size_t len,
	    char **response, struct err *);

/* True when the mechanism's initial response completes the exchange, so
 * AUTH may be pipelined with what follows (RFC 4954 section 4). */
bool	sasl_one_step(const struct sasl *);

/* False while the server still owes a proof: a 235 before a SCRAM
 * server's signature was verified comes from an impostor. */
bool	sasl_complete(const struct sasl *);

/* The name as sent on the wire. */
const char *sasl_name(const struct sasl *);

/* Wipes the exchange's state; safe to call twice or after a failed
 * sasl_start. */
void	sasl_end(struct sasl *);

/* Wipes and frees a response or any buffer that held a secret. */
void	sasl_wipe(char *);

/*
 * SASLprep (RFC 4013) of a password, as RFC 5802 section 5.1 asks, for
 * the subset that passwords use in practice: ASCII is checked for control
 * characters and otherwise left as it is; other text has the characters
 * RFC 3454 table B.1 maps to nothing removed, then goes through GnuTLS's
 * RFC 8265 OpaqueString normalisation (non-ASCII spaces become U+0020,
 * Unicode NFC).  Limits: NFC rather than SASLprep's NFKC, so
 * compatibility characters (U+00AA, U+2168, full-width forms) are kept as
 * typed; no bidirectional check (RFC 3454 section 6).  *out is freed with
 * sasl_wipe.  ERR_CONFIG for a prohibited character or invalid UTF-8.
 */
int	sasl_prep(const char *in, char **out, struct err *);

#endif

/*
 * tsrv_sasl: the server side of the SASL mechanisms beyond PLAIN and LOGIN
 * for tsrv (CRAM-MD5, SCRAM-SHA-1/256 with and without -PLUS, XOAUTH2,
 * OAUTHBEARER, EXTERNAL), with the faults the client must survive.  It is
 * written from the RFCs on GnuTLS, independently of tlsmail's sasl.c, so
 * that a mistake in one is not mirrored by the other.
 *
 * tsrv.c owns the session and the log; this module gets the lines of one
 * exchange and says what to answer (struct tsasl_out).  Its scenario
 * directives are documented in tsrv.c's header comment ("sasl ...").
 */
#ifndef TSRV_SASL_H
#define TSRV_SASL_H

#include <stdbool.h>

#include <gnutls/gnutls.h>

struct tsasl_conf;
struct tsasl;

enum tsasl_state {
	TSASL_MORE,	/* reply is a 334 challenge: read a response */
	TSASL_OK,	/* reply is 235: authenticated as who */
	TSASL_FAIL,	/* reply is 535 or 501; why says what failed */
	TSASL_CANCEL	/* the client sent "*" */
};

struct tsasl_out {
	enum tsasl_state st;
	char	*reply;		/* the reply line without CRLF; caller frees */
	const char *mech;	/* for the log */
	char	 who[256];	/* TSASL_OK: the identity, raw */
	const char *why;	/* TSASL_FAIL: one word, for the log */
};

/* "sasl WORD ARGS" scenario lines; -1 with *why set on a bad one. */
int	tsasl_conf_line(struct tsasl_conf **, char *args, const char **why);
/* The "auth USER PASS" credentials (PASS is the token for OAuth). */
int	tsasl_conf_cred(struct tsasl_conf **, const char *user,
	    const char *pass);
void	tsasl_conf_free(struct tsasl_conf *);

/* Loads the client CA ("sasl client-ca FILE") into the server's
 * credentials; a GnuTLS error code, or 0. */
int	tsasl_tls_setup(const struct tsasl_conf *,
	    gnutls_certificate_credentials_t);
/* GNUTLS_CERT_REQUEST with a client CA, else GNUTLS_CERT_IGNORE. */
gnutls_certificate_request_t tsasl_cert_request(const struct tsasl_conf *);

/* True for a mechanism this module serves. */
bool	tsasl_knows(const char *mech);

/* Starts mech; tls is the server's session (NULL in plaintext), auth the
 * AUTH line advertised now, initial the initial response (NULL: none). */
void	tsasl_start(struct tsasl **, const struct tsasl_conf *,
	    const char *mech, gnutls_session_t tls, const char *auth,
	    const char *initial, struct tsasl_out *);
/* One response line of the client, without its CRLF. */
void	tsasl_input(struct tsasl *, const char *line, struct tsasl_out *);
void	tsasl_free(struct tsasl *);

#endif

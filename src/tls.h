/*
 * tls: the only module that includes GnuTLS headers (sasl also uses its
 * hash primitives).  A tls_ctx holds what is loaded once per process (trust
 * store, priorities); a tls_conn is one session over a connected,
 * non-blocking socket whose polling io does.
 *
 * Verification happens inside the handshake (a verify callback, as
 * gnutls_session_set_verify_cert does), so that a server that fails it
 * receives nothing but the handshake.  The callback also records the chain
 * into the caller's tls_facts first, so a failed certificate is still
 * reported in full.
 */
#ifndef TLSMAIL_TLS_H
#define TLSMAIL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "outcome.h"

/* Returned by tls_handshake, tls_recv and tls_send (never -1). */
#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)

/* TLS 1.2 minimum by default (RFC 8996, RFC 8997). */
#define TLS_DEFAULT_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct tls_conf {
	const char *cafile;	/* replaces the system trust when set */
	const char *priority;	/* GnuTLS priority string, NULL: default */
	const char *pin;	/* SHA-256 of the leaf certificate: 64 hex
				   digits, colons and case ignored; when set
				   it is the trust: chain checks are reported
				   but only the pin decides */
	bool	 no_verify;	/* user said --tls-verify=off in plain words */
	bool	 probe;		/* --probe: verify and record the verdict,
				   but let the handshake go on so that the
				   rest can be examined too */
	const char *certfile;	/* client certificate (later: EXTERNAL) */
	const char *keyfile;
};

struct tls_ctx;
struct tls_conn;

/* Errors: ERR_CONFIG (bad cafile, bad priority string with GnuTLS's
 * position, malformed pin), ERR_OS. */
int	tls_ctx_new(struct tls_ctx **, const struct tls_conf *, struct err *);
void	tls_ctx_free(struct tls_ctx *);

/* servername: the name the user gave; SNI is sent only when it is a DNS
 * name, and an IP literal is matched against iPAddress SANs only.  facts
 * is filled during and after the handshake and must outlive the conn. */
int	tls_conn_new(struct tls_conn **, struct tls_ctx *, int fd,
	    const char *servername, struct tls_facts *facts, struct err *);
void	tls_conn_free(struct tls_conn *);

/* One non-blocking step: 0 when done, TLS_WANT_READ/WRITE, or -1:
 * ERR_SECURITY (certificate not trusted, pin mismatch, no common protocol
 * version, e.g. a TLS 1.0-only server), ERR_PROTOCOL (data that is not
 * TLS: possible injection), ERR_TEMP (connection lost). */
int	tls_handshake(struct tls_conn *, struct err *);
/* Fills version, cipher, group, signature, resumable after a handshake. */
void	tls_facts_session(struct tls_conn *, struct tls_facts *);

/* > 0 bytes, 0 on end of stream, TLS_WANT_READ/WRITE, or -1 (ERR_TEMP on
 * a broken connection, ERR_PROTOCOL on a TLS-level error). */
ssize_t	tls_recv(struct tls_conn *, void *, size_t, struct err *);
ssize_t	tls_send(struct tls_conn *, const void *, size_t, struct err *);
/* Decrypted bytes waiting inside GnuTLS (poll would not see them). */
size_t	tls_pending(struct tls_conn *);
/* Channel binding data after the handshake (for SCRAM-PLUS): *type is
 * "tls-exporter" (TLS 1.3, RFC 9266) or "tls-unique" (TLS 1.2 with the
 * extended master secret, RFC 5929); buf holds *len octets (in: its
 * size).  -1 with *type NULL when the session offers no safe binding. */
int	tls_channel_binding(struct tls_conn *, const char **type,
	    unsigned char *buf, size_t *len);
/* True when we presented a client certificate in the handshake. */
bool	tls_client_cert_sent(struct tls_conn *);
/* Best effort close_notify, never blocks. */
void	tls_bye(struct tls_conn *);

#endif

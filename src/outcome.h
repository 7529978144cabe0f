/*
 * outcome: everything known about one session when it ends, filled by smtp
 * and tls, read by report (human text, JSON, log line, probe verdict).
 * Nothing in here is secret: no password, no AUTH payload.
 *
 * Ownership: strings are heap copies owned by the outcome; outcome_free
 * releases them.  Strings that came from the server are stored raw and are
 * sanitised by report when printed.
 */
#ifndef TLSMAIL_OUTCOME_H
#define TLSMAIL_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

struct cert_facts {
	char	*subject;	/* RFC 4514 DN */
	char	*issuer;
	char	*sans;		/* "DNS:a, DNS:b, IP:127.0.0.1", "" if none */
	char	*serial;	/* hex */
	char	*sig_alg;	/* e.g. "RSA-SHA256" */
	time_t	 not_before;
	time_t	 not_after;
	char	 key_type[16];	/* "RSA", "ECDSA", "EdDSA (Ed25519)" ... */
	unsigned key_bits;
	char	 sha256[96];	/* "AB:CD:..." of the DER certificate */
	char	 pin_sha256[64];/* base64 SHA-256 of the SubjectPublicKeyInfo */
};

/* The OCSP response the server stapled (RFC 6066 section 8, RFC 6960). */
enum outcome_ocsp {
	OUTCOME_OCSP_NONE = 0,	/* none stapled */
	OUTCOME_OCSP_GOOD,
	OUTCOME_OCSP_REVOKED,
	OUTCOME_OCSP_UNKNOWN,	/* the responder does not know the cert */
	OUTCOME_OCSP_INVALID	/* unparsable, badly signed or stale */
};

/* One extra handshake per protocol version (probe): what it showed. */
enum outcome_ver {
	OUTCOME_VER_UNTESTED = 0,
	OUTCOME_VER_ACCEPTED,
	OUTCOME_VER_REFUSED,
	OUTCOME_VER_UNKNOWN	/* the connection failed for another reason */
};

/* TLS 1.0, 1.1, 1.2, 1.3, in that order, in tls_versions[]. */
#define OUTCOME_NVERS	4

struct tls_facts {
	bool	 active;	/* a handshake completed */
	char	 version[16];	/* "TLS1.3" */
	char	 cipher[96];	/* IANA-style suite name */
	char	 kx_group[32];	/* "X25519", "SECP256R1", ... or "" */
	char	 sig_alg[48];	/* server's handshake signature algorithm */
	bool	 resumable;	/* the server issued a session ticket */
	struct cert_facts *chain;/* as the server sent it, leaf first */
	size_t	 nchain;
	bool	 verified;	/* chain and name verified (or pin matched) */
	bool	 pinned;	/* a fingerprint pin was checked */
	bool	 pin_matched;
	unsigned verify_status;	/* gnutls_certificate_status_t bits */
	char	*verify_reason;	/* GnuTLS's words, "" when verified */
	bool	 chain_in_order;	/* each certificate signed by the next */
	bool	 chain_complete;	/* leads from the leaf to a trust anchor
				   or a self-signed root */
	enum outcome_ocsp ocsp;	/* the stapled OCSP response */
};

struct rcpt_result {
	char	*addr;
	int	 code;		/* reply code to RCPT, 0 if never answered */
	char	*text;		/* the reply text */
};

/* The message as it was fitted to the server (fit.h); a send only. */
struct msg_facts {
	bool	 fitted;	/* fit ran, so the fields below are known */
	size_t	 size;		/* octets as sent, before dot-stuffing */
	bool	 eightbit;	/* sent with BODY=8BITMIME (RFC 6152) */
	bool	 smtputf8;	/* sent with SMTPUTF8 (RFC 6531) */
	bool	 converted;	/* 8-bit parts re-encoded as 7-bit (mime8.h) */
};

struct outcome {
	char	*server;	/* host name as the user gave it */
	char	 address[64];	/* numeric address connected to */
	unsigned port;
	char	*greeting;
	char	*caps_plain;	/* EHLO keywords before TLS, "\n"-separated */
	char	*caps_tls;	/* EHLO keywords after TLS */
	struct tls_facts tls;
	char	 auth_mech[32];	/* "" when no AUTH was done */
	struct rcpt_result *rcpts;
	size_t	 nrcpt;
	int	 final_code;	/* reply to the end of data, 0 if none */
	char	*final_text;
	bool	 delivered;	/* the server accepted the message */
	bool	 delivery_unknown; /* connection lost awaiting final reply */
	unsigned round_trips;	/* client flights that waited for a reply */
	unsigned writes;	/* transport writes (pipelined groups) */
	struct err err;
	bool	 implicit_tls;	/* TLS from the first byte (RFC 8314) */
	bool	 tls_off;	/* --tls=off: plaintext was asked for */
	bool	 starttls_offered; /* STARTTLS in the EHLO before TLS */
	int	 starttls_code;	/* reply to STARTTLS, 0 if never sent */
	bool	 auth_in_clear;	/* AUTH offered before TLS */
	struct msg_facts msg;
	enum outcome_ver tls_versions[OUTCOME_NVERS];	/* probe only */
};

void	outcome_init(struct outcome *);
void	outcome_free(struct outcome *);
void	tls_facts_free(struct tls_facts *);
/* "TLS1.0" ... "TLS1.3" for tls_versions[i] (GnuTLS's spelling). */
const char *outcome_version_name(size_t i);
/* "none", "good", "revoked", "unknown", "invalid". */
const char *outcome_ocsp_name(enum outcome_ocsp);
/* "untested", "accepted", "refused", "unknown". */
const char *outcome_ver_name(enum outcome_ver);

#endif

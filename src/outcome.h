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
};

struct rcpt_result {
	char	*addr;
	int	 code;		/* reply code to RCPT, 0 if never answered */
	char	*text;		/* the reply text */
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
};

void	outcome_init(struct outcome *);
void	outcome_free(struct outcome *);
void	tls_facts_free(struct tls_facts *);

#endif

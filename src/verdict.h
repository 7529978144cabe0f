/*
 * verdict: what a probe's outcomes mean for a mail admin, as a pure
 * function: outcomes and thresholds in, a level (ok, warn, fail) and the
 * reasons for it out.  It prints nothing and reads no clock: the caller
 * passes "now".  report words it for people and for JSON; exitcode turns
 * it into the monitoring exit status.
 */
#ifndef TLSMAIL_VERDICT_H
#define TLSMAIL_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "outcome.h"

enum verdict_level { VERDICT_OK = 0, VERDICT_WARN, VERDICT_FAIL };

/* One code per kind of finding; verdict_code_name gives the stable
 * spelling used in JSON. */
enum verdict_code {
	VERDICT_UNREACHABLE,	/* no answer: listed, not counted */
	VERDICT_SESSION_FAILED,	/* the session or handshake failed */
	VERDICT_NO_STARTTLS,
	VERDICT_STARTTLS_REFUSED,
	VERDICT_AUTH_IN_CLEAR,
	VERDICT_OLD_TLS,		/* TLS 1.0 or 1.1 accepted */
	VERDICT_VERIFY_FAILED,
	VERDICT_CERT_EXPIRED,
	VERDICT_CERT_NOT_YET_VALID,
	VERDICT_CERT_EXPIRING,
	VERDICT_WEAK_KEY,
	VERDICT_WEAK_SIGNATURE,
	VERDICT_CHAIN_INCOMPLETE,
	VERDICT_CHAIN_ORDER,
	VERDICT_OCSP_REVOKED,
	VERDICT_OCSP_INVALID
};

#define VERDICT_TEXT_MAX 256

struct verdict_reason {
	enum verdict_level level;	/* VERDICT_OK: for information only */
	enum verdict_code code;
	unsigned port;
	/* may hold bytes from the server: sanitise when printed */
	char	 text[VERDICT_TEXT_MAX];
};

struct verdict {
	enum verdict_level level;	/* the worst reason's */
	bool	 probed;		/* at least one port answered */
	struct verdict_reason *reasons;	/* in port order */
	size_t	 nreasons;
};

struct verdict_conf {
	int	 warn_days;	/* warn when a certificate has fewer */
	time_t	 now;
};

/* Judges the outcomes of one probe, one per port.  Returns 0, or -1 with
 * ERR_OS when out of memory. */
int	verdict_judge(struct verdict *, const struct outcome *, size_t n,
	    const struct verdict_conf *, struct err *);
void	verdict_free(struct verdict *);

/* Whether the port answered at all: a greeting, or a TLS handshake. */
bool	verdict_reached(const struct outcome *);

/* "ok", "warn", "fail"; and "cert-expiring" and the like. */
const char *verdict_level_name(enum verdict_level);
const char *verdict_code_name(enum verdict_code);

#endif

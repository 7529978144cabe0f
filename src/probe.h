/*
 * probe: "is this server using TLS, and how well?"  The same session as a
 * send (smtp_open with no credentials, then smtp_close: QUIT, never MAIL),
 * run once per port, plus one short session per TLS version from 1.0 to
 * 1.3 whose only purpose is to see whether the server accepts it.
 * Everything learned goes into one outcome per port; verdict judges them
 * and report words them.  Nothing here prints: the -v transcript goes
 * through the trace callback, each extra handshake announced as a probe.
 */
#ifndef TLSMAIL_PROBE_H
#define TLSMAIL_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "outcome.h"
#include "plan.h"
#include "smtp.h"

/* Without a port: submission (587, STARTTLS), submissions (465,
 * implicit TLS) and smtp (25, STARTTLS), in that order. */
#define PROBE_PORT_SMTP	25

struct probe_conf {
	const char *host;
	unsigned port;			/* 0: 587, 465 and 25 */
	enum plan_tls tls;		/* with a port: its TLS mode */
	const char *cafile;		/* NULL: the system trust */
	const char *priority;		/* main session's; NULL: default */
	const char *pin;		/* --fingerprint */
	const char *ehlo;		/* NULL: our address literal */
	int	 timeout_ms;
	bool	 versions;		/* the per-version handshakes */
	smtp_trace_fn trace;		/* NULL: no transcript */
	void	*trace_ctx;
};

struct probe_result {
	struct outcome *outs;		/* one per port, in probe order */
	size_t	 n;
};

/* Probes every port.  A port that cannot be reached or fails is recorded
 * in its outcome (err), not returned: -1 is only for what stops the whole
 * probe, ERR_CONFIG (bad --cafile or --tls-priority) and ERR_OS. */
int	probe_run(struct probe_result *, const struct probe_conf *,
	    struct err *);
void	probe_result_free(struct probe_result *);

#endif

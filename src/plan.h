/*
 * plan: the settings one send runs with, merged from the command line (and,
 * with the drop-in work, from the configuration files).  Every default and
 * every rule that ties options together lives here, so that smtp and main
 * read one settled structure.
 */
#ifndef TLSMAIL_PLAN_H
#define TLSMAIL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "err.h"

enum plan_tls { PLAN_TLS_STARTTLS, PLAN_TLS_IMPLICIT, PLAN_TLS_OFF };

enum plan_pw { PLAN_PW_NONE, PLAN_PW_FILE, PLAN_PW_ENV, PLAN_PW_EVAL };

#define PLAN_PORT_SUBMISSION	587	/* RFC 6409 */
#define PLAN_PORT_SUBMISSIONS	465	/* RFC 8314 */
#define PLAN_TIMEOUT_DEFAULT	60

struct plan {
	const char *host;
	unsigned port;
	enum plan_tls tls;
	const char *cafile;
	const char *fingerprint;
	const char *tls_priority;
	bool	 tls_no_verify;
	const char *user;		/* NULL: no AUTH */
	enum plan_pw pw_source;
	const char *pw_arg;		/* file, variable or command */
	const char *auth;		/* NULL/"on": choose; else a mechanism */
	bool	 allow_plaintext_auth;
	const char *from;		/* envelope sender, "" for <> */
	bool	 read_rcpts;
	const char *const *rcpts;	/* from the command line */
	size_t	 nrcpt;
	int	 timeout;		/* seconds, per step */
	char	*ehlo;			/* owned */
	bool	 report;
	int	 verbose;
};

/* Settles the plan; ERR_USAGE for options that contradict each other or
 * are missing (no --host, AUTH over plaintext without the opt-in, ...). */
int	plan_build(struct plan *, const struct options *, struct err *);
void	plan_free(struct plan *);

/* This host's name for EHLO (RFC 5321 4.1.1.1): its FQDN, never
 * "localhost"; NULL when there is none, and the session then greets with
 * its address literal.  Caller frees. */
char	*plan_default_ehlo(void);

/* Checks an EHLO name: a domain or an address literal, nothing that could
 * end the command line. */
int	plan_check_ehlo(const char *, struct err *);

#endif

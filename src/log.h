/*
 * log: one line per message sent or tried, to the log file and/or syslog
 * that the configuration names (logfile, syslog).  Like report it only
 * reads: the plan, the outcome and the envelope.  It never writes a
 * secret (no password, no AUTH payload, not even the user name), and
 * every byte that came from the server or the message is sanitised, so a
 * line stays one line.
 *
 *	account=work host=smtp.example.org tls=TLS1.3/TLS_AES_256_GCM_SHA384
 *	auth=PLAIN from=a@example.org recipients=b@example.net,c@example.net
 *	size=1234 reply="250 2.0.0 Ok: queued as 4Xy" exitcode=EX_OK
 *
 * (one line; "error=..." follows the reply when tlsmail failed).  The log
 * file gets the local time first, ISO 8601 with its UTC offset; syslog
 * adds its own.
 */
#ifndef TLSMAIL_LOG_H
#define TLSMAIL_LOG_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "outcome.h"
#include "plan.h"

struct log_entry {
	const struct plan *plan;
	const struct outcome *out;	/* may be NULL: nothing was tried */
	const struct err *err;		/* the failure, ERR_NONE if none */
	const char *from;
	const char *const *rcpts;
	size_t	 nrcpt;
	size_t	 size;			/* message octets, 0 if unknown */
	int	 status;		/* the exit status */
};

/* The line without time stamp and newline; a new string, NULL when out
 * of memory. */
char	*log_format(const struct log_entry *);

/* Writes the line where plan->logfile and plan->syslog say; nothing when
 * neither is set.  The log file is created with mode 0600 and appended to
 * with one write.  Errors: ERR_OS naming the file; the message was sent
 * or not all the same, so callers only warn. */
int	log_message(const struct log_entry *, time_t now, struct err *);

/* "EX_OK", "EX_TEMPFAIL", ... for a sysexits(3) status. */
const char *log_exit_name(int status);

#endif

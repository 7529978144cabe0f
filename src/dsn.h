/*
 * dsn: the ESMTP parameters of Delivery Status Notifications (RFC 3461):
 * NOTIFY on RCPT, RET and ENVID on MAIL, from the settings that plan
 * checked (-N, -R, -V, dsn_notify, dsn_return).  Pure functions.
 */
#ifndef TLSMAIL_DSN_H
#define TLSMAIL_DSN_H

#include <stdbool.h>

#include "err.h"

/* The parameter values as they go on the wire; NULL: not requested. */
struct dsn {
	char	*notify;	/* "NEVER" or "SUCCESS,FAILURE,DELAY" */
	char	*ret;		/* "FULL" or "HDRS" */
	char	*envid;		/* xtext */
};

/*
 * Builds the values from plan's words: notify "never" or a comma list of
 * "success", "failure", "delay" (any case); ret "full", "headers" or
 * "hdrs"; envid printable ASCII without spaces, at most 100 characters
 * (RFC 3461 4.4).
 * Each may be NULL.  Errors: ERR_USAGE for a word outside those,
 * ERR_OS.
 */
int	dsn_build(struct dsn *, const char *notify, const char *ret,
	    const char *envid, struct err *);
/* True when any parameter was requested. */
bool	dsn_requested(const struct dsn *);
void	dsn_free(struct dsn *);

/*
 * RFC 3461 section 4: xtext.  '+', '=' and every byte outside 33..126
 * become "+XX" (upper-case hex); the caller frees.  NULL: out of memory.
 */
char	*dsn_xtext(const char *);

#endif

/*
 * fit: makes one message and its envelope fit what the server offers.  It
 * runs between smtp_open, which learns the server's extensions, and
 * smtp_send, so that nothing is decided on a guess:
 *
 *  - DSN (RFC 3461): NOTIFY, RET and ENVID go out when they were asked
 *    for and the server offers DSN; asked for and not offered is an
 *    error, ERR_UNAVAILABLE (exit 69), before MAIL: the notifications the
 *    sender relies on would silently not exist.
 *  - SMTPUTF8 (RFC 6531): when an address or the header is not ASCII and
 *    the server offers SMTPUTF8, MAIL carries SMTPUTF8 and the addresses
 *    go as they are.  Otherwise domains go in A-labels (idn.h), and a
 *    local part that is not ASCII is an error, ERR_DATA (exit 65).
 *  - 8BITMIME and line length (RFC 6152, RFC 5321 4.5.3.1.6): a message
 *    that breaks a rule is converted (mime8.h) or refused, ERR_DATA.
 */
#ifndef TLSMAIL_FIT_H
#define TLSMAIL_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "dsn.h"
#include "err.h"
#include "msg.h"
#include "smtp.h"

struct fit_conf {
	bool	 seven_bit;	/* -B7BIT: send the body 7-bit whatever
				   the server offers */
	const char *dsn_notify;	/* plan's words; NULL: not asked for */
	const char *dsn_return;
	const char *dsn_envid;
	const char *boundary;	/* mime8_conf's, for tests; NULL */
};

/* What fit made; m's strings point here until fit_free. */
struct fit {
	char	*from;
	char	**rcpts;
	size_t	 nrcpt;
	struct dsn dsn;
	bool	 converted;	/* the message was re-encoded */
};

/*
 * Fits the message (converted in place, msg_filter) and the envelope to
 * caps (smtp_caps), and fills m: from, rcpts, size, eightbit, smtputf8
 * and the DSN parameters.  Errors: ERR_UNAVAILABLE, ERR_DATA as above,
 * ERR_USAGE for DSN words plan should have refused, ERR_OS.
 */
int	fit_apply(struct fit *, const struct fit_conf *, unsigned caps,
	    struct msg *, const char *from, const char *const *rcpts,
	    size_t nrcpt, struct smtp_msg *m, struct err *);
void	fit_free(struct fit *);

#endif

/*
 * secret: getting the password from where the user keeps it (a file, an
 * environment variable, a command), never from argv, and wiping it after
 * use.  The returned buffer is owned by the caller and released with
 * secret_free, which overwrites it first.
 */
#ifndef TLSMAIL_SECRET_H
#define TLSMAIL_SECRET_H

#include "err.h"
#include "plan.h"

#define SECRET_MAX	4096	/* longest password or token accepted */

/*
 * Fetches the secret for plan->pw_source.  Errors: ERR_CONFIG for a file
 * that others can read or that another user owns (with the chmod/chown fix
 * in the hint), an unset variable, a command that fails or prints nothing;
 * ERR_NOINPUT for a file that cannot be read.
 */
int	secret_get(const struct plan *, char **secret, struct err *);
void	secret_free(char *);

#endif

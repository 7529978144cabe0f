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
/* Overwrites a string, then frees it; NULL is fine. */
void	secret_free(char *);
/* Overwrites n bytes in a way the compiler may not drop as a dead store:
 * every copy of a password or key goes through here before its memory is
 * given back. */
void	secret_wipe(void *, size_t n);

#endif

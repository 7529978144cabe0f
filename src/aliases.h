/*
 * aliases: local recipients (cron mails "root" or a bare user name, which
 * mean nothing to a smarthost) made into real addresses for the envelope,
 * from an aliases file and the configured mail domain.  The message's
 * header is not touched.
 *
 * The file has /etc/aliases syntax (aliases(5)):
 *
 *	# comment
 *	name: value, value, ...
 *	  continuation lines start with a blank
 *	default: admin@example.org
 *
 * Names match ignoring case.  A value with '@' is an address; a value
 * without is a local name and is looked up in turn, up to
 * ALIASES_DEPTH_MAX levels; a name inside its own expansion stands for
 * itself ("root: root, ops@example.org" keeps root).  "default" answers
 * for every local name the file does not list (a local name that
 * "default" itself gives stands for itself, by the same rule).  Values
 * that are commands ("|..."), files ("/...") or ":include:" lists are
 * accepted in the file, since a system's /etc/aliases may hold them, but
 * refused when a recipient would need one: tlsmail relays and delivers
 * nothing locally.
 *
 * Local names still left after the aliases get "@domain" when a domain is
 * configured; without one they are sent as they are.
 */
#ifndef TLSMAIL_ALIASES_H
#define TLSMAIL_ALIASES_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define ALIASES_DEPTH_MAX	16

struct aliases;

/* Reads an aliases file from fp; name is for messages.  Errors:
 * ERR_CONFIG "name:line: what" (syntax, a bad address, a name given
 * twice, a control character), ERR_OS. */
int	aliases_parse(struct aliases **, FILE *fp, const char *name,
	    struct err *);
/* Opens path and parses it; ERR_CONFIG when it cannot be read. */
int	aliases_load(struct aliases **, const char *path, struct err *);
void	aliases_free(struct aliases *);

/*
 * The envelope recipients in[0..n) with every local name expanded through
 * al (which may be NULL) and qualified with domain (which may be NULL).
 * Duplicates are dropped, the first kept (local parts compared exactly,
 * domains ignoring case).  *out is a new array of new strings, released
 * with aliases_list_free.  Errors: ERR_CONFIG for a loop too deep or a
 * value tlsmail cannot deliver to, naming the file and line; ERR_OS.
 */
int	aliases_resolve(const struct aliases *al, const char *domain,
	    const char *const *in, size_t n, char ***out, size_t *nout,
	    struct err *);
void	aliases_list_free(char **, size_t);

/* addr itself, or "addr@domain" when addr is a local name and domain is
 * set; a new string, NULL when out of memory. */
char	*aliases_qualify(const char *addr, const char *domain);

#endif

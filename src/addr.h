/*
 * addr: mail addresses.  Envelope addresses are checked before they go
 * into a command, so that no input can add a line to the SMTP dialogue;
 * header address lists (To, Cc, Bcc for -t) are parsed with RFC 5322
 * section 3.4 syntax.  Pure functions over buffers.
 */
#ifndef TLSMAIL_ADDR_H
#define TLSMAIL_ADDR_H

#include <stddef.h>

#include "err.h"

/* RFC 5321 section 4.5.3.1 limits. */
#define ADDR_LOCAL_MAX	64
#define ADDR_DOMAIN_MAX	255
#define ADDR_PATH_MAX	256

/*
 * Checks an envelope address given without angle brackets
 * ("user@example.org", "\"a b\"@example.org", "user@[192.0.2.1]").
 * Rejects CR, LF, NUL and every other control character, '<' '>' and
 * unquoted spaces, and lengths over the RFC 5321 limits.  An empty string
 * is accepted only when allow_empty (the null reverse-path "<>").
 * Bare local names without '@' are accepted (the sendmail personality maps
 * them later).  8-bit bytes are accepted here; the session decides whether
 * the server can take them.  Returns 0, or -1 with ERR_USAGE and a message
 * naming what is wrong, with the offending byte shown escaped.
 */
int	addr_check(const char *addr, int allow_empty, struct err *);

/*
 * Parses an RFC 5322 address-list header body (unfolded or folded), such as
 * "Ann <a@x.org>, \"B, C\" <b@y.org> (work), team: d@z.org, e@z.org;".
 * Calls cb once per addr-spec found, in order, with the address as it goes
 * into the envelope (no brackets, no comments, no display name, quoted
 * local parts kept quoted).  Groups yield their members; an empty group
 * ("undisclosed-recipients:;") yields nothing.  Outside angle brackets a
 * bare local part ("To: root") is yielded as it is, as addr_check accepts
 * it; obsolete empty elements and routes are accepted, routes dropped.
 * Every address passes addr_check first; its failure is reported here as
 * ERR_DATA, STEP_MESSAGE.  Returns 0, or -1 with
 * ERR_DATA when the list cannot be parsed, or when cb returns non-zero
 * (cb then has filled e).
 */
typedef int (*addr_cb)(void *ctx, const char *addr, struct err *);
int	addr_list_parse(const char *value, size_t len, addr_cb cb, void *ctx,
	    struct err *);

#endif

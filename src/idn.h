/*
 * idn: internationalised envelope addresses (RFC 6530).  A server that
 * does not offer SMTPUTF8 takes ASCII addresses only: a domain in
 * U-labels becomes its A-labels (IDNA2008, RFC 5890, through libidn2 with
 * UTS #46 non-transitional processing), and a local part that is not
 * ASCII cannot be expressed at all.  Pure functions over strings.
 */
#ifndef TLSMAIL_IDN_H
#define TLSMAIL_IDN_H

#include <stdbool.h>

#include "err.h"

/* True when every byte is ASCII. */
bool	idn_is_ascii(const char *);

/*
 * The address (as addr_check accepts it) with its domain in A-labels, in
 * a string the caller frees.  An all-ASCII address, an address literal and
 * a bare name are copied unchanged.  Errors: ERR_DATA for a local part
 * that is not ASCII (it needs SMTPUTF8, RFC 6531 section 3.3) and for a
 * domain that IDNA2008 refuses (the message names libidn2's reason),
 * ERR_OS.
 */
int	idn_addr_ascii(const char *addr, char **out, struct err *);

/*
 * Checks the domain of an address that goes to an SMTPUTF8 server as it
 * is: it must convert to A-labels, so that the server can look it up.
 * Errors: as idn_addr_ascii, except for the local part.
 */
int	idn_addr_check(const char *addr, struct err *);

#endif

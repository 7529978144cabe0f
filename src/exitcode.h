/*
 * exitcode: the one table from a failure to a sysexits(3) status.  Only
 * main calls it; the man page's EXIT STATUS section lists the same table.
 */
#ifndef TLSMAIL_EXITCODE_H
#define TLSMAIL_EXITCODE_H

#include "err.h"

/* 0 for ERR_NONE, else the sysexits code for the failure. */
int	exitcode_of(const struct err *);

#endif

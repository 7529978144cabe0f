/*
 * exitcode: the one table from a failure to a sysexits(3) status.  Only
 * main calls it; the man page's EXIT STATUS section lists the same table.
 */
#ifndef TLSMAIL_EXITCODE_H
#define TLSMAIL_EXITCODE_H

#include "err.h"
#include "verdict.h"

/* 0 for ERR_NONE, else the sysexits code for the failure. */
int	exitcode_of(const struct err *);

/* --probe, after the Nagios plugin convention: 0 ok, 1 warn, 2 fail, 3
 * could not probe (v NULL: the probe stopped before any port answered,
 * e.g. a usage or configuration error). */
#define EXITCODE_PROBE_OK	0
#define EXITCODE_PROBE_WARN	1
#define EXITCODE_PROBE_FAIL	2
#define EXITCODE_PROBE_UNKNOWN	3
int	exitcode_probe(const struct verdict *v);

#endif

/*
 * ckmsg: a struct msg made from bytes in memory, and its spool read back,
 * for the suites that check what msg and its filters spool (check_hdrfill,
 * check_mime8).  Failures are Check assertions; e is the suite's.
 */
#ifndef TLSMAIL_CKMSG_H
#define TLSMAIL_CKMSG_H

#include <stddef.h>

#include "msg.h"

/* msg_read over data[0..len), through a file as standard input would be. */
struct msg	*ckmsg_from(const char *data, size_t len,
		    const struct msg_opts *, struct err *);

/* The whole spool from its start, NUL-terminated, *len its length; the
 * caller frees it. */
char		*ckmsg_bytes(struct msg *, size_t *len, struct err *);

#endif

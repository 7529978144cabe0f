/*
 * fuzzmsg: what the harnesses over a spooled message (fuzz_msg,
 * fuzz_mime8) share.  A header of static functions, so that run.sh can
 * still build each harness from its one .c file.
 */
#ifndef TLSMAIL_FUZZMSG_H
#define TLSMAIL_FUZZMSG_H

#include "fuzz.h"
#include "msg.h"

/* Reads the whole spool into *out (the caller frees it); returns its
 * length, which must be msg_size's. */
static inline size_t
fuzz_spool(struct msg *m, char **out)
{
	size_t len = 0, cap = msg_size(m) + 1;
	struct err e;
	ssize_t r;

	err_clear(&e);
	*out = malloc(cap);
	FUZZ_CHECK(*out != NULL);
	FUZZ_CHECK(msg_rewind(m, &e) == 0);
	while ((r = msg_read_chunk(m, *out + len, cap - len, &e)) > 0)
		len += (size_t)r;
	FUZZ_CHECK(r == 0 && len == msg_size(m));
	return len;
}

#endif

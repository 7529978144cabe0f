/*
 * ckmsg: messages from memory for the spool suites (ckmsg.h).
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ckmsg.h"

struct msg *
ckmsg_from(const char *data, size_t len, const struct msg_opts *o,
    struct err *e)
{
	FILE *f = tmpfile();
	struct msg *m = NULL;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(lseek(fileno(f), 0, SEEK_SET), 0);
	ck_assert_msg(msg_read(&m, fileno(f), o, e) == 0, "%s", e->msg);
	fclose(f);
	return m;
}

char *
ckmsg_bytes(struct msg *m, size_t *len, struct err *e)
{
	size_t cap = msg_size(m) + 1;
	char *b = malloc(cap);
	ssize_t n;

	*len = 0;
	ck_assert_int_eq(msg_rewind(m, e), 0);
	while ((n = msg_read_chunk(m, b + *len, cap - *len, e)) > 0)
		*len += (size_t)n;
	ck_assert_int_eq(n, 0);
	b[*len] = '\0';
	return b;
}

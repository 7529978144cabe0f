/*
 * The SMTP reply parser (reply.c), fed the input as server lines split at
 * LF, as io_getline would hand them over (a CR before the LF is dropped).
 * Invariants: a complete reply has a valid code and exactly nlines lines
 * that reply_line can walk, even when the text holds NUL bytes; a failure
 * is always ERR_PROTOCOL.
 */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "reply.h"

static void
fuzz_reply_walk(const struct reply *r)
{
	size_t len, total = 0, i;
	const char *line;

	FUZZ_CHECK(r->code >= 200 && r->code <= 559);
	FUZZ_CHECK(r->nlines >= 1 && r->nlines <= REPLY_LINES_MAX);
	for (i = 0; (line = reply_line(r, i, &len)) != NULL; i++) {
		FUZZ_CHECK(line >= r->text && line + len <= r->text + r->len);
		FUZZ_CHECK(memchr(line, '\n', len) == NULL);
		total += len + (i > 0);
	}
	FUZZ_CHECK(i == r->nlines);
	FUZZ_CHECK(total == r->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct reply r;
	struct err e;

	reply_init(&r);
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf ? (size_t)(lf - p) : (size_t)(end - p);
		size_t used = n + (lf != NULL);
		int rc;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		err_clear(&e);
		rc = reply_feed(&r, p, n, STEP_EHLO, &e);
		if (rc < 0)
			FUZZ_CHECK(e.cls == ERR_PROTOCOL && e.msg[0] != '\0');
		if (rc == 1)
			fuzz_reply_walk(&r);
		if (rc != 0)
			reply_reset(&r);
		p += used;
	}
	reply_free(&r);
	return 0;
}

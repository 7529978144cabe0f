/*
 * The DATA filter (dot.c): line endings normalised, leading dots doubled,
 * one terminator.  The first input byte picks where the rest is split into
 * chunks (the filter carries state across calls).  Invariants:
 *  - the output has CR LF line endings only, and ends with CR LF . CR LF;
 *  - CR LF . CR LF occurs once, at the very end (no smuggled end of data);
 *  - every line that starts with '.' before the terminator starts with
 *    "..", and un-stuffing it gives back the normalised input, computed
 *    here independently (CR LF, a bare CR and a bare LF each end a line;
 *    a last line without an ending gets CR LF);
 *  - the output does not depend on how the input was split.
 */
#include <config.h>

#include <string.h>

#include "dot.h"
#include "fuzz.h"

/* The reference normalisation, one byte at a time, no state machine. */
static size_t
fuzz_normalise(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
				i++;
		} else
			out[o++] = in[i];
	}
	if (o > 0 && !(o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Runs the filter over in, split every step bytes (0: in one call). */
static size_t
fuzz_filter(const char *in, size_t n, size_t step, unsigned flags, char *out)
{
	struct dot_filter f;
	size_t o = 0;

	dot_init(&f, flags);
	if (step == 0)
		step = n ? n : 1;
	for (size_t i = 0; i < n; i += step)
		o += dot_run(&f, in + i, n - i < step ? n - i : step, out + o);
	return o + dot_finish(&f, out + o);
}

static void
fuzz_check_crlf(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r')
			FUZZ_CHECK(i + 1 < n && p[i + 1] == '\n');
		if (p[i] == '\n')
			FUZZ_CHECK(i > 0 && p[i - 1] == '\r');
	}
}

/* Un-stuffs the body (without its terminator) into out; returns its
 * length.  Every line that starts with '.' must start with "..". */
static size_t
fuzz_unstuff(const char *p, size_t n, char *out)
{
	size_t o = 0;
	bool bol = true;

	for (size_t i = 0; i < n; i++) {
		if (bol && p[i] == '.') {
			FUZZ_CHECK(i + 1 < n && p[i + 1] == '.');
			i++;
		}
		out[o++] = p[i];
		bol = p[i] == '\n';
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t n = size ? size - 1 : 0, step, len, blen, ulen, rlen;
	char *a, *b, *u, *ref;
	const char *hit;

	if (size == 0)
		return 0;
	step = data[0] % 17;
	a = malloc(DOT_OUT_MAX(n) + DOT_FINISH_MAX);
	b = malloc(DOT_OUT_MAX(n) + DOT_FINISH_MAX);
	u = malloc(DOT_OUT_MAX(n) + DOT_FINISH_MAX);
	ref = malloc(DOT_OUT_MAX(n) + 2);
	FUZZ_CHECK(a && b && u && ref);

	len = fuzz_filter(in, n, step, DOT_STUFF, a);
	blen = fuzz_filter(in, n, 0, DOT_STUFF, b);
	FUZZ_CHECK(len == blen && memcmp(a, b, len) == 0);
	fuzz_check_crlf(a, len);
	FUZZ_CHECK(len >= 3 && memcmp(a + len - 3, ".\r\n", 3) == 0);
	FUZZ_CHECK(len == 3 || (len >= 5 && a[len - 5] == '\r'));
	hit = memmem(a, len, "\r\n.\r\n", 5);
	FUZZ_CHECK(hit == NULL || hit == a + len - 5);
	ulen = fuzz_unstuff(a, len - 3, u);
	rlen = fuzz_normalise(in, n, ref);
	FUZZ_CHECK(ulen == rlen && memcmp(u, ref, ulen) == 0);

	/* Without stuffing (BDAT, the spool): the normalised input itself. */
	len = fuzz_filter(in, n, step, 0, a);
	FUZZ_CHECK(len == rlen && memcmp(a, ref, len) == 0);
	free(a);
	free(b);
	free(u);
	free(ref);
	return 0;
}

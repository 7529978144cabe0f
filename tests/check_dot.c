/*
 * Check suite for the dot filter: exact bytes for handwritten cases, and
 * for nasty and random inputs the properties SMTP relies on (RFC 5321
 * 4.5.2): output independent of how the input is split, CR LF the only
 * line ending, the terminator the only CR LF . CR LF, and stuffing that
 * undoes to the normalised message.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "ckrun.h"

struct buf {
	char	*p;
	size_t	 len;
};

static void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

/* Runs the filter over in, split into pieces of at most step bytes after
 * the first cut bytes (cut == len: one call). */
static struct buf
filter_split(const char *in, size_t len, unsigned flags, size_t cut,
    size_t step)
{
	struct dot_filter f;
	struct buf out;
	size_t off;

	out.p = malloc(DOT_OUT_MAX(len) + DOT_FINISH_MAX + 1);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	dot_init(&f, flags);
	out.len += dot_run(&f, in, cut, out.p);
	for (off = cut; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;

		out.len += dot_run(&f, in + off, n, out.p + out.len);
	}
	out.len += dot_finish(&f, out.p + out.len);
	return out;
}

static struct buf
filter(const char *in, size_t len, unsigned flags)
{
	return filter_split(in, len, flags, len, 1);
}

/*
 * A reference written differently from dot.c: first every CR LF, then
 * every lone CR, becomes LF; a missing final LF is added; then each line
 * is written with CR LF, a leading '.' doubled when stuffing.
 */
static struct buf
reference(const char *in, size_t len, unsigned flags)
{
	struct buf lf, out;
	size_t i, start;

	lf.p = malloc(len + 1);
	ck_assert_ptr_nonnull(lf.p);
	lf.len = 0;
	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		lf.p[lf.len++] = in[i] == '\r' ? '\n' : in[i];
	}
	if (lf.len > 0 && lf.p[lf.len - 1] != '\n')
		lf.p[lf.len++] = '\n';

	out.p = malloc(2 * lf.len + 4);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	for (start = 0; start < lf.len; start = i + 1) {
		i = start;
		while (lf.p[i] != '\n')
			i++;
		if ((flags & DOT_STUFF) && lf.p[start] == '.')
			out.p[out.len++] = '.';
		memcpy(out.p + out.len, lf.p + start, i - start);
		out.len += i - start;
		memcpy(out.p + out.len, "\r\n", 2);
		out.len += 2;
	}
	if (flags & DOT_STUFF) {
		memcpy(out.p + out.len, ".\r\n", 3);
		out.len += 3;
	}
	buf_free(&lf);
	return out;
}

static void
assert_bytes(const struct buf *got, const char *want, size_t wlen,
    const char *what)
{
	ck_assert_msg(got->len == wlen && memcmp(got->p, want, wlen) == 0,
	    "%s: got %zu bytes, want %zu", what, got->len, wlen);
}

/* Every CR is followed by LF and every LF preceded by CR. */
static void
assert_only_crlf(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		if (b->p[i] == '\r')
			ck_assert_msg(i + 1 < b->len && b->p[i + 1] == '\n',
			    "bare CR at %zu", i);
		if (b->p[i] == '\n')
			ck_assert_msg(i > 0 && b->p[i - 1] == '\r',
			    "bare LF at %zu", i);
	}
}

/* In "\r\n" + out, the only CR LF . CR LF is the one ending out. */
static void
assert_one_terminator(const struct buf *b)
{
	size_t n = b->len + 2;
	char *s = malloc(n);
	size_t hits = 0, last = 0;

	ck_assert_ptr_nonnull(s);
	memcpy(s, "\r\n", 2);
	memcpy(s + 2, b->p, b->len);
	for (size_t i = 0; i + 5 <= n; i++) {
		if (memcmp(s + i, "\r\n.\r\n", 5) == 0) {
			hits++;
			last = i;
		}
	}
	free(s);
	ck_assert_uint_eq(hits, 1);
	ck_assert_uint_eq(last, n - 5);
}

/* Drops the terminator and one '.' from each line starting "..";
 * every stuffed line that starts with '.' must start with "..". */
static struct buf
unstuff(const struct buf *b)
{
	struct buf out;
	size_t i = 0;
	bool bol = true;

	ck_assert_uint_ge(b->len, 3);
	ck_assert_int_eq(memcmp(b->p + b->len - 3, ".\r\n", 3), 0);
	out.p = malloc(b->len + 1);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	for (i = 0; i < b->len - 3; i++) {
		if (bol && b->p[i] == '.') {
			ck_assert_msg(b->p[i + 1] == '.',
			    "unstuffed leading dot at %zu", i);
			i++;
		}
		out.p[out.len++] = b->p[i];
		bol = (b->p[i] == '\n');
	}
	return out;
}

/* All properties for one input, under both flag settings. */
static void
check_input(const char *in, size_t len)
{
	struct buf plain = filter(in, len, 0);
	struct buf stuffed = filter(in, len, DOT_STUFF);
	struct buf ref = reference(in, len, 0);
	struct buf back;

	assert_bytes(&plain, ref.p, ref.len, "normalised vs reference");
	buf_free(&ref);
	ref = reference(in, len, DOT_STUFF);
	assert_bytes(&stuffed, ref.p, ref.len, "stuffed vs reference");
	buf_free(&ref);
	assert_only_crlf(&plain);
	assert_only_crlf(&stuffed);
	assert_one_terminator(&stuffed);
	back = unstuff(&stuffed);
	assert_bytes(&back, plain.p, plain.len, "unstuffed vs normalised");
	buf_free(&back);

	for (unsigned flags = 0; flags <= DOT_STUFF; flags++) {
		struct buf one = flags ? stuffed : plain;
		struct buf part;

		/* Split once at every offset, then fed byte by byte. */
		for (size_t cut = 0; cut <= len; cut++) {
			part = filter_split(in, len, flags, cut, len + 1);
			assert_bytes(&part, one.p, one.len, "split");
			buf_free(&part);
		}
		part = filter_split(in, len, flags, 0, 1);
		assert_bytes(&part, one.p, one.len, "byte by byte");
		buf_free(&part);
	}
	buf_free(&plain);
	buf_free(&stuffed);
}

#define S(lit)	lit, sizeof(lit) - 1

static const struct {
	const char *in;
	size_t	 inlen;
	const char *plain;
	size_t	 plainlen;
	const char *stuffed;
	size_t	 stuffedlen;
} cases[] = {
	{ S(""), S(""), S(".\r\n") },
	{ S("a\r\n"), S("a\r\n"), S("a\r\n.\r\n") },
	{ S("a\nb\n"), S("a\r\nb\r\n"), S("a\r\nb\r\n.\r\n") },
	{ S("a\rb\r"), S("a\r\nb\r\n"), S("a\r\nb\r\n.\r\n") },
	{ S("\r\r\n"), S("\r\n\r\n"), S("\r\n\r\n.\r\n") },
	{ S("\n\r"), S("\r\n\r\n"), S("\r\n\r\n.\r\n") },
	{ S("\n.\n"), S("\r\n.\r\n"), S("\r\n..\r\n.\r\n") },
	{ S("\n.\r\n"), S("\r\n.\r\n"), S("\r\n..\r\n.\r\n") },
	{ S("\r\n.\r"), S("\r\n.\r\n"), S("\r\n..\r\n.\r\n") },
	{ S("\r.\r"), S("\r\n.\r\n"), S("\r\n..\r\n.\r\n") },
	{ S(".\r\nx"), S(".\r\nx\r\n"), S("..\r\nx\r\n.\r\n") },
	{ S(".."), S("..\r\n"), S("...\r\n.\r\n") },
	{ S("."), S(".\r\n"), S("..\r\n.\r\n") },
	{ S("abc"), S("abc\r\n"), S("abc\r\n.\r\n") },
	{ S("a.b\n.x"), S("a.b\r\n.x\r\n"), S("a.b\r\n..x\r\n.\r\n") },
	{ S("a\0b\n\0"), S("a\0b\r\n\0\r\n"), S("a\0b\r\n\0\r\n.\r\n") },
	{ S("\r\n\r\n.\r\n.\r\n"), S("\r\n\r\n.\r\n.\r\n"),
	  S("\r\n\r\n..\r\n..\r\n.\r\n") },
};

/* Exact output for each handwritten case, both flag settings. */
START_TEST(test_cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf got = filter(cases[i].in, cases[i].inlen, 0);

		assert_bytes(&got, cases[i].plain, cases[i].plainlen,
		    "normalised");
		buf_free(&got);
		got = filter(cases[i].in, cases[i].inlen, DOT_STUFF);
		assert_bytes(&got, cases[i].stuffed, cases[i].stuffedlen,
		    "stuffed");
		buf_free(&got);
	}
}
END_TEST

/* A dot in the middle of a line, and a CR LF split between two calls,
 * produce exactly one CR LF and no stuffing. */
START_TEST(test_crlf_across_calls)
{
	struct dot_filter f;
	char out[32];
	size_t n;

	dot_init(&f, DOT_STUFF);
	n = dot_run(&f, "x.\r", 3, out);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(out, "x.\r\n", 4), 0);
	n = dot_run(&f, "\n.", 2, out);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(out, "..", 2), 0);
	n = dot_finish(&f, out);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(out, "\r\n.\r\n", 5), 0);
}
END_TEST

/* A long line keeps its bytes; only its leading dot is doubled. */
START_TEST(test_long_line)
{
	size_t len = 5000;
	char *in = malloc(len);
	struct buf got;

	ck_assert_ptr_nonnull(in);
	memset(in, 'x', len);
	in[0] = '.';
	in[2500] = '.';
	got = filter(in, len, DOT_STUFF);
	ck_assert_uint_eq(got.len, len + 1 + 2 + 3);
	ck_assert_int_eq(memcmp(got.p, "..x", 3), 0);
	ck_assert_int_eq(memcmp(got.p + 1, in, len), 0);
	ck_assert_int_eq(memcmp(got.p + len + 1, "\r\n.\r\n", 5), 0);
	buf_free(&got);
	check_input(in, len);
	free(in);
}
END_TEST

static const struct {
	const char *s;
	size_t	 len;
} nasty[] = {
	{ S("\n.\n") }, { S("\n.\r\n") }, { S("\r\n.\r") }, { S("\r.\r") },
	{ S(".\r\nfirst line dot") }, { S("..") }, { S("a\rb\rc") },
	{ S("\0\0\n\0.\r\0") }, { S("no final newline") }, { S(".") },
	{ S("") }, { S("\r\r\n") }, { S("\r\n\r\n.\r\n.\r\n") },
	{ S("x\r\n.\r\n\r\n.\rQUIT\r\n") }, { S("\n\n\r\r") },
	{ S(".\r.\n.\r\n.") }, { S("a\r\n..\r\n.x\r\n") },
};

/* The properties hold for each nasty input at every split offset. */
START_TEST(test_nasty)
{
	for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++)
		check_input(nasty[i].s, nasty[i].len);
}
END_TEST

/* xorshift32: the same inputs on every run and every platform. */
static unsigned
rnd(unsigned *state)
{
	unsigned x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* The properties hold for random short strings over the bytes that
 * matter to the filter. */
START_TEST(test_random)
{
	static const char alphabet[] = { '\r', '\n', '.', 'a', '\0' };
	unsigned state = 0x2545f491;
	char in[24];

	for (int n = 0; n < 4000; n++) {
		size_t len = rnd(&state) % (sizeof(in) + 1);

		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rnd(&state) % sizeof(alphabet)];
		check_input(in, len);
	}
}
END_TEST

/* Worst-case inputs stay within DOT_OUT_MAX and DOT_FINISH_MAX: the
 * bytes past the bound are never written. */
START_TEST(test_bounds)
{
	static const char *const worst[] = { "\n\n\n\n", "\r\r\r\r",
	    ".\n.\n", "\r\n\r\n", "....", ".\r.\r" };
	struct dot_filter f;
	char out[DOT_OUT_MAX(4) + 8];
	size_t n;

	for (size_t i = 0; i < sizeof(worst) / sizeof(worst[0]); i++) {
		memset(out, 0x55, sizeof(out));
		dot_init(&f, DOT_STUFF);
		n = dot_run(&f, worst[i], 4, out);
		ck_assert_uint_le(n, DOT_OUT_MAX(4));
		for (size_t j = n; j < sizeof(out); j++)
			ck_assert_int_eq(out[j], 0x55);
	}
	/* An unterminated line and the terminator: the largest finish. */
	dot_init(&f, DOT_STUFF);
	dot_run(&f, "x", 1, out);
	memset(out, 0x55, sizeof(out));
	n = dot_finish(&f, out);
	ck_assert_uint_eq(n, DOT_FINISH_MAX);
	ck_assert_int_eq(memcmp(out, "\r\n.\r\n", 5), 0);
	ck_assert_int_eq(out[DOT_FINISH_MAX], 0x55);
}
END_TEST

/* Without stuffing an empty stream stays empty, and a terminated last
 * line gets nothing more. */
START_TEST(test_finish_plain)
{
	struct dot_filter f;
	char out[8];

	dot_init(&f, 0);
	ck_assert_uint_eq(dot_finish(&f, out), 0);
	dot_init(&f, 0);
	ck_assert_uint_eq(dot_run(&f, "a\r", 2, out), 3);
	ck_assert_uint_eq(dot_finish(&f, out), 0);
}
END_TEST

static Suite *
dot_suite(void)
{
	Suite *s = suite_create("dot");
	TCase *core = tcase_create("core");
	TCase *split = tcase_create("split");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_cases);
	tcase_add_test(core, test_crlf_across_calls);
	tcase_add_test(core, test_finish_plain);
	suite_add_tcase(s, core);
	tcase_add_test(split, test_nasty);
	tcase_add_test(split, test_random);
	tcase_set_timeout(split, 60);
	suite_add_tcase(s, split);
	tcase_add_test(limits, test_long_line);
	tcase_add_test(limits, test_bounds);
	tcase_set_timeout(limits, 60);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	return ck_run(dot_suite());
}

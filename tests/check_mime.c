/*
 * Check suite for mime: exact bytes where a standard gives them (RFC 4648
 * base64 vectors, RFC 2231's escapes, RFC 3629's invalid sequences), exact
 * bytes for hand-worked cases, and for the rest the properties readers
 * rely on: output independent of how the input is split, no line over its
 * limit, no encoded-word over 75 characters or splitting a character, and
 * decoding (with decoders written here) giving the input back.
 */
#include <config.h>

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "mime.h"
#include "ckrun.h"

struct buf {
	char	*p;
	size_t	 len;
};

/* ---- quoted-printable ---- */

/* Encodes in, split after cut bytes and then every step bytes. */
static struct buf
qp_split(const char *in, size_t len, size_t cut, size_t step)
{
	struct mime_qp q;
	struct buf out;

	out.p = malloc(MIME_QP_OUT_MAX(len) + MIME_QP_FINISH_MAX + 1);
	if (out.p == NULL)
		abort();
	mime_qp_init(&q);
	out.len = mime_qp_run(&q, in, cut, out.p);
	for (size_t off = cut; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;

		out.len += mime_qp_run(&q, in + off, n, out.p + out.len);
	}
	out.len += mime_qp_finish(&q, out.p + out.len);
	out.p[out.len] = '\0';
	return out;
}

static struct buf
qp(const char *in, size_t len)
{
	return qp_split(in, len, len, 1);
}

static void
qp_is(const char *in, size_t len, const char *want)
{
	struct buf b = qp(in, len);

	ck_assert_msg(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0,
	    "qp(\"%s\") = \"%s\", want \"%s\"", in, b.p, want);
	free(b.p);
}

START_TEST(test_qp_cases)
{
	char l76[80], w76[82], l77[81], w77[90];

	qp_is("", 0, "");
	qp_is("hello world\n", 12, "hello world\r\n");
	qp_is("a=b\n", 4, "a=3Db\r\n");
	/* 6.7 rule 3: white space at the end of a line is encoded. */
	qp_is("a \n", 3, "a=20\r\n");
	qp_is("a\t\r\n", 4, "a=09\r\n");
	qp_is("ab ", 3, "ab=20");
	qp_is("a b", 3, "a b");
	qp_is("caf\xc3\xa9\n", 6, "caf=C3=A9\r\n");
	qp_is("nul\0x", 5, "nul=00x");
	/* Every line end becomes CR LF; a bare CR ends a line as well. */
	qp_is("a\rb\r\nc\nd", 8, "a\r\nb\r\nc\r\nd");
	qp_is("\x1b[2J", 4, "=1B[2J");
	qp_is("~!\x7f", 3, "~!=7F");

	/* 76 characters fit a line when nothing follows on it. */
	memset(l76, 'a', 76);
	l76[76] = '\n';
	memset(w76, 'a', 76);
	memcpy(w76 + 76, "\r\n", 3);
	qp_is(l76, 77, w76);
	/* One more needs a soft break, after at most 75 and the '='. */
	memset(l77, 'a', 77);
	l77[77] = '\n';
	memset(w77, 'a', 75);
	memcpy(w77 + 75, "=\r\naa\r\n", 8);
	qp_is(l77, 78, w77);
}
END_TEST

/* An "=XX" is never cut by a soft break, and a trailing space encoded at
 * the limit still fits. */
START_TEST(test_qp_limits)
{
	char in[100], want[120];

	memset(in, 'a', 74);
	memcpy(in + 74, "\xc3\xa9\n", 3);
	memset(want, 'a', 74);
	memcpy(want + 74, "=\r\n=C3=A9\r\n", 12);
	qp_is(in, 77, want);

	memset(in, 'a', 73);
	memcpy(in + 73, " \n", 2);
	memset(want, 'a', 73);
	memcpy(want + 73, "=20\r\n", 6);
	qp_is(in, 75, want);

	memset(in, 'a', 74);
	memcpy(in + 74, " \n", 2);
	memset(want, 'a', 74);
	memcpy(want + 74, "=\r\n=20\r\n", 9);
	qp_is(in, 76, want);
}
END_TEST

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* A decoder written from RFC 2045 6.7, for the round trip; ok turns
 * false on a malformed escape.  (Check's assertions are not used per
 * byte: each one is a message to the parent process.) */
static struct buf
qp_decode(const struct buf *in, bool *ok)
{
	struct buf out;
	size_t i = 0;

	out.p = malloc(in->len + 1);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	*ok = true;
	while (i < in->len && *ok) {
		if (in->p[i] != '=') {
			out.p[out.len++] = in->p[i++];
		} else if (i + 2 >= in->len) {
			*ok = false;
		} else if (in->p[i + 1] == '\r') {
			*ok = in->p[i + 2] == '\n';
			i += 3;
		} else if (hexval(in->p[i + 1]) < 0 ||
		    hexval(in->p[i + 2]) < 0) {
			*ok = false;
		} else {
			out.p[out.len++] = (char)(hexval(in->p[i + 1]) * 16 +
			    hexval(in->p[i + 2]));
			i += 3;
		}
	}
	return out;
}

/* Lines within 76, only CR LF line ends, nothing but the alphabet, no
 * white space before a line end.  Returns what is wrong, or NULL. */
static const char *
qp_check_form(const struct buf *b)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->p[i];

		if (c == '\r') {
			if (i + 1 == b->len || b->p[i + 1] != '\n')
				return "a bare CR";
			if (i > 0 && (b->p[i - 1] == ' ' || b->p[i - 1] == '\t'))
				return "white space at a line end";
			col = 0;
			i++;
			continue;
		}
		if (c != ' ' && c != '\t' && (c < 33 || c > 126))
			return "a byte outside the alphabet";
		if (++col > MIME_QP_LINE)
			return "a line over 76 characters";
	}
	return NULL;
}

/* The input with every line end as CR LF, as the decoder sees it. */
static struct buf
crlf(const char *in, size_t len)
{
	struct buf out;

	out.p = malloc(2 * len + 1);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (in[i] == '\r' || in[i] == '\n') {
			out.p[out.len++] = '\r';
			out.p[out.len++] = '\n';
		} else
			out.p[out.len++] = in[i];
	}
	return out;
}

START_TEST(test_qp_random)
{
	static const char alpha[] = "a =\t\r\n\xc3\xa9.\0~";
	char in[400];
	unsigned seed = 7;

	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(round % 300);
		struct buf one, want, back;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		/* Long runs without a line end, for the soft breaks. */
		if (round % 3 == 0)
			for (size_t i = 0; i < len; i++)
				if (in[i] == '\n' || in[i] == '\r')
					in[i] = 'x';
		const char *bad;
		bool ok, same = true;

		one = qp(in, len);
		bad = qp_check_form(&one);
		ck_assert_msg(bad == NULL, "round %d: %s", round, bad);
		back = qp_decode(&one, &ok);
		ck_assert_msg(ok, "round %d: malformed escape", round);
		want = crlf(in, len);
		ck_assert_msg(back.len == want.len && memcmp(back.p, want.p,
		    want.len) == 0, "round trip %d", round);
		for (size_t cut = 0; cut <= len && round % 10 == 0; cut++) {
			struct buf sp = qp_split(in, len, cut, 3);

			same &= sp.len == one.len && memcmp(sp.p, one.p,
			    sp.len) == 0;
			free(sp.p);
		}
		ck_assert_msg(same, "round %d: a split input differs", round);
		free(one.p);
		free(back.p);
		free(want.p);
	}
}
END_TEST

/* ---- base64 ---- */

static struct buf
b64_split(const char *in, size_t len, size_t step)
{
	struct mime_b64 b;
	struct buf out;
	struct err e;
	ssize_t n;

	err_clear(&e);
	out.p = malloc(MIME_B64_OUT_MAX(len) + MIME_B64_FINISH_MAX + 1);
	ck_assert_ptr_nonnull(out.p);
	out.len = 0;
	mime_b64_init(&b);
	for (size_t off = 0; off < len; off += step) {
		size_t k = len - off < step ? len - off : step;

		n = mime_b64_run(&b, in + off, k, out.p + out.len, &e);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_le((size_t)n, MIME_B64_OUT_MAX(k));
		out.len += (size_t)n;
	}
	n = mime_b64_finish(&b, out.p + out.len, &e);
	ck_assert_int_ge(n, 0);
	out.len += (size_t)n;
	out.p[out.len] = '\0';
	return out;
}

static void
b64_is(const char *in, size_t len, const char *want)
{
	size_t steps[] = { len ? len : 1, 1, 2, 56, 57, 58 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct buf b = b64_split(in, len, steps[i]);

		ck_assert_msg(strcmp(b.p, want) == 0, "b64 of %zu bytes in "
		    "steps of %zu:\n%s\nwant\n%s", len, steps[i], b.p, want);
		free(b.p);
	}
}

/* RFC 4648 section 10, one line each. */
START_TEST(test_b64_vectors)
{
	b64_is("", 0, "");
	b64_is("f", 1, "Zg==\r\n");
	b64_is("fo", 2, "Zm8=\r\n");
	b64_is("foo", 3, "Zm9v\r\n");
	b64_is("foob", 4, "Zm9vYg==\r\n");
	b64_is("fooba", 5, "Zm9vYmE=\r\n");
	b64_is("foobar", 6, "Zm9vYmFy\r\n");
}
END_TEST

/* 0, 1, 57, 58 and 114 bytes: the line boundary and either side. */
START_TEST(test_b64_lines)
{
	char in[114], want[400];
	const char *l = "YWFh";		/* "aaa" */

	memset(in, 'a', sizeof(in));
	b64_is(in, 0, "");
	b64_is(in, 1, "YQ==\r\n");
	want[0] = '\0';
	for (int i = 0; i < 19; i++)
		strcat(want, l);
	strcat(want, "\r\n");
	ck_assert_uint_eq(strlen(want), MIME_B64_LINE_OUT + 2);
	b64_is(in, 57, want);
	strcat(want, "YQ==\r\n");
	b64_is(in, 58, want);
	want[78] = '\0';
	for (int i = 0; i < 19; i++)
		strcat(want, l);
	strcat(want, "\r\n");
	b64_is(in, 114, want);
}
END_TEST

/* ---- UTF-8 ---- */

START_TEST(test_utf8)
{
	static const struct {
		const char *s;
		bool valid;
	} t[] = {
		{ "", true },
		{ "plain", true },
		{ "\xe2\x82\xac", true },		/* U+20AC */
		{ "\xf0\x9f\x98\x80", true },		/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", true },		/* U+10FFFF */
		{ "\xed\x9f\xbf", true },		/* U+D7FF */
		{ "\xc0\x80", false },			/* overlong NUL */
		{ "\xc1\xbf", false },			/* overlong */
		{ "\xe0\x80\xaf", false },		/* overlong '/' */
		{ "\xed\xa0\x80", false },		/* surrogate */
		{ "\xf4\x90\x80\x80", false },		/* over U+10FFFF */
		{ "\xf5\x80\x80\x80", false },
		{ "\xe2\x82", false },			/* cut short */
		{ "\x80", false },			/* lone continuation */
		{ "caf\xe9", false },			/* Latin-1 */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(mime_utf8_valid(t[i].s, strlen(t[i].s)) ==
		    t[i].valid, "case %zu", i);
}
END_TEST

/* A sequence split across feeds is still one character. */
START_TEST(test_utf8_split)
{
	const char *s = "a\xf0\x9f\x98\x80z";
	struct mime_utf8 u;

	for (size_t cut = 0; cut <= strlen(s); cut++) {
		mime_utf8_init(&u);
		ck_assert_uint_eq(mime_utf8_feed(&u, s, cut), cut);
		ck_assert_uint_eq(mime_utf8_feed(&u, s + cut, strlen(s) - cut),
		    strlen(s) - cut);
		ck_assert(mime_utf8_done(&u));
	}
	mime_utf8_init(&u);
	ck_assert_uint_eq(mime_utf8_feed(&u, "ab\xe2\x28", 4), 3);
}
END_TEST

/* ---- encoded-words ---- */

/* Decodes one field value as a reader would (RFC 2047 6): folds out,
 * words decoded, white space between two words dropped. */
static char *
words_decode(const char *v)
{
	char *out = malloc(4 * strlen(v) + 1), *o = out;
	const char *p = v;
	bool last_word = false;

	ck_assert_ptr_nonnull(out);
	while (*p) {
		const char *ws = p;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (strncmp(p, "=?UTF-8?", 8) == 0) {
			const char *t = p + 10, *end = strstr(t, "?=");
			bool q = p[8] == 'Q';

			ck_assert_ptr_nonnull(end);
			ck_assert_uint_le((size_t)(end + 2 - p), 75);
			if (!last_word)
				for (const char *w = ws; w < p; w++)
					if (*w != '\r' && *w != '\n')
						*o++ = *w;
			if (q) {
				for (; t < end; t++) {
					if (*t == '_')
						*o++ = ' ';
					else if (*t == '=') {
						*o++ = (char)(hexval(t[1]) * 16
						    + hexval(t[2]));
						t += 2;
					} else
						*o++ = *t;
				}
			} else {
				gnutls_datum_t d = { (unsigned char *)t,
				    (unsigned)(end - t) }, r;

				ck_assert_int_eq(gnutls_base64_decode2(&d,
				    &r), 0);
				/* never a split character */
				ck_assert(mime_utf8_valid((char *)r.data,
				    r.size));
				memcpy(o, r.data, r.size);
				o += r.size;
				gnutls_free(r.data);
			}
			p = end + 2;
			last_word = true;
			continue;
		}
		for (const char *w = ws; w < p; w++)
			if (*w != '\r' && *w != '\n')
				*o++ = *w;
		while (*p && *p != ' ' && *p != '\r')
			*o++ = *p++;
		last_word = false;
	}
	*o = '\0';
	return out;
}

/* No line longer than max, counting col before the value. */
static void
lines_within(const char *v, size_t col, size_t max)
{
	size_t line = col;

	for (const char *p = v; *p; p++) {
		if (*p == '\r') {
			ck_assert_int_eq(p[1], '\n');
			ck_assert_msg(p[2] == ' ', "fold without white space");
			line = 0;
			p++;
			continue;
		}
		ck_assert_msg(++line <= max, "line over %zu: %s", max, v);
	}
}

static void
text_is(const char *in, size_t col, const char *want)
{
	struct err e;
	char *v = mime_header_text(in, col, &e);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(test_words_cases)
{
	struct err e;
	char *v;

	text_is("report", 9, "report");
	/* B is shorter here: 7 bytes make 12 characters, Q needs 15. */
	text_is("Gr\xc3\xbc\xc3\x9f" "e", 9, "=?UTF-8?B?R3LDvMOfZQ==?=");
	/* Q when mostly ASCII; a space is '_'. */
	text_is("Caf\xc3\xa9 au lait", 9, "=?UTF-8?Q?Caf=C3=A9_au_lait?=");
	/* "=?" in ASCII would be read as an encoded-word: encode it. */
	v = mime_header_text("a =?x?Q?y?= b", 9, &e);
	ck_assert_ptr_nonnull(v);
	ck_assert(strncmp(v, "=?UTF-8?", 8) == 0);
	free(v);
	/* Q in text keeps most of ASCII; '?', '=' and '_' are encoded. */
	text_is("\xc3\xa9? = x_y! is a question mark", 9,
	    "=?UTF-8?Q?=C3=A9=3F_=3D_x=5Fy!_is_a_question_mark?=");
}
END_TEST

START_TEST(test_words_split)
{
	char in[1000], *v, *back;
	struct err e;
	size_t n = 0;

	/* 150 two-byte characters: several B words. */
	for (int i = 0; i < 150; i++) {
		in[n++] = '\xc3';
		in[n++] = '\xa9';
	}
	in[n] = '\0';
	v = mime_header_text(in, 9, &e);
	ck_assert_ptr_nonnull(v);
	lines_within(v, 9, 76);
	back = words_decode(v);
	ck_assert_str_eq(back, in);
	free(back);
	free(v);

	/* Mostly ASCII with 4-byte characters at every position. */
	for (size_t shift = 0; shift < 8; shift++) {
		n = 0;
		for (int i = 0; i < 60; i++) {
			if ((i + (int)shift) % 7 == 0) {
				memcpy(in + n, "\xf0\x9f\x98\x80", 4);
				n += 4;
			} else
				in[n++] = (char)('a' + i % 26);
		}
		in[n] = '\0';
		v = mime_header_text(in, 9 + shift, &e);
		ck_assert_ptr_nonnull(v);
		lines_within(v, 9 + shift, 76);
		back = words_decode(v);
		ck_assert_str_eq(back, in);
		free(back);
		free(v);
	}
	/* After a very long field name the words start on the next line. */
	v = mime_header_text("\xc3\xa9t\xc3\xa9", 70, &e);
	ck_assert_ptr_nonnull(v);
	ck_assert(strncmp(v, "\r\n =?UTF-8?", 11) == 0);
	free(v);
}
END_TEST

/* ASCII is folded at spaces, within 78 where a space allows it, and
 * unfolding (taking out the CR LF) gives the text back. */
START_TEST(test_fold)
{
	const char *in = "This subject is long enough that it has to be folded "
	    "somewhere, and then once more, since it goes on and on and on "
	    "for a while";
	struct err e;
	char *v = mime_header_text(in, 9, &e), *u, *o;

	ck_assert_ptr_nonnull(v);
	lines_within(v, 9, 78);
	ck_assert_ptr_nonnull(strstr(v, "\r\n "));
	u = strdup(v);
	o = u;
	for (const char *p = v; *p; p++)
		if (*p != '\r' && *p != '\n')
			*o++ = *p;
	*o = '\0';
	ck_assert_str_eq(u, in);
	free(u);
	free(v);
}
END_TEST

static void
phrase_is(const char *in, const char *want)
{
	struct err e;
	char *v = mime_header_phrase(in, 6, &e);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(test_phrase)
{
	phrase_is("Alice Smith", "Alice Smith");
	phrase_is("O'Brien", "O'Brien");
	phrase_is("Smith, Alice", "\"Smith, Alice\"");
	phrase_is("John Q. Public", "\"John Q. Public\"");
	phrase_is("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"");
	phrase_is("J\xc3\xb6rg", "=?UTF-8?B?SsO2cmc=?=");
	/* RFC 2047 5 (3): in a phrase Q keeps letters, digits and !*+-/
	 * only. */
	phrase_is("J\xc3\xb6rg M. M\xc3\xbcller-Smith (IT department)",
	    "=?UTF-8?Q?J=C3=B6rg_M=2E_M=C3=BCller-Smith_=28IT_department=29?=");
}
END_TEST

/* ---- parameters ---- */

static void
param_is(const char *value, const char *want)
{
	struct err e;
	char *v = mime_param("filename", value, &e);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(test_param)
{
	param_is("report.pdf", "filename=\"report.pdf\"");
	param_is("a \"b\" c\\d", "filename=\"a \\\"b\\\" c\\\\d\"");
	param_is("\xe2\x82\xac rates.pdf",
	    "filename*=utf-8''%E2%82%AC%20rates.pdf");
	/* RFC 2231 section 4's escapes: space, '*' as %20, %2A. */
	param_is("This is ***f\xc3\xbcn***",
	    "filename*=utf-8''This%20is%20%2A%2A%2Af%C3%BCn%2A%2A%2A");
	/* A control character is not for a quoted-string. */
	param_is("a\tb", "filename*=utf-8''a%09b");
}
END_TEST

/* Continuations: every line within 78, sections numbered from 0, and
 * the pieces together give the value; a character is never split. */
START_TEST(test_param_long)
{
	char in[400], *v, want[400];
	struct err e;
	size_t n = 0;
	char *p, *o = want;
	int sec = 0;

	for (int i = 0; i < 40; i++) {
		memcpy(in + n, "\xc3\xa9t\xc3\xa9 ", 6);
		n += 6;
	}
	in[n] = '\0';
	v = mime_param("filename", in, &e);
	ck_assert_ptr_nonnull(v);
	lines_within(v, 1, 78);
	for (p = v; *p; sec++) {
		char head[32];
		size_t hl = (size_t)snprintf(head, sizeof(head),
		    "filename*%d*=", sec);

		ck_assert_msg(strncmp(p, head, hl) == 0, "section %d: %s",
		    sec, p);
		p += hl;
		if (sec == 0) {
			ck_assert(strncmp(p, "utf-8''", 7) == 0);
			p += 7;
		}
		while (*p && *p != ';') {
			if (*p == '%') {
				*o++ = (char)(hexval(p[1]) * 16 +
				    hexval(p[2]));
				p += 3;
			} else
				*o++ = *p++;
		}
		*o = '\0';
		ck_assert(mime_utf8_valid(want, strlen(want)));
		if (*p == ';') {
			ck_assert(strncmp(p, ";\r\n ", 4) == 0);
			p += 4;
		}
	}
	ck_assert_int_gt(sec, 2);
	ck_assert_str_eq(want, in);
	free(v);

	/* Long ASCII: quoted sections. */
	memset(in, 'x', 200);
	in[200] = '\0';
	v = mime_param("filename", in, &e);
	ck_assert_ptr_nonnull(v);
	lines_within(v, 1, 78);
	ck_assert(strncmp(v, "filename*0=\"xxx", 15) == 0);
	ck_assert_ptr_nonnull(strstr(v, ";\r\n filename*1=\"x"));
	free(v);
}
END_TEST

/* ---- odds and ends ---- */

START_TEST(test_types)
{
	ck_assert_str_eq(mime_type_for("report.pdf"), "application/pdf");
	ck_assert_str_eq(mime_type_for("REPORT.PDF"), "application/pdf");
	ck_assert_str_eq(mime_type_for("data.csv"), "text/csv");
	ck_assert_str_eq(mime_type_for("pics/x.d/photo.JPG"), "image/jpeg");
	ck_assert_str_eq(mime_type_for("a.tar.gz"), "application/gzip");
	ck_assert_str_eq(mime_type_for("noext"), "application/octet-stream");
	ck_assert_str_eq(mime_type_for(".bashrc"),
	    "application/octet-stream");
	ck_assert_str_eq(mime_type_for("x.d/file"),
	    "application/octet-stream");
	ck_assert_str_eq(mime_type_for("trailing."),
	    "application/octet-stream");
	ck_assert_str_eq(mime_type_for("a.zzz"), "application/octet-stream");
	ck_assert_str_eq(mime_type_for("a.7z"), "application/x-7z-compressed");
	ck_assert_str_eq(mime_type_for("a.zip"), "application/zip");
}
END_TEST

START_TEST(test_boundary)
{
	char a[MIME_BOUNDARY_LEN + 1], b[MIME_BOUNDARY_LEN + 1];
	struct err e;

	ck_assert_int_eq(mime_boundary(a, &e), 0);
	ck_assert_int_eq(mime_boundary(b, &e), 0);
	ck_assert_uint_eq(strlen(a), MIME_BOUNDARY_LEN);
	ck_assert(strncmp(a, "=_", 2) == 0);
	for (size_t i = 2; i < MIME_BOUNDARY_LEN; i++)
		ck_assert(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz", a[i]) != NULL);
	ck_assert_str_ne(a, b);
}
END_TEST

static Suite *
mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *qpc = tcase_create("quoted-printable");
	TCase *b64 = tcase_create("base64");
	TCase *hdr = tcase_create("header");
	TCase *misc = tcase_create("misc");

	tcase_add_test(qpc, test_qp_cases);
	tcase_add_test(qpc, test_qp_limits);
	tcase_add_test(qpc, test_qp_random);
	tcase_set_timeout(qpc, 60);
	suite_add_tcase(s, qpc);
	tcase_add_test(b64, test_b64_vectors);
	tcase_add_test(b64, test_b64_lines);
	suite_add_tcase(s, b64);
	tcase_add_test(hdr, test_words_cases);
	tcase_add_test(hdr, test_words_split);
	tcase_add_test(hdr, test_fold);
	tcase_add_test(hdr, test_phrase);
	tcase_add_test(hdr, test_param);
	tcase_add_test(hdr, test_param_long);
	suite_add_tcase(s, hdr);
	tcase_add_test(misc, test_utf8);
	tcase_add_test(misc, test_utf8_split);
	tcase_add_test(misc, test_types);
	tcase_add_test(misc, test_boundary);
	suite_add_tcase(s, misc);
	return s;
}

int
main(void)
{
	return ck_run(mime_suite());
}

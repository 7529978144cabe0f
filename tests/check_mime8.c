/*
 * Check suite for the 8-bit and long-line conversion: exact bytes for
 * single-part and multipart messages (what is re-encoded, what is left
 * byte for byte, the new boundaries, the fields added), every refusal
 * with the part it names and the message left as it was, and for random
 * and very long text the property that matters: the quoted-printable
 * body decodes to the original, and no line is over 76 octets.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime8.h"
#include "msg.h"
#include "ckmsg.h"
#include "ckrun.h"

static struct err e;

static void
setup(void)
{
	err_clear(&e);
}

static struct msg *
msg_from(const char *data, size_t len)
{
	struct msg_opts o = { .read_rcpts = false };

	return ckmsg_from(data, len, &o, &e);
}

/* Converts in; returns the new bytes, or NULL when refused (e says why,
 * and the message must be as it was). */
static char *
convert(const char *in, size_t inlen, bool eightbit, size_t *outlen)
{
	struct mime8_conf c = { eightbit, "B" };
	struct msg *m = msg_from(in, inlen);
	size_t before_len;
	char *before = ckmsg_bytes(m, &before_len, &e), *out = NULL;

	if (msg_filter(m, mime8_filter, &c, &e) == 0) {
		out = ckmsg_bytes(m, outlen, &e);
		/* the result fits: that is the point */
		ck_assert_uint_le(msg_longest_line(m), 998);
		ck_assert(eightbit || !msg_has_8bit(m));
		ck_assert_uint_eq(msg_size(m), *outlen);
	} else {
		size_t n;
		char *after = ckmsg_bytes(m, &n, &e);

		ck_assert_uint_eq(n, before_len);
		ck_assert(memcmp(after, before, n) == 0);
		free(after);
	}
	free(before);
	msg_free(m);
	return out;
}

static void
converts_to(const char *in, bool eightbit, const char *want)
{
	size_t n;
	char *out = convert(in, strlen(in), eightbit, &n);

	ck_assert_msg(out != NULL, "refused: %s", e.msg);
	ck_assert_str_eq(out, want);
	free(out);
}

static void
refused(const char *in, bool eightbit, const char *why)
{
	size_t n;
	char *out = convert(in, strlen(in), eightbit, &n);

	ck_assert_msg(out == NULL, "converted: %s", out ? out : "");
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_msg(strstr(e.msg, why) != NULL, "\"%s\" not in \"%s\"", why,
	    e.msg);
	err_clear(&e);
}

/* ---- single part ---- */

START_TEST(test_needed)
{
	struct msg *m = msg_from("S: x\n\nabc\n", 10);

	ck_assert(!mime8_needed(m, false));
	msg_free(m);
	m = msg_from("S: x\n\n\xc3\xa9\n", 10);
	ck_assert(mime8_needed(m, false));
	ck_assert(!mime8_needed(m, true));
	msg_free(m);
}
END_TEST

START_TEST(test_single_8bit)
{
	/* no Content-Type: declared text/plain, UTF-8 since it is */
	converts_to("Subject: s\n\ncaf\xc3\xa9 =\nend \n", false,
	    "Subject: s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=C3=A9 =3D\r\nend=20\r\n");
	/* not UTF-8: RFC 1428 unknown-8bit */
	converts_to("Subject: s\n\ncaf\xe9\n", false,
	    "Subject: s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=unknown-8bit\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=E9\r\n");
	/* declared ones stay; the encoding field is replaced, folded or
	 * not, wherever it is */
	converts_to("MIME-Version: 1.0\nContent-Transfer-Encoding:\n 8bit\n"
	    "Content-Type: text/plain; charset=iso-8859-1\nSubject: s\n\n"
	    "caf\xe9\n", false,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\nSubject: s\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=E9\r\n");
	/* no header block at all */
	converts_to("caf\xc3\xa9\n", false, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=C3=A9\r\n");
}
END_TEST

START_TEST(test_single_long_line)
{
	char in[2048], want[4096], *out;
	size_t n;

	/* 1000 octets of 7-bit text: no charset needed; the line is broken
	 * with soft breaks, 75 characters and '=' each */
	n = (size_t)snprintf(in, sizeof(in), "Subject: s\n\n");
	memset(in + n, 'x', 1000);
	strcpy(in + n + 1000, "\nnext\n");
	n = (size_t)snprintf(want, sizeof(want), "Subject: s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	for (int i = 0; i < 13; i++) {
		memset(want + n, 'x', 75);
		memcpy(want + n + 75, "=\r\n", 3);
		n += 78;
	}
	memset(want + n, 'x', 25);
	strcpy(want + n + 25, "\r\nnext\r\n");
	converts_to(in, true, want);
	/* 8-bit may stay with 8BITMIME, but a part with a long line is
	 * re-encoded whole */
	in[12] = '\xe9';
	out = convert(in, strlen(in), true, &n);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "Content-Type: text/plain; "
	    "charset=unknown-8bit\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n=E9xxx"));
	free(out);
}
END_TEST

/* ---- multipart ---- */

#define MIXED_HEAD \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/mixed;\n boundary=\"old:b\"; x=y\n" \
	"Subject: m\n\n"

START_TEST(test_multipart)
{
	converts_to(MIXED_HEAD
	    "preamble\n"
	    "--old:b\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "na\xc3\xafve\n"
	    "--old:b  \n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "AAEC\n"
	    "--old:b\n"
	    "\n"
	    "plain ascii, no header\n"
	    "--old:b--\n"
	    "epilogue\n", false,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed;\r\n boundary=\"B.0\"; x=y\r\n"
	    "Subject: m\r\n\r\n"
	    "preamble\r\n"
	    "--B.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "na=C3=AFve\r\n"
	    "--B.0\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "AAEC\r\n"
	    "--B.0\r\n"
	    "\r\n"
	    "plain ascii, no header\r\n"
	    "--B.0--\r\n"
	    "epilogue\r\n");
}
END_TEST

START_TEST(test_multipart_nested)
{
	/* the 8-bit part is inside the alternative, inside the mixed: both
	 * get new boundaries; a token boundary is replaced too; the part
	 * without 8-bit bytes is left as it is */
	converts_to("Content-Type: multipart/mixed; boundary=outer\n\n"
	    "--outer\n"
	    "Content-Type: multipart/alternative; boundary=\"in\"\n\n"
	    "--in\n"
	    "Content-Type: text/plain\n\n"
	    "ascii\n"
	    "--in\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "<p>\xc3\xa9</p>\n"
	    "--in--\n"
	    "--outer\n"
	    "Content-Type: text/plain\n\n"
	    "after\n"
	    "--outer--\n", false,
	    "Content-Type: multipart/mixed; boundary=\"B.0\"\r\n"
	    "MIME-Version: 1.0\r\n\r\n"
	    "--B.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"B.1\"\r\n\r\n"
	    "--B.1\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "ascii\r\n"
	    "--B.1\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "<p>=C3=A9</p>\r\n"
	    "--B.1--\r\n"
	    "--B.0\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "after\r\n"
	    "--B.0--\r\n");
}
END_TEST

START_TEST(test_multipart_edges)
{
	/* a part that ends at the delimiter before its empty line; a
	 * trailing space before the delimiter is the text's and is
	 * encoded; a delimiter that is not at a line start is text */
	converts_to("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "--b\n"
	    "Content-Type: text/plain\n\n"
	    "\xc3\xa9 \n"
	    "x --b\n"
	    "--b--", false,
	    "Content-Type: multipart/mixed; boundary=\"B.0\"\r\n"
	    "MIME-Version: 1.0\r\n\r\n"
	    "--B.0\r\n"
	    "Content-Type: text/plain\r\n"
	    "--B.0\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=C3=A9=20\r\n"
	    "x --b\r\n"
	    "--B.0--\r\n");
	/* a body line right after the fields, which would read as a field
	 * once encoded: an empty line now ends the header */
	converts_to("Subject: s\ncaf\xc3\xa9: x\n", false,
	    "Subject: s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=C3=A9: x\r\n");
	/* a second Content-Type does not count and is left alone */
	converts_to("Content-Type: multipart/mixed; boundary=b\n"
	    "Content-Type: text/plain\nMIME-Version: 1.0\n\n"
	    "--b\n\n\xc3\xa9\n--b--\n", false,
	    "Content-Type: multipart/mixed; boundary=\"B.0\"\r\n"
	    "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\n"
	    "--B.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=C3=A9\r\n"
	    "--B.0--\r\n");
}
END_TEST

/* ---- refusals ---- */

START_TEST(test_refusals)
{
	refused("Subject: caf\xc3\xa9\n\nbody\n", false,
	    "the message (text/plain) has 8-bit bytes in its header");
	refused(MIXED_HEAD "--old:b\nContent-Type: application/pdf\n\n"
	    "%PDF\xe2\xe3\n--old:b--\n", false,
	    "part 1 (application/pdf) has 8-bit bytes");
	refused(MIXED_HEAD "--old:b\nContent-Type: message/rfc822\n\n"
	    "Subject: inner\n\n\xc3\xa9\n--old:b--\n", false,
	    "part 1 (message/rfc822) has 8-bit bytes");
	refused(MIXED_HEAD "--old:b\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: base64\n\n\xc3\xa9\n--old:b--\n",
	    false, "part 1 (text/plain) has 8-bit bytes");
	refused(MIXED_HEAD "--old:b\nContent-Type: text/plain\n"
	    "Content-Disposition: attachment; filename=caf\xc3\xa9.txt\n\n"
	    "x\n--old:b--\n", false, "part 1 (text/plain) has 8-bit bytes "
	    "in its header");
	refused("Content-Type: multipart/signed; boundary=s; "
	    "protocol=\"application/pgp-signature\"\n\n--s\n"
	    "Content-Type: text/plain\n\n\xc3\xa9\n--s\n"
	    "Content-Type: application/pgp-signature\n\nsig\n--s--\n",
	    false, "inside multipart/signed");
	refused(MIXED_HEAD "pr\xc3\xa9" "amble\n--old:b\n\nx\n--old:b--\n",
	    false, "in its preamble or epilogue");
	/* multipart/digest: a part without Content-Type is a message */
	refused("Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	    "Subject: x\n\n\xc3\xa9\n--d--\n", false,
	    "part 1 (message/rfc822)");
	refused("Content-Type: text\n\n\xc3\xa9\n", false,
	    "unparsable Content-Type");
}
END_TEST

/* A delimiter whose transport padding makes it too long: the multipart
 * gets a new boundary, written without padding. */
START_TEST(test_long_delimiter)
{
	char in[2048], *out;
	size_t n;

	n = (size_t)snprintf(in, sizeof(in), "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b\n\nx\n--b");
	/* 999 octets: a delimiter still, and too long */
	memset(in + n, ' ', 996);
	strcpy(in + n + 996, "\n\ny\n--b--\n");
	out = convert(in, strlen(in), true, &n);
	ck_assert_msg(out != NULL, "%s", e.msg);
	ck_assert_str_eq(out, "Content-Type: multipart/mixed; "
	    "boundary=\"B.0\"\r\n\r\n--B.0\r\n\r\nx\r\n--B.0\r\n\r\n"
	    "y\r\n--B.0--\r\n");
	free(out);
}
END_TEST

START_TEST(test_refused_long_lines)
{
	char *in = malloc(4096);
	size_t n;

	/* a header line can only be folded, which changes the message */
	n = (size_t)snprintf(in, 4096, "Subject: ");
	memset(in + n, 's', 1200);
	strcpy(in + n + 1200, "\n\nbody\n");
	refused(in, true, "the message has a header line over 998 octets");
	/* a base64 part with a long line */
	n = (size_t)snprintf(in, 4096, MIXED_HEAD "--old:b\n"
	    "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n");
	memset(in + n, 'A', 1200);
	strcpy(in + n + 1200, "\n--old:b--\n");
	refused(in, true, "part 1 (image/png) has a line over 998 octets");
	free(in);
}
END_TEST

/* ---- properties ---- */

static int
hexval(char c)
{
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : c - '0';
}

/* RFC 2045 6.7 decoding of the body after the header block; lines are
 * also checked to be at most 76 octets and 7-bit. */
static char *
qp_body(const char *msg, size_t len, size_t *outlen)
{
	const char *p = strstr(msg, "\r\n\r\n") + 4, *end = msg + len;
	char *out = malloc(len), *o = out;

	while (p < end) {
		const char *eol = strstr(p, "\r\n");

		ck_assert_ptr_nonnull(eol);
		ck_assert_uint_le((size_t)(eol - p), 76);
		for (; p < eol; p++) {
			ck_assert_int_lt((unsigned char)*p, 0x80);
			if (*p != '=') {
				*o++ = *p;
			} else if (p + 1 == eol) {
				break;	/* soft line break */
			} else {
				*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			}
		}
		if (p == eol) {
			*o++ = '\r';
			*o++ = '\n';
		}
		p = eol + 2;
	}
	*outlen = (size_t)(o - out);
	return out;
}

/* Text with long lines, trailing white space, '=' and 8-bit bytes: the
 * decoded body is the original body, CR LF line ends. */
static void
round_trip(size_t bodylen, unsigned seed)
{
	static const char hdr[] = "Subject: r\r\n\r\n";
	char *in = malloc(sizeof(hdr) + 2 * bodylen + 2), *out, *dec;
	size_t n = sizeof(hdr) - 1, outlen, declen;

	srand(seed);
	memcpy(in, hdr, n);
	for (size_t i = 0; i < bodylen; i++) {
		int r = rand() % 100;
		char c = r < 2 ? '\n' : r < 6 ? ' ' : r < 8 ? '=' :
		    r < 10 ? '\t' : r < 15 ? (char)(0x80 + rand() % 128) :
		    (char)('a' + rand() % 26);

		if (c == '\n')
			in[n++] = '\r';
		in[n++] = c;
	}
	if (in[n - 1] != '\n') {
		in[n++] = '\r';
		in[n++] = '\n';
	}
	out = convert(in, n, false, &outlen);
	ck_assert_ptr_nonnull(out);
	dec = qp_body(out, outlen, &declen);
	ck_assert_uint_eq(declen, n - (sizeof(hdr) - 1));
	ck_assert(memcmp(dec, in + sizeof(hdr) - 1, declen) == 0);
	free(dec);
	free(out);
	free(in);
}

START_TEST(test_round_trip)
{
	for (unsigned seed = 1; seed <= 20; seed++)
		round_trip(5000, seed);
}
END_TEST

/* One line longer than a read chunk and the held line start: streamed,
 * never held whole. */
START_TEST(test_huge_line)
{
	static const char hdr[] = "Content-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n";
	size_t body = 300000, n = sizeof(hdr) - 1, outlen, declen;
	char *in = malloc(n + body + 64), *out, *dec;

	memcpy(in, hdr, n);
	for (size_t i = 0; i < body; i++)
		in[n + i] = (char)('a' + i % 26);
	in[n + 1000] = '\xc3';
	in[n + 1001] = '\xa9';
	memcpy(in + n + body, "\r\n--b--\r\n", 9);
	out = convert(in, n + body + 9, true, &outlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "Content-Transfer-Encoding: "
	    "quoted-printable\r\n\r\nabcdef"));
	ck_assert(memcmp(out + outlen - 11, "\r\n--B.0--\r\n", 11) == 0);
	/* the part's body, up to its delimiter, decodes to the line */
	out[outlen - 9] = '\0';
	dec = qp_body(strstr(out, "--B.0\r\n"), strlen(strstr(out,
	    "--B.0\r\n")), &declen);
	ck_assert_uint_eq(declen, body + 2);	/* its last CR LF kept */
	ck_assert(memcmp(dec, in + n, body) == 0);
	free(dec);
	free(out);
	free(in);
}
END_TEST

static Suite *
mime8_suite(void)
{
	Suite *s = suite_create("mime8");
	TCase *single = tcase_create("single");
	TCase *multi = tcase_create("multipart");
	TCase *refuse = tcase_create("refusals");
	TCase *prop = tcase_create("properties");

	tcase_add_checked_fixture(single, setup, NULL);
	tcase_add_test(single, test_needed);
	tcase_add_test(single, test_single_8bit);
	tcase_add_test(single, test_single_long_line);
	suite_add_tcase(s, single);
	tcase_add_checked_fixture(multi, setup, NULL);
	tcase_add_test(multi, test_multipart);
	tcase_add_test(multi, test_multipart_nested);
	tcase_add_test(multi, test_multipart_edges);
	suite_add_tcase(s, multi);
	tcase_add_checked_fixture(refuse, setup, NULL);
	tcase_add_test(refuse, test_refusals);
	tcase_add_test(refuse, test_refused_long_lines);
	tcase_add_test(multi, test_long_delimiter);
	suite_add_tcase(s, refuse);
	tcase_add_checked_fixture(prop, setup, NULL);
	tcase_set_timeout(prop, 60);
	tcase_add_test(prop, test_round_trip);
	tcase_add_test(prop, test_huge_line);
	suite_add_tcase(s, prop);
	return s;
}

int
main(void)
{
	return ck_run(mime8_suite());
}

/*
 * MIME encoders.
 *
 *   RFC 2045  MIME part one: quoted-printable (6.7), base64 (6.8),
 *             parameters (5.1)
 *   RFC 2046  MIME part two: multipart boundaries (5.1.1)
 *   RFC 2047  encoded-words in header fields
 *   RFC 2231  parameter value encoding and continuations
 *   RFC 3629  UTF-8
 *   RFC 5322  header field folding (2.2.3) and line length (2.1.1)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "mime.h"

static const char mime_hex[] = "0123456789ABCDEF";

/* RFC 5322 2.1.1: lines SHOULD stay within 78 characters. */
#define MIME_FOLD_AT	78
/* RFC 2047 section 2: an encoded-word is at most 75 characters, and a
 * line that holds one at most 76. */
#define MIME_WORD_MAX	75
#define MIME_WORD_LINE	76
#define MIME_WORD_PRE	"=?UTF-8?"	/* then "Q?" or "B?" */
#define MIME_WORD_FIXED	12		/* "=?UTF-8?Q?" and "?=" */

/* ---- a growing string ---- */

struct sbuf {
	char	*p;
	size_t	 len, cap;
	bool	 oom;
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static void
sbuf_char(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

/* The string, or NULL with ERR_OS. */
static char *
sbuf_done(struct sbuf *b, struct err *e)
{
	if (b->p == NULL)
		sbuf_add(b, "", 0);
	if (b->oom) {
		free(b->p);
		err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
		return NULL;
	}
	return b->p;
}

/* ---- quoted-printable ---- */

void
mime_qp_init(struct mime_qp *q)
{
	q->col = 0;
	q->held = -1;
	q->after_cr = false;
}

/* Writes the held byte.  At the end of a line it may take the 76th
 * column and a space or tab must be encoded (section 6.7 rule 3: a
 * transport may strip trailing white space); elsewhere one column stays
 * free for the '=' of a soft break. */
static char *
qp_put_held(struct mime_qp *q, bool eol, char *o)
{
	unsigned char c;
	size_t n, limit = eol ? MIME_QP_LINE : MIME_QP_LINE - 1;
	bool plain;

	if (q->held < 0)
		return o;
	c = (unsigned char)q->held;
	q->held = -1;
	plain = (c >= 33 && c <= 126 && c != '=') ||
	    (!eol && (c == ' ' || c == '\t'));
	n = plain ? 1 : 3;
	if (q->col + n > limit) {
		*o++ = '=';
		*o++ = '\r';
		*o++ = '\n';
		q->col = 0;
	}
	if (plain) {
		*o++ = (char)c;
	} else {
		*o++ = '=';
		*o++ = mime_hex[c >> 4];
		*o++ = mime_hex[c & 0x0f];
	}
	q->col += n;
	return o;
}

size_t
mime_qp_run(struct mime_qp *q, const char *in, size_t len, char *out)
{
	char *o = out;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (q->after_cr) {
			q->after_cr = false;
			if (c == '\n')
				continue;
		}
		if (c == '\r' || c == '\n') {
			o = qp_put_held(q, true, o);
			*o++ = '\r';
			*o++ = '\n';
			q->col = 0;
			q->after_cr = c == '\r';
			continue;
		}
		o = qp_put_held(q, false, o);
		q->held = (unsigned char)c;
	}
	return (size_t)(o - out);
}

size_t
mime_qp_finish(struct mime_qp *q, char *out)
{
	size_t n = (size_t)(qp_put_held(q, true, out) - out);

	mime_qp_init(q);
	return n;
}

/* ---- base64 ---- */

void
mime_b64_init(struct mime_b64 *b)
{
	b->nhold = 0;
}

/* Encodes n bytes (whole lines, but for the last call) as lines of 76
 * characters and CR LF into out; returns the bytes written. */
static ssize_t
b64_lines(const unsigned char *in, size_t n, char *out, struct err *e)
{
	gnutls_datum_t d = { (unsigned char *)in, (unsigned)n }, r;
	char *o = out;

	if (n == 0)
		return 0;
	if (gnutls_base64_encode2(&d, &r) < 0)
		return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
	for (size_t i = 0; i < r.size; i += MIME_B64_LINE_OUT) {
		size_t k = r.size - i < MIME_B64_LINE_OUT ? r.size - i :
		    MIME_B64_LINE_OUT;

		memcpy(o, r.data + i, k);
		o += k;
		*o++ = '\r';
		*o++ = '\n';
	}
	gnutls_free(r.data);
	return o - out;
}

ssize_t
mime_b64_run(struct mime_b64 *b, const void *in, size_t len, char *out,
    struct err *e)
{
	const unsigned char *p = in;
	ssize_t n = 0, r;
	size_t whole;

	if (b->nhold > 0) {
		size_t k = MIME_B64_LINE_IN - b->nhold;

		if (k > len)
			k = len;
		memcpy(b->hold + b->nhold, p, k);
		b->nhold += k;
		p += k;
		len -= k;
		if (b->nhold < MIME_B64_LINE_IN)
			return 0;
		if ((n = b64_lines(b->hold, b->nhold, out, e)) < 0)
			return -1;
		b->nhold = 0;
	}
	whole = len - len % MIME_B64_LINE_IN;
	if ((r = b64_lines(p, whole, out + n, e)) < 0)
		return -1;
	memcpy(b->hold, p + whole, len - whole);
	b->nhold = len - whole;
	return n + r;
}

ssize_t
mime_b64_finish(struct mime_b64 *b, char *out, struct err *e)
{
	ssize_t n = b64_lines(b->hold, b->nhold, out, e);

	b->nhold = 0;
	return n;
}

/* ---- UTF-8 ---- */

void
mime_utf8_init(struct mime_utf8 *u)
{
	u->need = 0;
	u->lo = 0x80;
	u->hi = 0xbf;
	u->lead = 0;
}

/* RFC 3629 section 4: the second byte's range depends on the first, which
 * is what rules out overlong forms, surrogates and values past U+10FFFF. */
static bool
utf8_lead(struct mime_utf8 *u, unsigned char c)
{
	u->lead = c;
	u->lo = 0x80;
	u->hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		u->need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		u->need = 2;
		if (c == 0xe0)
			u->lo = 0xa0;
		else if (c == 0xed)
			u->hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		u->need = 3;
		if (c == 0xf0)
			u->lo = 0x90;
		else if (c == 0xf4)
			u->hi = 0x8f;
	} else
		return false;
	return true;
}

size_t
mime_utf8_feed(struct mime_utf8 *u, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (u->need > 0) {
			if (c < u->lo || c > u->hi)
				return i;
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
		} else if (c >= 0x80 && !utf8_lead(u, c)) {
			return i;
		}
	}
	return len;
}

bool
mime_utf8_done(const struct mime_utf8 *u)
{
	return u->need == 0;
}

bool
mime_utf8_valid(const char *s, size_t len)
{
	struct mime_utf8 u;

	mime_utf8_init(&u);
	return mime_utf8_feed(&u, s, len) == len && mime_utf8_done(&u);
}

/* Bytes in the character that starts at s[0] (of n left); a byte that
 * starts none counts as one, so that callers always advance. */
static size_t
utf8_charlen(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	return k <= n ? k : n;
}

/* ---- encoded-words ---- */

enum word_ctx { WORD_TEXT, WORD_PHRASE };

/* Whether a byte stands for itself in Q (RFC 2047 4.2 and 5). */
static bool
q_plain(unsigned char c, enum word_ctx ctx)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (ctx == WORD_PHRASE)
		return strchr("!*+-/", c) != NULL && c != '\0';
	return c > 32 && c < 127 && c != '=' && c != '?' && c != '_';
}

static size_t
q_len(const char *s, size_t n, enum word_ctx ctx)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (s[i] == ' ' || q_plain((unsigned char)s[i], ctx)) ? 1 : 3;
	return k;
}

static size_t
b_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static void
q_add(struct sbuf *b, const char *s, size_t n, enum word_ctx ctx)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char x[3] = { '=', mime_hex[c >> 4], mime_hex[c & 0x0f] };

		if (c == ' ')
			sbuf_char(b, '_');
		else if (q_plain(c, ctx))
			sbuf_char(b, (char)c);
		else
			sbuf_add(b, x, 3);
	}
}

static void
b_add(struct sbuf *b, const char *s, size_t n)
{
	gnutls_datum_t d = { (unsigned char *)s, (unsigned)n }, r;

	if (gnutls_base64_encode2(&d, &r) < 0) {
		b->oom = true;
		return;
	}
	sbuf_add(b, (const char *)r.data, r.size);
	gnutls_free(r.data);
}

/* One encoded-word holding s[0..n). */
static void
word_add(struct sbuf *b, const char *s, size_t n, bool q, enum word_ctx ctx)
{
	sbuf_str(b, q ? MIME_WORD_PRE "Q?" : MIME_WORD_PRE "B?");
	if (q)
		q_add(b, s, n, ctx);
	else
		b_add(b, s, n);
	sbuf_str(b, "?=");
}

/*
 * The whole text as encoded-words, as many as the length limits ask for,
 * each holding whole characters.  White space between encoded-words is
 * dropped by decoders (RFC 2047 6.2), so the folds between them add
 * nothing to the text.
 */
static void
words_add(struct sbuf *b, const char *s, size_t n, size_t col,
    enum word_ctx ctx)
{
	bool q = q_len(s, n, ctx) <= b_len(n);
	size_t start = 0, i = 0, room = MIME_WORD_MAX;

	/* After a long field name, too little room for a 4-byte character
	 * in Q (12 characters): start on a line of its own. */
	if (col + MIME_WORD_FIXED + 12 > MIME_WORD_LINE)
		sbuf_str(b, "\r\n ");
	else if (MIME_WORD_LINE - col < room)
		room = MIME_WORD_LINE - col;
	while (i < n) {
		size_t k = utf8_charlen(s + i, n - i);
		size_t need = MIME_WORD_FIXED + (q ? q_len(s + start,
		    i + k - start, ctx) : b_len(i + k - start));

		if (need > room && i > start) {
			word_add(b, s + start, i - start, q, ctx);
			sbuf_str(b, "\r\n ");
			room = MIME_WORD_MAX;
			start = i;
			continue;
		}
		i += k;
	}
	word_add(b, s + start, n - start, q, ctx);
}

/* Text that can go as it is: printable ASCII, and nothing a decoder
 * would take for an encoded-word. */
static bool
text_plain(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p < 32 || *p > 126)
			return false;
	return strstr(s, "=?") == NULL;
}

/* Printable ASCII, folded at spaces (RFC 5322 2.2.3): a fold is a line
 * break put before a space, which unfolding takes out again. */
static void
fold_add(struct sbuf *b, const char *s, size_t col)
{
	size_t line = col;

	while (*s) {
		size_t w = strcspn(s + 1, " ") + 1;	/* " word" or "word" */

		if (*s == ' ' && line + w > MIME_FOLD_AT && line > col &&
		    w > 1) {
			sbuf_str(b, "\r\n");
			line = 0;
		}
		sbuf_add(b, s, w);
		line += w;
		s += w;
	}
}

char *
mime_header_text(const char *s, size_t col, struct err *e)
{
	struct sbuf b = { NULL, 0, 0, false };

	if (text_plain(s))
		fold_add(&b, s, col);
	else
		words_add(&b, s, strlen(s), col, WORD_TEXT);
	return sbuf_done(&b, e);
}

/* RFC 5322 3.2.3 atext, and the space between atoms. */
static bool
phrase_atoms(const char *s)
{
	if (*s == '\0' || *s == ' ')
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' && p[1] != ' ' && p[1] != '\0')
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~",
		    c) != NULL) || c == '\0')
			return false;
	}
	return true;
}

char *
mime_header_phrase(const char *s, size_t col, struct err *e)
{
	struct sbuf b = { NULL, 0, 0, false };

	if (!text_plain(s)) {
		words_add(&b, s, strlen(s), col, WORD_PHRASE);
	} else if (phrase_atoms(s)) {
		sbuf_str(&b, s);
	} else {
		sbuf_char(&b, '"');
		for (const char *p = s; *p; p++) {
			if (*p == '"' || *p == '\\')
				sbuf_char(&b, '\\');
			sbuf_char(&b, *p);
		}
		sbuf_char(&b, '"');
	}
	return sbuf_done(&b, e);
}

/* ---- parameters (RFC 2045 5.1, RFC 2231) ---- */

/* RFC 2231 section 7 attribute-char: what needs no %XX. */
static bool
param_attr_char(unsigned char c)
{
	return c > 32 && c < 127 && strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* The value as RFC 2231 octets: "%E2%82%AC" or the character itself. */
static void
param_pct(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char x[3] = { '%', mime_hex[c >> 4], mime_hex[c & 0x0f] };

		if (param_attr_char(c))
			sbuf_char(b, (char)c);
		else
			sbuf_add(b, x, 3);
	}
}

static void
param_quoted(struct sbuf *b, const char *s, size_t n)
{
	sbuf_char(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			sbuf_char(b, '\\');
		sbuf_char(b, s[i]);
	}
	sbuf_char(b, '"');
}

/* The encoded length of s[0..n) in one form or the other. */
static size_t
param_len(const char *s, size_t n, bool pct)
{
	size_t k = pct ? 0 : 2;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (pct)
			k += param_attr_char(c) ? 1 : 3;
		else
			k += (c == '"' || c == '\\') ? 2 : 1;
	}
	return k;
}

/* "name*N*=" or "name*N=" for continuation n, "name*=" or "name=" for a
 * single value. */
static void
param_name(struct sbuf *b, const char *name, int n, bool pct)
{
	char num[16];

	sbuf_str(b, name);
	if (n >= 0) {
		snprintf(num, sizeof(num), "*%d", n);
		sbuf_str(b, num);
	}
	sbuf_str(b, pct ? "*=" : "=");
}

/* One section: its name, the charset in the first, the value's octets. */
static void
param_section(struct sbuf *b, const char *name, int seg, const char *charset,
    const char *v, size_t n, bool pct)
{
	param_name(b, name, seg, pct);
	if (seg <= 0)
		sbuf_str(b, charset);
	if (pct)
		param_pct(b, v, n);
	else
		param_quoted(b, v, n);
}

char *
mime_param(const char *name, const char *value, struct err *e)
{
	struct sbuf b = { NULL, 0, 0, false };
	size_t n = strlen(value), start = 0, i = 0;
	/* "=?" too: some readers decode encoded-words even in quotes. */
	bool pct = !text_plain(value);
	const char *charset = pct ? "utf-8''" : "";
	/* The line is " name*NN*=" value ";": at most 78 characters. */
	size_t room = MIME_FOLD_AT - 2 - strlen(name) - 5;
	int seg = 0;

	if (strlen(charset) + param_len(value, n, pct) <= room) {
		param_section(&b, name, -1, charset, value, n, pct);
		return sbuf_done(&b, e);
	}
	while (i < n) {
		size_t k = utf8_charlen(value + i, n - i);
		size_t have = (seg == 0 ? strlen(charset) : 0) +
		    param_len(value + start, i + k - start, pct);

		if (have > room && i > start) {
			param_section(&b, name, seg++, charset, value + start,
			    i - start, pct);
			sbuf_str(&b, ";\r\n ");
			start = i;
			continue;
		}
		i += k;
	}
	param_section(&b, name, seg, charset, value + start, n - start, pct);
	return sbuf_done(&b, e);
}

/* ---- media types ---- */

/* Sorted by extension, for bsearch. */
static const struct mime_ext {
	const char *ext;
	const char *type;
} mime_exts[] = {
	{ "7z",		"application/x-7z-compressed" },
	{ "bz2",	"application/x-bzip2" },
	{ "csv",	"text/csv" },
	{ "diff",	"text/x-diff" },
	{ "doc",	"application/msword" },
	{ "docx",	"application/vnd.openxmlformats-officedocument."
			"wordprocessingml.document" },
	{ "gif",	"image/gif" },
	{ "gz",		"application/gzip" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "ics",	"text/calendar" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "json",	"application/json" },
	{ "log",	"text/plain" },
	{ "md",		"text/markdown" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "odp",	"application/vnd.oasis.opendocument.presentation" },
	{ "ods",	"application/vnd.oasis.opendocument.spreadsheet" },
	{ "odt",	"application/vnd.oasis.opendocument.text" },
	{ "patch",	"text/x-diff" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "ppt",	"application/vnd.ms-powerpoint" },
	{ "pptx",	"application/vnd.openxmlformats-officedocument."
			"presentationml.presentation" },
	{ "svg",	"image/svg+xml" },
	{ "tar",	"application/x-tar" },
	{ "tgz",	"application/gzip" },
	{ "txt",	"text/plain" },
	{ "webp",	"image/webp" },
	{ "xls",	"application/vnd.ms-excel" },
	{ "xlsx",	"application/vnd.openxmlformats-officedocument."
			"spreadsheetml.sheet" },
	{ "xml",	"application/xml" },
	{ "xz",		"application/x-xz" },
	{ "zip",	"application/zip" },
};

static int
mime_ext_cmp(const void *key, const void *elt)
{
	return strcasecmp(key, ((const struct mime_ext *)elt)->ext);
}

const char *
mime_type_for(const char *filename)
{
	const char *base = strrchr(filename, '/');
	const char *dot;
	const struct mime_ext *m;

	base = base ? base + 1 : filename;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base || dot[1] == '\0')
		return "application/octet-stream";
	m = bsearch(dot + 1, mime_exts, sizeof(mime_exts) /
	    sizeof(mime_exts[0]), sizeof(mime_exts[0]), mime_ext_cmp);
	return m ? m->type : "application/octet-stream";
}

/* ---- random tokens ---- */

int
mime_random(char *buf, size_t len, struct err *e)
{
	static const char set[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char r[64];

	if (len == 0)
		return 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (i % sizeof(r) == 0 && gnutls_rnd(GNUTLS_RND_NONCE, r,
		    sizeof(r)) < 0)
			return err_set(e, ERR_OS, STEP_MESSAGE,
			    "no random numbers");
		/* 62 symbols: the bias of a modulo over 256 is harmless for
		 * names that must only be unlikely to repeat. */
		buf[i] = set[r[i % sizeof(r)] % (sizeof(set) - 1)];
	}
	buf[len - 1] = '\0';
	return 0;
}

int
mime_boundary(char *buf, struct err *e)
{
	buf[0] = '=';
	buf[1] = '_';
	return mime_random(buf + 2, MIME_BOUNDARY_LEN - 1, e);
}

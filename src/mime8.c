/*
 * 8-bit and long-line conversion.
 *
 *   RFC 5321  4.5.3.1.6: a line is at most 998 octets and CR LF
 *   RFC 6152  8BITMIME: 8-bit bytes only in a body declared 8BITMIME
 *   RFC 2045  5 Content-Type syntax, 6 Content-Transfer-Encoding, 6.7
 *             quoted-printable (the encoder is mime.c's)
 *   RFC 2046  5.1.1 boundaries: "--" boundary at the start of a line, the
 *             CR LF before it part of the delimiter, optional white space
 *             after it; 5.1.5 multipart/digest's default type; 5.2 the
 *             bodies of message types are not re-encoded
 *   RFC 1847  2.1: multipart/signed content must not be changed
 *   RFC 1428  "unknown-8bit" for 8-bit text of no declared charset
 *
 * The parser works line by line over the spool, whose lines all end in
 * CR LF (msg normalised them).  A line is held only up to M8_LSTART
 * octets: enough to tell a header field, a continuation or a boundary
 * from content; anything longer is content and is streamed.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime8.h"

#define M8_LINE_MAX	998		/* RFC 5321 4.5.3.1.6 */
#define M8_LSTART	(M8_LINE_MAX + 2) /* held start of a line */
#define M8_CHUNK	(64 * 1024)	/* one msg_read_chunk */
#define M8_QP_SLICE	4096		/* encoded at a time */
#define M8_HDR_MAX	MSG_HEADER_MAX	/* one part's header block */
#define M8_PARTS_MAX	10000
#define M8_DEPTH_MAX	64		/* nested multiparts */
#define M8_BOUNDARY_MAX	200		/* RFC 2046 says 70; be lenient */
#define M8_NONE		SIZE_MAX
#define M8_NUM_MAX	64		/* "1.2.3", IMAP style */
#define M8_MEDIA_MAX	80

enum m8_type { M8_TEXT, M8_MULTI, M8_MESSAGE, M8_OTHER };

enum m8_cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64,
	CTE_OTHER };

/* One entity (RFC 2045 section 2.4): the message or a body part. */
struct m8_ent {
	size_t	 parent;	/* M8_NONE for the message */
	unsigned depth;
	char	 num[M8_NUM_MAX];	/* part number, "" for the message */
	size_t	 nchild;
	enum m8_type type;
	char	 media[M8_MEDIA_MAX];	/* "type/subtype", for messages */
	enum m8_cte cte;
	char	*boundary;	/* multipart */
	bool	 sealed;	/* multipart/signed or /encrypted */
	bool	 digest;	/* multipart/digest */
	bool	 has_ct;
	bool	 has_mimever;
	/* First pass: what the entity holds. */
	bool	 hdr8;		/* 8-bit bytes in its header */
	bool	 body8, bodylong;	/* in a leaf's body */
	bool	 outer8, outerlong;	/* in a multipart's preamble or
					   epilogue */
	bool	 utf8_bad;
	struct mime_utf8 utf8;
	/* Decisions. */
	bool	 convert;	/* re-encode as quoted-printable */
	bool	 rebound;	/* a multipart that encloses a converted
				   part: it gets newb */
	char	*newb;
};

enum m8_mode {
	M8_HDR,		/* the header block of cur */
	M8_BODY,	/* the body of cur, a leaf */
	M8_PRE,		/* the preamble of cur, a multipart */
	M8_EPI		/* after cur's close delimiter */
};

struct m8 {
	const struct mime8_conf *conf;
	struct msg *out;	/* NULL in the first pass */
	struct err *e;
	struct m8_ent *ents;
	size_t	 nent, cap;
	size_t	 next;		/* second pass: the next entity to meet */
	bool	 add_mimever;
	size_t	 cur;
	enum m8_mode mode;
	char	*hdr;		/* the header block being read */
	size_t	 hlen, hcap;
	char	 lbuf[M8_LSTART];	/* the start of the current line */
	size_t	 llen;
	bool	 streaming;	/* its start went out as content */
	bool	 held;		/* the CR LF of the last body line */
	struct mime_qp qp;
	char	*qpout;
};

/* A header field inside a header block. */

static int
m8_oom(struct err *e)
{
	return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
}

static int
m8_put(struct m8 *x, const char *p, size_t n)
{
	if (x->out == NULL || n == 0)
		return 0;
	return msg_put(x->out, p, n, x->e);
}

static int
m8_puts(struct m8 *x, const char *s)
{
	return m8_put(x, s, strlen(s));
}

static bool
m8_has_8bit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] & 0x80)
			return true;
	return false;
}

/* ---- header fields ---- */


enum m8_kind { KIND_FIELD, KIND_CONT, KIND_END };

/* What a line is to a header block, as msg.c decides it: a field name is
 * printable ASCII up to a colon (WSP before it allowed, RFC 5322 4.5). */
static enum m8_kind
m8_line_kind(const char *p, size_t n, bool first)
{
	size_t i;

	if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
		return first ? KIND_END : KIND_CONT;
	for (i = 0; i < n && (unsigned char)p[i] > 32 &&
	    (unsigned char)p[i] < 127 && p[i] != ':'; i++)
		;
	if (i == 0 || i > M8_LINE_MAX)
		return KIND_END;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':' ? KIND_FIELD : KIND_END;
}

/* ---- Content-Type and Content-Transfer-Encoding (RFC 2045 5.1, 6.1) ---- */

struct m8_lex {
	const char *p, *end;
};

/* CFWS: white space, folds and (nested) comments. */
static void
m8_cfws(struct m8_lex *l)
{
	int depth = 0;

	for (; l->p < l->end; l->p++) {
		char c = *l->p;

		if (depth > 0 && c == '\\' && l->p + 1 < l->end)
			l->p++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n')
			return;
	}
}

static bool
m8_tchar(char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A token; its length, 0 when there is none. */
static size_t
m8_token(struct m8_lex *l, const char **start)
{
	m8_cfws(l);
	*start = l->p;
	while (l->p < l->end && m8_tchar(*l->p))
		l->p++;
	return (size_t)(l->p - *start);
}

static bool
m8_special(struct m8_lex *l, char c)
{
	m8_cfws(l);
	if (l->p < l->end && *l->p == c) {
		l->p++;
		return true;
	}
	return false;
}

/* A parameter value, token or quoted-string; *raw and *rawlen span it as
 * written, *val is it unquoted (caller frees). */
static bool
m8_value(struct m8_lex *l, const char **raw, size_t *rawlen, char **val)
{
	const char *s;
	size_t n = m8_token(l, &s), k = 0;

	*raw = s;
	if (n > 0) {
		*rawlen = n;
		return (*val = strndup(s, n)) != NULL;
	}
	if (l->p >= l->end || *l->p != '"' ||
	    (*val = malloc((size_t)(l->end - l->p))) == NULL)
		return false;
	for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
		if (*l->p == '\\' && l->p + 1 < l->end)
			l->p++;
		else if (*l->p == '\r' || *l->p == '\n')
			continue;	/* a fold inside the quotes */
		(*val)[k++] = *l->p;
	}
	(*val)[k] = '\0';
	if (l->p >= l->end) {
		free(*val);
		*val = NULL;
		return false;
	}
	l->p++;
	*rawlen = (size_t)(l->p - s);
	return true;
}

struct m8_ct {
	char	 type[M8_MEDIA_MAX], sub[M8_MEDIA_MAX];
	char	*boundary;	/* unquoted, NULL: none */
	size_t	 bstart, blen;	/* its span in the value, as written */
};

static void
m8_lower(char *dst, const char *s, size_t n)
{
	if (n >= M8_MEDIA_MAX)
		n = M8_MEDIA_MAX - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
	dst[n] = '\0';
}

/* type "/" subtype *(";" attribute "=" value); false when it does not
 * parse (the part is then treated as of no known type).  Parameters
 * after the boundary are not needed and need not parse. */
static bool
m8_ct_parse(const char *v, size_t len, struct m8_ct *ct)
{
	struct m8_lex l = { v, v + len };
	const char *s, *raw;
	size_t n, rawlen;
	char *val;

	memset(ct, 0, sizeof(*ct));
	if ((n = m8_token(&l, &s)) == 0)
		return false;
	m8_lower(ct->type, s, n);
	if (!m8_special(&l, '/') || (n = m8_token(&l, &s)) == 0)
		return false;
	m8_lower(ct->sub, s, n);
	while (m8_special(&l, ';')) {
		if ((n = m8_token(&l, &s)) == 0)
			continue;	/* an empty parameter: ";;" or ";" */
		if (!m8_special(&l, '=') || !m8_value(&l, &raw, &rawlen, &val))
			return true;
		if (n == 8 && strncasecmp(s, "boundary", 8) == 0 &&
		    ct->boundary == NULL) {
			ct->boundary = val;
			ct->bstart = (size_t)(raw - v);
			ct->blen = rawlen;
		} else {
			free(val);
		}
	}
	return true;
}

static enum m8_cte
m8_cte_parse(const char *v, size_t len)
{
	static const struct {
		const char *name;
		enum m8_cte cte;
	} names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT },
		{ "binary", CTE_BINARY }, { "quoted-printable", CTE_QP },
		{ "base64", CTE_BASE64 },
	};
	struct m8_lex l = { v, v + len };
	const char *s;
	size_t n = m8_token(&l, &s);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
		    strncasecmp(s, names[i].name, n) == 0)
			return names[i].cte;
	return CTE_OTHER;
}

/* ---- entities ---- */

static int
m8_ent_new(struct m8 *x, size_t parent)
{
	struct m8_ent *p, *n;

	if (x->nent == M8_PARTS_MAX)
		return err_set(x->e, ERR_DATA, STEP_MESSAGE, "the message has "
		    "more than %d MIME parts", M8_PARTS_MAX);
	if (x->nent == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;

		if ((n = realloc(x->ents, cap * sizeof(*n))) == NULL)
			return m8_oom(x->e);
		x->ents = n;
		x->cap = cap;
	}
	n = &x->ents[x->nent];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	mime_utf8_init(&n->utf8);
	if (parent != M8_NONE) {
		p = &x->ents[parent];
		n->depth = p->depth + 1;
		p->nchild++;
		snprintf(n->num, sizeof(n->num), "%.40s%s%zu", p->num,
		    p->num[0] ? "." : "", p->nchild);
		if (n->depth > M8_DEPTH_MAX)
			return err_set(x->e, ERR_DATA, STEP_MESSAGE, "the "
			    "message nests multiparts more than %d deep",
			    M8_DEPTH_MAX);
	}
	x->cur = x->nent++;
	return 0;
}

/* "the message" or "part 1.2 (image/png)", for errors. */
static const char *
m8_name(const struct m8_ent *n, char *buf, size_t len)
{
	if (n->parent == M8_NONE)
		snprintf(buf, len, "the message (%s)", n->media);
	else
		snprintf(buf, len, "part %s (%s)", n->num, n->media);
	return buf;
}

/* Type, encoding and boundary of the entity, from its header block. */
static void
m8_ent_type(struct m8 *x, struct m8_ent *n)
{
	struct msg_field f;
	struct m8_ct ct;
	size_t pos = 0;
	bool ok = false;

	memset(&ct, 0, sizeof(ct));
	while (msg_field_next(x->hdr, x->hlen, &pos, &f)) {
		if (msg_field_is(&f, "Content-Type") && !n->has_ct) {
			n->has_ct = true;
			ok = m8_ct_parse(f.value, f.vlen, &ct);
		} else if (msg_field_is(&f, "Content-Transfer-Encoding") &&
		    n->cte == CTE_NONE) {
			n->cte = m8_cte_parse(f.value, f.vlen);
		} else if (msg_field_is(&f, "MIME-Version")) {
			n->has_mimever = true;
		}
	}
	if (!n->has_ct && n->parent != M8_NONE && x->ents[n->parent].digest)
		snprintf(ct.type, sizeof(ct.type), "message");
	else if (!n->has_ct)
		snprintf(ct.type, sizeof(ct.type), "text");
	if (!n->has_ct)
		snprintf(ct.sub, sizeof(ct.sub), ct.type[0] == 'm' ? "rfc822" :
		    "plain");
	if (n->has_ct && !ok)
		snprintf(n->media, sizeof(n->media), "unparsable Content-Type");
	else
		snprintf(n->media, sizeof(n->media), "%.38s/%.38s", ct.type,
		    ct.sub);
	n->type = M8_OTHER;
	if (n->has_ct && !ok)
		n->type = M8_OTHER;
	else if (strcmp(ct.type, "text") == 0)
		n->type = M8_TEXT;
	else if (strcmp(ct.type, "message") == 0)
		n->type = M8_MESSAGE;
	else if (strcmp(ct.type, "multipart") == 0 && ct.boundary != NULL &&
	    *ct.boundary != '\0' && strlen(ct.boundary) <= M8_BOUNDARY_MAX) {
		n->type = M8_MULTI;
		n->boundary = ct.boundary;
		ct.boundary = NULL;
		n->sealed = strcmp(ct.sub, "signed") == 0 ||
		    strcmp(ct.sub, "encrypted") == 0;
		n->digest = strcmp(ct.sub, "digest") == 0;
	}
	free(ct.boundary);
}

/* ---- writing (second pass) ---- */

/* The Content-Type field with the boundary parameter's value replaced. */
static int
m8_put_ct(struct m8 *x, const struct msg_field *f, const char *newb)
{
	struct m8_ct ct;
	size_t at;
	int rc;

	if (!m8_ct_parse(f->value, f->vlen, &ct) || ct.boundary == NULL) {
		free(ct.boundary);
		return err_set(x->e, ERR_INTERNAL, STEP_MESSAGE, "a boundary "
		    "went missing between the two passes");
	}
	free(ct.boundary);
	at = (size_t)(f->value - f->p) + ct.bstart;
	rc = m8_put(x, f->p, at);
	if (rc == 0)
		rc = m8_puts(x, "\"");
	if (rc == 0)
		rc = m8_puts(x, newb);
	if (rc == 0)
		rc = m8_puts(x, "\"");
	if (rc == 0)
		rc = m8_put(x, f->p + at + ct.blen, f->len - at - ct.blen);
	return rc;
}

/* The fields a converted entity gets at the end of its header block. */
static int
m8_put_added(struct m8 *x, const struct m8_ent *n)
{
	int rc = 0;

	if (n->parent == M8_NONE && x->add_mimever)
		rc = m8_puts(x, "MIME-Version: 1.0\r\n");
	if (rc == 0 && n->convert && !n->has_ct && n->body8)
		rc = m8_puts(x, n->utf8_bad ?
		    "Content-Type: text/plain; charset=unknown-8bit\r\n" :
		    "Content-Type: text/plain; charset=utf-8\r\n");
	if (rc == 0 && n->convert)
		rc = m8_puts(x, "Content-Transfer-Encoding: "
		    "quoted-printable\r\n");
	return rc;
}

static int
m8_put_header(struct m8 *x, const struct m8_ent *n, bool blank)
{
	bool top = n->parent == M8_NONE, ct_done = false;
	struct msg_field f;
	size_t pos = 0;
	int rc = 0;

	if (!n->convert && n->newb == NULL && !(top && x->add_mimever))
		return m8_put(x, x->hdr, x->hlen);
	while (rc == 0 && msg_field_next(x->hdr, x->hlen, &pos, &f)) {
		if (n->convert && msg_field_is(&f, "Content-Transfer-Encoding"))
			continue;
		/* the first Content-Type is the one that counted */
		if (n->newb != NULL && !ct_done &&
		    msg_field_is(&f, "Content-Type")) {
			ct_done = true;
			rc = m8_put_ct(x, &f, n->newb);
		} else
			rc = m8_put(x, f.p, f.len);
	}
	if (rc == 0)
		rc = m8_put_added(x, n);
	/* A body that followed the fields without an empty line must stay
	 * body: its first line, once encoded, might read as a field. */
	if (rc == 0 && !blank && (n->convert || x->hlen == 0))
		rc = m8_puts(x, "\r\n");
	return rc;
}

/* ---- bodies ---- */

static struct m8_ent *
m8_cur(struct m8 *x)
{
	return &x->ents[x->cur];
}

/* Body bytes of the current leaf: counted, or written as they are or
 * quoted-printable. */
static int
m8_body_out(struct m8 *x, const char *p, size_t n)
{
	struct m8_ent *c = m8_cur(x);

	if (x->out == NULL) {
		if (!c->body8 && m8_has_8bit(p, n))
			c->body8 = true;
		if (!c->utf8_bad && mime_utf8_feed(&c->utf8, p, n) < n)
			c->utf8_bad = true;
		return 0;
	}
	if (!c->convert)
		return m8_put(x, p, n);
	while (n > 0) {
		size_t k = n < M8_QP_SLICE ? n : M8_QP_SLICE;

		if (m8_put(x, x->qpout, mime_qp_run(&x->qp, p, k, x->qpout)) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/* A body line begins: the CR LF of the one before is content now. */
static int
m8_body_line(struct m8 *x, const char *p, size_t n)
{
	if (x->held) {
		x->held = false;
		if (m8_body_out(x, "\r\n", 2) < 0)
			return -1;
	}
	return m8_body_out(x, p, n);
}

/* The body ends at a delimiter or at the end: the held CR LF is the
 * delimiter's (RFC 2046 5.1.1), or the last line's, and in both cases
 * goes out as it is after the encoder's last bytes. */
static int
m8_body_close(struct m8 *x)
{
	struct m8_ent *c = m8_cur(x);
	bool held = x->held;

	x->held = false;
	if (x->out == NULL) {
		if (!mime_utf8_done(&c->utf8))
			c->utf8_bad = true;
		return 0;
	}
	if (c->convert &&
	    m8_put(x, x->qpout, mime_qp_finish(&x->qp, x->qpout)) < 0)
		return -1;
	return held ? m8_puts(x, "\r\n") : 0;
}

/* ---- the line dispatcher ---- */

static int m8_whole(struct m8 *, const char *, size_t);
static int m8_begin(struct m8 *, const char *, size_t);

/* The header block is complete: the entity's type decides what follows. */
static int
m8_hdr_end(struct m8 *x, bool blank)
{
	struct m8_ent *c = m8_cur(x);

	if (x->out == NULL) {
		c->hdr8 = m8_has_8bit(x->hdr, x->hlen);
		m8_ent_type(x, c);
	} else if (m8_put_header(x, c, blank) < 0 ||
	    (blank && m8_puts(x, "\r\n") < 0)) {
		return -1;
	}
	x->hlen = 0;
	x->held = false;
	x->mode = c->type == M8_MULTI ? M8_PRE : M8_BODY;
	mime_qp_init(&x->qp);
	return 0;
}

static int
m8_hdr_add(struct m8 *x, const char *p, size_t n)
{
	char *h;

	if (x->hlen + n + 2 > M8_HDR_MAX)
		return err_set(x->e, ERR_DATA, STEP_MESSAGE, "a MIME part has "
		    "a header block over 1 MiB");
	if (x->hlen + n + 2 > x->hcap) {
		size_t cap = x->hcap ? x->hcap : 4096;

		while (cap < x->hlen + n + 2)
			cap *= 2;
		if ((h = realloc(x->hdr, cap)) == NULL)
			return m8_oom(x->e);
		x->hdr = h;
		x->hcap = cap;
	}
	memcpy(x->hdr + x->hlen, p, n);
	memcpy(x->hdr + x->hlen + n, "\r\n", 2);
	x->hlen += n + 2;
	return 0;
}

/* Whether the line is a delimiter of b: "--" b, then "--" for the close
 * delimiter, then only white space (RFC 2046 5.1.1 transport padding). */
static bool
m8_delim_of(const char *p, size_t n, const char *b, bool *close)
{
	size_t bl = strlen(b), i = 2 + bl;

	if (n < i || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, bl) != 0)
		return false;
	*close = n >= i + 2 && p[i] == '-' && p[i + 1] == '-';
	for (i += *close ? 2 : 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

/* The multipart whose delimiter the line is, innermost first, or
 * M8_NONE. */
static size_t
m8_delim_find(struct m8 *x, const char *p, size_t n, bool *close)
{
	size_t k = x->mode == M8_PRE ? x->cur : x->ents[x->cur].parent;

	if (n < 3 || p[0] != '-' || p[1] != '-')
		return M8_NONE;
	for (; k != M8_NONE; k = x->ents[k].parent)
		if (x->ents[k].type == M8_MULTI &&
		    m8_delim_of(p, n, x->ents[k].boundary, close))
			return k;
	return M8_NONE;
}

/* A delimiter of multipart k: what was open ends, the line goes out (with
 * the new boundary, if k has one), and a part begins unless it closes. */
static int
m8_delim(struct m8 *x, size_t k, bool close, const char *p, size_t n)
{
	const struct m8_ent *mp = &x->ents[k];
	int rc;

	if (x->mode == M8_BODY && m8_body_close(x) < 0)
		return -1;
	/* Transport padding that makes the line too long goes with a new
	 * boundary, written without it. */
	if (x->out == NULL && n > M8_LINE_MAX)
		x->ents[k].rebound = true;
	if (mp->newb == NULL)
		rc = m8_put(x, p, n);
	else if ((rc = m8_puts(x, "--")) == 0 &&
	    (rc = m8_puts(x, mp->newb)) == 0 && close)
		rc = m8_puts(x, "--");
	if (rc < 0 || m8_puts(x, "\r\n") < 0)
		return -1;
	if (close) {
		x->cur = k;
		x->mode = M8_EPI;
		return 0;
	}
	x->mode = M8_HDR;
	x->hlen = 0;
	if (x->out != NULL) {
		x->cur = x->next++;
		return 0;
	}
	return m8_ent_new(x, k);
}

/* Preamble and epilogue: counted, or written as they are. */
static int
m8_outer(struct m8 *x, const char *p, size_t n, bool eol, bool longline)
{
	struct m8_ent *c = m8_cur(x);

	if (x->out == NULL) {
		c->outer8 = c->outer8 || m8_has_8bit(p, n);
		c->outerlong = c->outerlong || longline;
		return 0;
	}
	if (m8_put(x, p, n) < 0)
		return -1;
	return eol ? m8_puts(x, "\r\n") : 0;
}

static int
m8_hdr_line_too_long(struct m8 *x)
{
	char name[M8_MEDIA_MAX + M8_NUM_MAX + 32];
	struct m8_ent *c = m8_cur(x);

	if (c->parent == M8_NONE)
		snprintf(name, sizeof(name), "the message");
	else
		snprintf(name, sizeof(name), "part %s", c->num);
	err_set(x->e, ERR_DATA, STEP_MESSAGE, "%s has a header line over %d "
	    "octets; it cannot be sent without folding it", name,
	    M8_LINE_MAX);
	err_hint(x->e, "fold the header field (RFC 5322 2.2.3) before "
	    "sending");
	return -1;
}

/* A complete line of at most M8_LSTART octets, without its CR LF. */
static int
m8_whole(struct m8 *x, const char *p, size_t n)
{
	size_t k;
	bool close;

	/* A part may end at a delimiter before its header block does; a
	 * boundary may hold ':' and look like a field. */
	if (x->mode == M8_HDR && x->cur != 0 &&
	    (k = m8_delim_find(x, p, n, &close)) != M8_NONE)
		return m8_hdr_end(x, false) < 0 ? -1 :
		    m8_delim(x, k, close, p, n);
	if (x->mode == M8_HDR) {
		switch (m8_line_kind(p, n, x->hlen == 0)) {
		case KIND_FIELD:
		case KIND_CONT:
			if (n > M8_LINE_MAX)
				return m8_hdr_line_too_long(x);
			return m8_hdr_add(x, p, n);
		case KIND_END:
			if (m8_hdr_end(x, n == 0) < 0)
				return -1;
			return n == 0 ? 0 : m8_whole(x, p, n);
		}
	}
	if ((k = m8_delim_find(x, p, n, &close)) != M8_NONE)
		return m8_delim(x, k, close, p, n);
	if (x->mode != M8_BODY)
		return m8_outer(x, p, n, true, n > M8_LINE_MAX);
	if (n > M8_LINE_MAX)
		m8_cur(x)->bodylong = true;
	if (m8_body_line(x, p, n) < 0)
		return -1;
	x->held = true;
	return 0;
}

/* The first M8_LSTART octets of a longer line: content, never a field
 * or a delimiter. */
static int
m8_begin(struct m8 *x, const char *p, size_t n)
{
	if (x->mode == M8_HDR) {
		if (m8_line_kind(p, n, x->hlen == 0) != KIND_END)
			return m8_hdr_line_too_long(x);
		if (m8_hdr_end(x, false) < 0)
			return -1;
	}
	if (x->mode != M8_BODY)
		return m8_outer(x, p, n, false, true);
	m8_cur(x)->bodylong = true;
	return m8_body_line(x, p, n);
}

/* More of a long line. */
static int
m8_more(struct m8 *x, const char *p, size_t n)
{
	if (x->mode != M8_BODY)
		return m8_outer(x, p, n, false, true);
	return m8_body_out(x, p, n);
}

/* The end of a long line. */
static int
m8_long_end(struct m8 *x)
{
	if (x->mode != M8_BODY)
		return m8_outer(x, "", 0, true, true);
	x->held = true;
	return 0;
}

/* ---- splitting the spool into lines ---- */

/* Bytes of the current line, its CR dropped (msg normalised every line
 * end to CR LF, so a CR is always the one before LF). */
static int
m8_piece(struct m8 *x, const char *p, size_t n)
{
	size_t k;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (x->streaming)
		return m8_more(x, p, n);
	k = M8_LSTART - x->llen < n ? M8_LSTART - x->llen : n;
	memcpy(x->lbuf + x->llen, p, k);
	x->llen += k;
	if (k == n)
		return 0;
	x->streaming = true;
	if (m8_begin(x, x->lbuf, x->llen) < 0)
		return -1;
	return m8_more(x, p + k, n - k);
}

static int
m8_eol(struct m8 *x)
{
	int rc = x->streaming ? m8_long_end(x) : m8_whole(x, x->lbuf, x->llen);

	x->llen = 0;
	x->streaming = false;
	return rc;
}

static int
m8_feed(struct m8 *x, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl != NULL ? (size_t)(nl - p) : n;

		if (m8_piece(x, p, k) < 0)
			return -1;
		if (nl == NULL)
			return 0;
		if (m8_eol(x) < 0)
			return -1;
		p += k + 1;
		n -= k + 1;
	}
	return 0;
}

/* The end of the message ends whatever is open. */
static int
m8_finish(struct m8 *x)
{
	if ((x->llen > 0 || x->streaming) && m8_eol(x) < 0)
		return -1;
	if (x->mode == M8_HDR && m8_hdr_end(x, false) < 0)
		return -1;
	return x->mode == M8_BODY ? m8_body_close(x) : 0;
}

static int
m8_pass(struct m8 *x, struct msg *in, char *buf)
{
	ssize_t n;

	x->llen = 0;
	x->hlen = 0;
	x->streaming = x->held = false;
	x->mode = M8_HDR;
	x->cur = 0;
	x->next = 1;
	if (msg_rewind(in, x->e) < 0 ||
	    (x->out == NULL && m8_ent_new(x, M8_NONE) < 0))
		return -1;
	while ((n = msg_read_chunk(in, buf, M8_CHUNK, x->e)) > 0)
		if (m8_feed(x, buf, (size_t)n) < 0)
			return -1;
	if (n < 0 || m8_finish(x) < 0)
		return -1;
	if (x->out != NULL && x->next != x->nent)
		return err_set(x->e, ERR_INTERNAL, STEP_MESSAGE, "the two "
		    "passes over the message found different parts");
	return 0;
}

/* ---- decisions between the passes ---- */

static int
m8_refuse(struct m8 *x, const struct m8_ent *n, const char *why,
    const char *hint)
{
	char name[M8_MEDIA_MAX + M8_NUM_MAX + 32];

	err_set(x->e, ERR_DATA, STEP_MESSAGE, "%s %s", m8_name(n, name,
	    sizeof(name)), why);
	err_hint(x->e, "%s", hint);
	return -1;
}

/* What makes text unfit, in words, into buf; NULL: nothing. */
static const char *
m8_fault(const struct m8 *x, bool eight, bool longline, const char *where,
    char *buf, size_t len)
{
	if (longline)
		snprintf(buf, len, "has a line over %d octets%s", M8_LINE_MAX,
		    where);
	else if (eight && !x->conf->eightbit)
		snprintf(buf, len, "has 8-bit bytes%s, and the server does "
		    "not take them (no 8BITMIME, or -B7BIT)", where);
	else
		return NULL;
	return buf;
}

/* A part to convert: no signature above it may be broken, and every
 * multipart above it gets a new boundary. */
static int
m8_mark(struct m8 *x, struct m8_ent *n, const char *why)
{
	char msg[ERR_MSG_MAX];

	for (size_t k = n->parent; k != M8_NONE; k = x->ents[k].parent)
		if (x->ents[k].sealed) {
			snprintf(msg, sizeof(msg), "%s, and it is inside "
			    "%s, which any change would break", why,
			    x->ents[k].media);
			return m8_refuse(x, n, msg, "sign or encrypt a message "
			    "that is 7-bit already (quoted-printable text)");
		}
	n->convert = true;
	x->add_mimever = !x->ents[0].has_mimever;
	for (size_t k = n->parent; k != M8_NONE; k = x->ents[k].parent)
		x->ents[k].rebound = true;
	return 0;
}

static int
m8_decide_leaf(struct m8 *x, struct m8_ent *n)
{
	char buf[ERR_MSG_MAX / 2];
	const char *why = m8_fault(x, n->body8, n->bodylong, "", buf,
	    sizeof(buf));

	if (why == NULL)
		return 0;
	if (n->type == M8_TEXT && (n->cte == CTE_NONE || n->cte == CTE_7BIT ||
	    n->cte == CTE_8BIT || n->cte == CTE_BINARY))
		return m8_mark(x, n, why);
	if (n->type == M8_TEXT)
		return m8_refuse(x, n, why, "it claims to be encoded already; "
		    "fix the program that wrote it");
	if (n->type == M8_MESSAGE)
		return m8_refuse(x, n, why, "an attached message cannot be "
		    "re-encoded (RFC 2046 5.2); attach it as a file instead");
	return m8_refuse(x, n, why, "only text can be re-encoded; send "
	    "other parts base64-encoded");
}

static int
m8_decide(struct m8 *x)
{
	for (size_t i = 0; i < x->nent; i++) {
		struct m8_ent *n = &x->ents[i];
		char buf[ERR_MSG_MAX / 2];

		if (n->hdr8 && !x->conf->eightbit)
			return m8_refuse(x, n, "has 8-bit bytes in its header "
			    "fields, and the server does not take them (no "
			    "8BITMIME, or -B7BIT)", "write non-ASCII header "
			    "text as RFC 2047 encoded words, or use a server "
			    "that offers 8BITMIME");
		if (n->type != M8_MULTI) {
			if (m8_decide_leaf(x, n) < 0)
				return -1;
		} else if (m8_fault(x, n->outer8, n->outerlong, " in its "
		    "preamble or epilogue", buf, sizeof(buf)) != NULL) {
			return m8_refuse(x, n, buf, "the text before the first "
			    "and after the last part is not converted; "
			    "remove it");
		}
	}
	return 0;
}

static int
m8_boundaries(struct m8 *x)
{
	for (size_t i = 0; i < x->nent; i++) {
		struct m8_ent *n = &x->ents[i];
		size_t len = MIME_BOUNDARY_LEN + 1;

		if (!n->rebound)
			continue;
		if (x->conf->boundary != NULL)
			len = strlen(x->conf->boundary) + 24;
		if ((n->newb = malloc(len)) == NULL)
			return m8_oom(x->e);
		if (x->conf->boundary != NULL)
			snprintf(n->newb, len, "%s.%zu", x->conf->boundary, i);
		else if (mime_boundary(n->newb, x->e) < 0)
			return -1;
	}
	return 0;
}

static void
m8_free(struct m8 *x)
{
	for (size_t i = 0; i < x->nent; i++) {
		free(x->ents[i].boundary);
		free(x->ents[i].newb);
	}
	free(x->ents);
	free(x->hdr);
	free(x->qpout);
}

bool
mime8_needed(const struct msg *m, bool eightbit)
{
	return msg_longest_line(m) > M8_LINE_MAX ||
	    (msg_has_8bit(m) && !eightbit);
}

int
mime8_filter(void *ctx, struct msg *in, struct msg *out, struct err *e)
{
	struct m8 x;
	char *buf = malloc(M8_CHUNK);
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.conf = ctx;
	x.e = e;
	x.qpout = malloc(MIME_QP_OUT_MAX(M8_QP_SLICE) + MIME_QP_FINISH_MAX);
	if (buf == NULL || x.qpout == NULL)
		m8_oom(e);
	else if (m8_pass(&x, in, buf) == 0 && m8_decide(&x) == 0 &&
	    m8_boundaries(&x) == 0) {
		x.out = out;
		rc = m8_pass(&x, in, buf);
	}
	m8_free(&x);
	free(buf);
	return rc;
}

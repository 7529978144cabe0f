/*
 * addr: envelope address checks and the header address-list parser.
 *
 * Envelope addresses follow RFC 5321 section 4.1.2 (Mailbox, Local-part,
 * Domain, address-literal) with the limits of section 4.5.3.1.  The check
 * is the last defence against command injection: an address goes verbatim
 * into "MAIL FROM:<...>" or "RCPT TO:<...>", where a CR or LF would start a
 * command of its own.  8-bit bytes pass (RFC 6531 allows UTF-8 in both
 * parts); whether the server takes them is the session's business.
 *
 * Header address lists follow RFC 5322 section 3.4, with the obsolete forms
 * of section 4.4 that still occur: empty list elements, routes in angle
 * addresses, CFWS between the words of an address.
 */
#include <config.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* How many bytes of a bad address or list an error message shows. */
#define ADDR_SHOW_MAX	60
#define LIST_SHOW_MAX	30
/* RFC 1035 section 2.3.4: 63 octets per label. */
#define ADDR_LABEL_MAX	63

/* A printable, bounded copy of untrusted bytes for error messages. */
struct shown {
	char	 s[ADDR_SHOW_MAX * 4 + 4];
};

/* Copies at most max bytes of s, control and 8-bit bytes as \xNN and a
 * backslash doubled, so that what is shown reads back unambiguously, and
 * "..." when cut short. */
static const char *
addr_show(struct shown *sh, const char *s, size_t len, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(sh->s + o, sizeof(sh->s) - o,
			    "\\x%02x", c);
		} else {
			if (c == '\\')
				sh->s[o++] = '\\';
			sh->s[o++] = (char)c;
		}
	}
	if (len > max) {
		memcpy(sh->s + o, "...", 3);
		o += 3;
	}
	sh->s[o] = '\0';
	return sh->s;
}

/* One byte for a message: 'c' when printable, else \xNN. */
static const char *
addr_show_byte(char out[8], unsigned char c)
{
	if (c < 0x20 || c >= 0x7f)
		snprintf(out, 8, "\\x%02x", c);
	else
		snprintf(out, 8, "'%c'", c);
	return out;
}

static bool
addr_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 5322 section 3.2.3 atext, plus the UTF-8 bytes of RFC 6532. */
static bool
addr_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
addr_is_letdig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* The address being checked, for error messages. */
struct chk {
	const char *a;
	size_t	 len;
	struct err *e;
};

static int chk_fail(const struct chk *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
chk_fail(const struct chk *c, const char *fmt, ...)
{
	struct shown sh;
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(c->e, ERR_USAGE, STEP_ARGS, "address \"%s\" %s",
	    addr_show(&sh, c->a, c->len, ADDR_SHOW_MAX), what);
}

/* Bytes that are wrong anywhere, quoted or not: these are the ones that
 * could end a command line or confuse a server looking for the '>'. */
static int
chk_bytes(const struct chk *c)
{
	char b[8];

	for (size_t i = 0; i < c->len; i++) {
		unsigned char ch = (unsigned char)c->a[i];

		if (addr_is_ctl(ch))
			return chk_fail(c, "contains a control character (%s)",
			    addr_show_byte(b, ch));
		if (ch == '<' || ch == '>')
			return chk_fail(c, "contains '%c'; give the address "
			    "without angle brackets", ch);
	}
	return 0;
}

/* RFC 5321 Quoted-string: qtextSMTP and quoted-pairSMTP (%d92 %d32-126).
 * Sets *end past the closing quote. */
static int
chk_quoted(const struct chk *c, size_t *end)
{
	size_t i = 1;

	for (;;) {
		if (i >= c->len)
			return chk_fail(c, "has an unterminated quoted string");
		if (c->a[i] == '"')
			break;
		if (c->a[i] == '\\') {
			if (i + 1 >= c->len ||
			    (unsigned char)c->a[i + 1] >= 0x7f)
				return chk_fail(c, "has a bad quoted pair");
			i++;
		}
		i++;
	}
	*end = i + 1;
	return 0;
}

/* RFC 5321 Dot-string: atoms separated by single dots.  Stops at '@' or
 * at the end; sets *end there. */
static int
chk_dot_string(const struct chk *c, size_t *end)
{
	char b[8];
	size_t i;

	for (i = 0; i < c->len && c->a[i] != '@'; i++) {
		unsigned char ch = (unsigned char)c->a[i];

		if (ch == '.') {
			if (i == 0 || c->a[i - 1] == '.')
				return chk_fail(c, "has a misplaced '.' in "
				    "the local part");
			continue;
		}
		if (ch == ' ')
			return chk_fail(c, "contains a space outside quotes");
		if (!addr_is_atext(ch))
			return chk_fail(c, "has %s in the local part; quote "
			    "the local part to use it", addr_show_byte(b, ch));
	}
	if (i == 0)
		return chk_fail(c, "has an empty local part");
	if (c->a[i - 1] == '.')
		return chk_fail(c, "has a misplaced '.' in the local part");
	*end = i;
	return 0;
}

/* Sets *end to the length of the local part, which is followed by '@'
 * or by the end of a bare name. */
static int
chk_local(const struct chk *c, size_t *end)
{
	char b[8];

	if (c->a[0] == '"') {
		if (chk_quoted(c, end) < 0)
			return -1;
		if (*end < c->len && c->a[*end] != '@')
			return chk_fail(c, "has %s after the quoted local part",
			    addr_show_byte(b, (unsigned char)c->a[*end]));
	} else if (chk_dot_string(c, end) < 0)
		return -1;
	if (*end > ADDR_LOCAL_MAX)
		return chk_fail(c, "has a local part of %zu octets; RFC 5321 "
		    "allows %d", *end, ADDR_LOCAL_MAX);
	return 0;
}

/* RFC 5321 sub-domain: Let-dig [Ldh-str]; U-labels pass as 8-bit bytes
 * (RFC 6531) and are converted and checked again later. */
static int
chk_label(const struct chk *c, const char *l, size_t len)
{
	bool ascii = true;
	char b[8];

	if (len == 0)
		return chk_fail(c, "has an empty label in the domain");
	if (l[0] == '-' || l[len - 1] == '-')
		return chk_fail(c, "has a domain label that starts or ends "
		    "with '-'");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)l[i];

		if (ch >= 0x80)
			ascii = false;
		else if (!addr_is_letdig(ch) && ch != '-')
			return chk_fail(c, "has %s in the domain",
			    addr_show_byte(b, ch));
	}
	if (ascii && len > ADDR_LABEL_MAX)
		return chk_fail(c, "has a domain label of %zu octets; DNS "
		    "allows %d", len, ADDR_LABEL_MAX);
	return 0;
}

/* RFC 5321 General-address-literal: Standardized-tag ":" 1*dcontent. */
static bool
chk_general_literal(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t tag, i;

	if (colon == NULL || colon == s || (size_t)(colon - s) + 1 == len)
		return false;
	tag = (size_t)(colon - s);
	if (!addr_is_letdig((unsigned char)s[tag - 1]))
		return false;
	for (i = 0; i < tag; i++)
		if (!addr_is_letdig((unsigned char)s[i]) && s[i] != '-')
			return false;
	for (i = tag + 1; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 33 || ch > 126 || ch == '[' || ch == '\\' ||
		    ch == ']')
			return false;
	}
	return true;
}

/* RFC 5321 address-literal: "[" IPv4 / "IPv6:" IPv6 / general "]". */
static int
chk_literal(const struct chk *c, const char *d, size_t len)
{
	char ip[ADDR_DOMAIN_MAX + 1];
	unsigned char bin[16];
	const char *in = d + 1;
	size_t inlen = len - 2;
	int ok;

	if (len < 3 || d[len - 1] != ']')
		return chk_fail(c, "has an unterminated address literal");
	if (inlen >= 5 && strncasecmp(in, "IPv6:", 5) == 0) {
		memcpy(ip, in + 5, inlen - 5);
		ip[inlen - 5] = '\0';
		ok = inet_pton(AF_INET6, ip, bin) == 1;
	} else if (memchr(in, ':', inlen) != NULL) {
		ok = chk_general_literal(in, inlen);
	} else {
		memcpy(ip, in, inlen);
		ip[inlen] = '\0';
		ok = inet_pton(AF_INET, ip, bin) == 1;
	}
	if (!ok)
		return chk_fail(c, "has an invalid address literal");
	return 0;
}

static int
chk_domain(const struct chk *c, const char *d, size_t len)
{
	const char *dot;

	if (len == 0)
		return chk_fail(c, "has an empty domain");
	if (d[0] == '[')
		return chk_literal(c, d, len);
	while ((dot = memchr(d, '.', len)) != NULL) {
		if (chk_label(c, d, (size_t)(dot - d)) < 0)
			return -1;
		len -= (size_t)(dot - d) + 1;
		d = dot + 1;
	}
	return chk_label(c, d, len);
}

/* addr_check over a counted string, so that header addresses holding a
 * NUL are caught instead of being cut short. */
static int
addr_check_len(const char *a, size_t len, int allow_empty, struct err *e)
{
	struct chk c = { a, len, e };
	size_t local = 0;

	if (len == 0) {
		if (allow_empty)
			return 0;
		return err_set(e, ERR_USAGE, STEP_ARGS, "empty address");
	}
	if (chk_bytes(&c) < 0 || chk_local(&c, &local) < 0)
		return -1;
	/* Section 4.5.3.1.2, then 4.5.3.1.3: the path counts its angle
	 * brackets. */
	if (local < len && len - local - 1 > ADDR_DOMAIN_MAX)
		return chk_fail(&c, "has a domain of %zu octets; RFC 5321 "
		    "allows %d", len - local - 1, ADDR_DOMAIN_MAX);
	if (len + 2 > ADDR_PATH_MAX)
		return chk_fail(&c, "is %zu octets long; RFC 5321 allows %d",
		    len, ADDR_PATH_MAX - 2);
	if (local == len)
		return 0;
	return chk_domain(&c, a + local + 1, len - local - 1);
}

int
addr_check(const char *addr, int allow_empty, struct err *e)
{
	return addr_check_len(addr, addr ? strlen(addr) : 0, allow_empty, e);
}

/*
 * The address-list parser: a lexer over RFC 5322 tokens that skips CFWS,
 * and a recursive descent over section 3.4 that builds each addr-spec,
 * without its CFWS, in a buffer as long as the value.
 */

enum tok_type {
	TOK_END,
	TOK_ATOM,	/* 1*atext */
	TOK_QUOTED,	/* quoted-string, quotes included */
	TOK_LITERAL,	/* domain-literal, brackets included */
	TOK_CHAR	/* one of the specials < > @ , : ; . */
};

struct tok {
	enum tok_type type;
	const char *s;
	size_t	 len;
};

struct parser {
	const char *p, *end;
	char	*buf;		/* the addr-spec being built */
	size_t	 blen;
	addr_cb	 cb;
	void	*ctx;
	struct err *e;
};

static int list_fail(const struct parser *, const char *at, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
list_fail(const struct parser *ps, const char *at, const char *fmt, ...)
{
	struct shown sh;
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at >= ps->end)
		return err_set(ps->e, ERR_DATA, STEP_MESSAGE,
		    "cannot parse address list: %s at the end", what);
	return err_set(ps->e, ERR_DATA, STEP_MESSAGE,
	    "cannot parse address list: %s at \"%s\"", what,
	    addr_show(&sh, at, (size_t)(ps->end - at), LIST_SHOW_MAX));
}

/* RFC 5322 section 3.2.2 FWS: a CR LF counts only when WSP follows. */
static bool
lex_fold(const struct parser *ps, const char *p)
{
	return p + 2 < ps->end && p[0] == '\r' && p[1] == '\n' &&
	    (p[2] == ' ' || p[2] == '\t');
}

/* A byte that no token or comment may hold. */
static int
lex_bad_byte(const struct parser *ps, const char *p)
{
	char b[8];

	return list_fail(ps, p, "control character (%s)",
	    addr_show_byte(b, (unsigned char)*p));
}

/* Whether a byte inside quotes, brackets or a comment is acceptable:
 * everything but the line breaks and NUL (obs-qtext, obs-ctext). */
static bool
lex_inner_ok(unsigned char c)
{
	return c != '\0' && c != '\r' && c != '\n';
}

/* Comments nest (RFC 5322 section 3.2.2); p is at the '('. */
static int
lex_comment(struct parser *ps)
{
	const char *start = ps->p;
	int depth = 0;

	do {
		if (ps->p >= ps->end)
			return list_fail(ps, start, "unbalanced '('");
		if (*ps->p == '(')
			depth++;
		else if (*ps->p == ')')
			depth--;
		else if (*ps->p == '\\' && ps->p + 1 < ps->end &&
		    lex_inner_ok((unsigned char)ps->p[1]))
			ps->p++;
		else if (lex_fold(ps, ps->p))
			ps->p++;
		else if (!lex_inner_ok((unsigned char)*ps->p))
			return lex_bad_byte(ps, ps->p);
		ps->p++;
	} while (depth > 0);
	return 0;
}

/* RFC 5322 section 3.2.2 CFWS. */
static int
lex_cfws(struct parser *ps)
{
	while (ps->p < ps->end) {
		if (*ps->p == ' ' || *ps->p == '\t')
			ps->p++;
		else if (lex_fold(ps, ps->p))
			ps->p += 2;
		else if (*ps->p == '(') {
			if (lex_comment(ps) < 0)
				return -1;
		} else
			break;
	}
	return 0;
}

/* A quoted-string or a domain-literal, from its opening byte to close;
 * quoted pairs and folds inside, line breaks otherwise refused. */
static int
lex_enclosed(struct parser *ps, char close, const char *what)
{
	const char *start = ps->p;

	for (ps->p++; ps->p < ps->end; ps->p++) {
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		if (close == ']' && *ps->p == '[')
			return list_fail(ps, ps->p, "'[' inside a domain "
			    "literal");
		if (*ps->p == '\\' && ps->p + 1 < ps->end &&
		    lex_inner_ok((unsigned char)ps->p[1]))
			ps->p++;
		else if (lex_fold(ps, ps->p))
			ps->p++;
		else if (!lex_inner_ok((unsigned char)*ps->p))
			return lex_bad_byte(ps, ps->p);
	}
	return list_fail(ps, start, "unbalanced %s", what);
}

static int
lex_next(struct parser *ps, struct tok *t)
{
	unsigned char c;

	if (lex_cfws(ps) < 0)
		return -1;
	t->s = ps->p;
	t->type = TOK_END;
	if (ps->p >= ps->end)
		return 0;
	c = (unsigned char)*ps->p;
	if (addr_is_atext(c)) {
		while (ps->p < ps->end && addr_is_atext((unsigned char)*ps->p))
			ps->p++;
		t->type = TOK_ATOM;
	} else if (c == '"') {
		if (lex_enclosed(ps, '"', "quote") < 0)
			return -1;
		t->type = TOK_QUOTED;
	} else if (c == '[') {
		if (lex_enclosed(ps, ']', "'['") < 0)
			return -1;
		t->type = TOK_LITERAL;
	} else if (c != '\0' && strchr("<>@,:;.", c) != NULL) {
		ps->p++;
		t->type = TOK_CHAR;
	} else if (addr_is_ctl(c)) {
		return lex_bad_byte(ps, ps->p);
	} else {
		return list_fail(ps, ps->p, "unexpected '%c'", c);
	}
	t->len = (size_t)(ps->p - t->s);
	return 0;
}

static int
lex_peek(struct parser *ps, struct tok *t)
{
	const char *save = ps->p;
	int r = lex_next(ps, t);

	ps->p = save;
	return r;
}

static bool
tok_is(const struct tok *t, char c)
{
	return t->type == TOK_CHAR && t->s[0] == c;
}

/* Appends a token to the addr-spec: folds are invisible (RFC 5322
 * section 3.2.4), and a domain literal loses its white space too. */
static void
spec_put(struct parser *ps, const struct tok *t)
{
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];

		if (c == '\r' || c == '\n')
			continue;
		if (t->type == TOK_LITERAL && (c == ' ' || c == '\t'))
			continue;
		ps->buf[ps->blen++] = c;
	}
}

/*
 * local-part or domain: words joined by dots, with CFWS between them as
 * obs-local-part and obs-domain allow (RFC 5322 section 4.4).  A dot out
 * of place is kept for addr_check, whose message names it.
 */
static int
spec_dotted(struct parser *ps, bool domain)
{
	bool word_ok = true;
	size_t n = 0;
	struct tok t;

	for (;;) {
		if (lex_peek(ps, &t) < 0)
			return -1;
		if (tok_is(&t, '.'))
			word_ok = true;
		else if (word_ok && (t.type == TOK_ATOM ||
		    (!domain && t.type == TOK_QUOTED)))
			word_ok = false;
		else
			break;
		(void)lex_next(ps, &t);
		spec_put(ps, &t);
		n++;
	}
	if (n == 0)
		return list_fail(ps, t.s, domain ? "expected a domain" :
		    "expected an address");
	return 0;
}

/* domain: dot-atom / domain-literal / obs-domain. */
static int
spec_domain(struct parser *ps)
{
	struct tok t;

	if (lex_peek(ps, &t) < 0)
		return -1;
	if (t.type != TOK_LITERAL)
		return spec_dotted(ps, true);
	(void)lex_next(ps, &t);
	spec_put(ps, &t);
	return 0;
}

/* Checks the finished addr-spec as an envelope address and hands it on.
 * The check's ERR_USAGE becomes ERR_DATA: the bad bytes are in the
 * message, not on the command line. */
static int
spec_deliver(struct parser *ps)
{
	ps->buf[ps->blen] = '\0';
	if (addr_check_len(ps->buf, ps->blen, 0, ps->e) < 0) {
		ps->e->cls = ERR_DATA;
		ps->e->step = STEP_MESSAGE;
		return -1;
	}
	return ps->cb(ps->ctx, ps->buf, ps->e) != 0 ? -1 : 0;
}

/* addr-spec = local-part "@" domain.  Outside angle brackets a bare local
 * part is taken too ("To: root" from cron), as addr_check takes it. */
static int
parse_spec(struct parser *ps, bool need_at)
{
	struct tok t;

	ps->blen = 0;
	if (spec_dotted(ps, false) < 0 || lex_peek(ps, &t) < 0)
		return -1;
	if (tok_is(&t, '@')) {
		(void)lex_next(ps, &t);
		spec_put(ps, &t);
		if (spec_domain(ps) < 0)
			return -1;
	} else if (need_at)
		return list_fail(ps, t.s, "missing '@' in angle brackets");
	return spec_deliver(ps);
}

/* obs-route = obs-domain-list ":", dropped (RFC 5322 section 4.4);
 * the lexer is at its first '@' or ','. */
static int
parse_route(struct parser *ps)
{
	struct tok t;

	for (;;) {
		if (lex_next(ps, &t) < 0)
			return -1;
		if (tok_is(&t, ':'))
			return 0;
		if (tok_is(&t, ','))
			continue;
		if (!tok_is(&t, '@'))
			return list_fail(ps, t.s, "malformed route");
		ps->blen = 0;
		if (spec_domain(ps) < 0)
			return -1;
	}
}

/* angle-addr, after the '<'. */
static int
parse_angle(struct parser *ps)
{
	struct tok t;

	if (lex_peek(ps, &t) < 0)
		return -1;
	if (tok_is(&t, '>'))
		return list_fail(ps, t.s, "empty angle brackets");
	if ((tok_is(&t, '@') || tok_is(&t, ',')) && parse_route(ps) < 0)
		return -1;
	if (parse_spec(ps, true) < 0 || lex_next(ps, &t) < 0)
		return -1;
	if (!tok_is(&t, '>'))
		return list_fail(ps, t.s, "missing '>'");
	return 0;
}

static int parse_address(struct parser *, bool in_group);

/* group-list and ";", after the ':'.  Members are mailboxes, empty
 * elements are obs-group-list.  A missing ';' at the very end is taken:
 * "undisclosed-recipients:" is common enough. */
static int
parse_group(struct parser *ps)
{
	struct tok t;

	for (;;) {
		if (lex_peek(ps, &t) < 0)
			return -1;
		if (t.type == TOK_END)
			return 0;
		if (tok_is(&t, ';') || tok_is(&t, ',')) {
			(void)lex_next(ps, &t);
			if (tok_is(&t, ';'))
				return 0;
			continue;
		}
		if (parse_address(ps, true) < 0 || lex_peek(ps, &t) < 0)
			return -1;
		if (!tok_is(&t, ',') && !tok_is(&t, ';') &&
		    t.type != TOK_END)
			return list_fail(ps, t.s, "expected ',' or ';'");
	}
}

/*
 * address = mailbox / group; mailbox = name-addr / addr-spec.  The words
 * before the first other special tell them apart: '<' ends a display name,
 * ':' a group name, anything else means the words were an addr-spec.
 */
static int
parse_address(struct parser *ps, bool in_group)
{
	const char *start = ps->p;
	size_t words = 0;
	struct tok t;

	for (;;) {
		if (lex_peek(ps, &t) < 0)
			return -1;
		if (t.type != TOK_ATOM && t.type != TOK_QUOTED &&
		    !tok_is(&t, '.'))
			break;
		(void)lex_next(ps, &t);
		words++;
	}
	if (tok_is(&t, '<')) {
		(void)lex_next(ps, &t);
		return parse_angle(ps);
	}
	if (tok_is(&t, ':')) {
		if (in_group)
			return list_fail(ps, t.s, "group inside a group");
		if (words == 0)
			return list_fail(ps, t.s, "group without a name");
		(void)lex_next(ps, &t);
		return parse_group(ps);
	}
	ps->p = start;
	return parse_spec(ps, false);
}

static int
parse_list(struct parser *ps)
{
	struct tok t;

	for (;;) {
		if (lex_peek(ps, &t) < 0)
			return -1;
		if (t.type == TOK_END)
			return 0;
		if (tok_is(&t, ',')) {		/* obs-addr-list */
			(void)lex_next(ps, &t);
			continue;
		}
		if (parse_address(ps, false) < 0 || lex_peek(ps, &t) < 0)
			return -1;
		if (!tok_is(&t, ',') && t.type != TOK_END)
			return list_fail(ps, t.s,
			    "expected ',' between addresses");
	}
}

int
addr_list_parse(const char *value, size_t len, addr_cb cb, void *ctx,
    struct err *e)
{
	struct parser ps = { value, value + len, NULL, 0, cb, ctx, e };
	int r;

	/* An addr-spec is built from the value's bytes, never more. */
	ps.buf = malloc(len + 1);
	if (ps.buf == NULL)
		return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
	r = parse_list(&ps);
	free(ps.buf);
	return r;
}

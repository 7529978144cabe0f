#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "reply.h"

void
reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
reply_free(struct reply *r)
{
	free(r->text);
	reply_init(r);
}

void
reply_reset(struct reply *r)
{
	r->code = 0;
	r->nlines = 0;
	r->len = 0;
	if (r->text != NULL)
		r->text[0] = '\0';
}

static int
reply_append(struct reply *r, const char *s, size_t n)
{
	size_t need = r->len + n + 2;

	if (need > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		char *p;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(r->text, cap)) == NULL)
			return -1;
		r->text = p;
		r->cap = cap;
	}
	if (r->nlines > 0)
		r->text[r->len++] = '\n';
	memcpy(r->text + r->len, s, n);
	r->len += n;
	r->text[r->len] = '\0';
	return 0;
}

/* RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39 */
static int
reply_code(const char *line, size_t len)
{
	if (len < 3)
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    line[2] < '0' || line[2] > '9')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

int
reply_feed(struct reply *r, const char *line, size_t len, enum err_step step,
    struct err *e)
{
	int code;
	bool last;

	if (len > REPLY_LINE_MAX)
		return err_set(e, ERR_PROTOCOL, step,
		    "server reply line longer than %d octets", REPLY_LINE_MAX);
	if ((code = reply_code(line, len)) < 0)
		return err_set(e, ERR_PROTOCOL, step,
		    "server sent a line that is not an SMTP reply: \"%.*s\"",
		    (int)(len > 60 ? 60 : len), line);
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return err_set(e, ERR_PROTOCOL, step,
		    "malformed reply after code %d", code);
	if (r->nlines > 0 && code != r->code)
		return err_set(e, ERR_PROTOCOL, step,
		    "reply lines disagree on the code (%d, then %d)", r->code,
		    code);
	if (r->nlines >= REPLY_LINES_MAX)
		return err_set(e, ERR_PROTOCOL, step,
		    "server reply longer than %d lines", REPLY_LINES_MAX);
	last = len == 3 || line[3] == ' ';
	/* "250" alone, or "250 " with no text: an empty line of text */
	if (reply_append(r, len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0) < 0)
		return err_set(e, ERR_OS, step, "out of memory");
	r->code = code;
	r->nlines++;
	return last ? 1 : 0;
}

/* The text may hold NUL bytes from the server ("250-a\0b"): it is walked
 * by its length, never as a C string (found by tests/fuzz/fuzz_reply). */
const char *
reply_line(const struct reply *r, size_t n, size_t *len)
{
	const char *p = r->text, *end = r->text + r->len, *lf;

	if (r->nlines == 0 || n >= r->nlines)
		return NULL;
	while (n-- > 0) {
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return NULL;
		p = lf + 1;
	}
	lf = memchr(p, '\n', (size_t)(end - p));
	*len = lf ? (size_t)(lf - p) : (size_t)(end - p);
	return p;
}

/*
 * compose: a MIME message from command-line options.
 *
 *   RFC 5322  header fields: Date (3.3, 3.6.1), originator (3.6.2),
 *             destination (3.6.3), Message-ID (3.6.4), field names
 *             (3.6.8), line length (2.1.1)
 *   RFC 2045  MIME-Version, Content-Type, Content-Transfer-Encoding
 *   RFC 2046  text/plain charsets (4.1.2), multipart/mixed (5.1)
 *   RFC 2183  Content-Disposition
 *   RFC 2047, RFC 2231  non-ASCII in fields and file names (mime.c)
 *
 * The body is read once to learn what it needs (8-bit bytes, valid UTF-8,
 * long lines) before its Content-Type is written, then read again to
 * encode it: a regular file is read twice in place; a pipe or terminal is
 * copied to an unlinked temporary file first.  Attachments are read and
 * encoded in blocks of 57 KiB, so memory stays flat whatever their size.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "compose.h"
#include "hdrfill.h"
#include "mime.h"

#define COMPOSE_BUF		(64 * 1024)	/* output written at once */
#define COMPOSE_TEXT_IN		(16 * 1024)	/* body bytes per step */
#define COMPOSE_FILE_IN		(MIME_B64_LINE_IN * 1024)
#define COMPOSE_LINE_MAX	998		/* RFC 5322 2.1.1 */
#define COMPOSE_NAME_MAX	76		/* longest --header name */

struct cfile {
	int	 fd;
	const char *path;
	char	*fields;	/* its Content-* fields, CR LF each */
};

struct compose {
	const struct compose_conf *conf;
	int	 out;		/* the message, an unlinked file */
	char	*buf;		/* bytes not yet written to it */
	size_t	 len;
	size_t	 col;		/* characters since the last line break */
	struct cfile *files;
	size_t	 nfiles;
	char	 boundary[MIME_BOUNDARY_LEN + 1];
};

/* What the body holds, learnt on the first reading. */
struct body {
	int	 fd;		/* read back from here */
	bool	 spooled;	/* fd is our temporary file */
	off_t	 start;
	off_t	 size;
	bool	 eightbit, nul, ends_line, after_cr;
	size_t	 line, longest;
	unsigned long lineno;	/* current line, from 1 */
	struct mime_utf8 utf8;
	bool	 bad;		/* not UTF-8 */
	unsigned long bad_line;
	unsigned char bad_byte;
};

static int
compose_oom(struct err *e)
{
	return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
}

/* ---- the output file ---- */

static int
compose_write_fd(int fd, const char *p, size_t n, struct err *e)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_set(e, ERR_OS, STEP_MESSAGE, "cannot write "
			    "the composed message: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* An unlinked temporary file, as msg spools: nothing is left behind. */
static int
compose_tmpfile(const char *dir, struct err *e)
{
	size_t n;
	char *path;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	n = strlen(dir) + sizeof("/tlsmail-compose.XXXXXX");
	if ((path = malloc(n)) == NULL)
		return compose_oom(e);
	snprintf(path, n, "%s/tlsmail-compose.XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		err_set(e, ERR_OS, STEP_MESSAGE, "cannot create a temporary "
		    "file in %s: %s", dir, strerror(errno));
	else
		unlink(path);
	free(path);
	return fd;
}

static int
out_flush(struct compose *c, struct err *e)
{
	if (compose_write_fd(c->out, c->buf, c->len, e) < 0)
		return -1;
	c->len = 0;
	return 0;
}

static int
out_put(struct compose *c, const char *p, size_t n, struct err *e)
{
	size_t i = n;

	while (i > 0 && p[i - 1] != '\n')
		i--;
	c->col = i > 0 ? n - i : c->col + n;
	if (c->len + n > COMPOSE_BUF && out_flush(c, e) < 0)
		return -1;
	if (n > COMPOSE_BUF)
		return compose_write_fd(c->out, p, n, e);
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return 0;
}

static int
out_str(struct compose *c, const char *s, struct err *e)
{
	return out_put(c, s, strlen(s), e);
}

/* "Name: value" CR LF, the value encoded and folded already.  RFC 5322
 * 2.1.1: no line over 998 characters, which only a single word of that
 * length can cause. */
static int
out_field(struct compose *c, const char *name, const char *value,
    struct err *e)
{
	size_t line = strlen(name) + 2;

	for (const char *p = value; *p; p++) {
		line = *p == '\n' ? 0 : line + 1;
		if (line > COMPOSE_LINE_MAX)
			return err_set(e, ERR_USAGE, STEP_ARGS, "the %s field "
			    "has a word longer than %d characters", name,
			    COMPOSE_LINE_MAX);
	}
	if (out_str(c, name, e) < 0 || out_str(c, ": ", e) < 0 ||
	    out_str(c, value, e) < 0)
		return -1;
	return out_str(c, "\r\n", e);
}

/* An unstructured field, encoded as mime_header_text does. */
static int
out_text_field(struct compose *c, const char *name, const char *text,
    struct err *e)
{
	char *v = mime_header_text(text, strlen(name) + 2, e);
	int rc;

	if (v == NULL)
		return -1;
	rc = out_field(c, name, v, e);
	free(v);
	return rc;
}

/* ---- checks ---- */

/* Text from the command line that goes into a field: one line, UTF-8. */
static int
compose_check_text(const char *what, const char *s, struct err *e)
{
	if (strpbrk(s, "\r\n") != NULL)
		return err_set(e, ERR_USAGE, STEP_ARGS, "%s holds a line "
		    "break, which would end the header field", what);
	if (!mime_utf8_valid(s, strlen(s)))
		return err_set(e, ERR_USAGE, STEP_ARGS, "%s is not UTF-8 "
		    "text", what);
	return 0;
}

/* Fields tlsmail writes itself, and the option that sets each. */
static const struct {
	const char *name;
	const char *instead;
} compose_own[] = {
	{ "From", "-f and -F" },
	{ "To", "recipient arguments" },
	{ "Cc", "--cc" },
	{ "Bcc", "--bcc" },
	{ "Reply-To", "--reply-to" },
	{ "Subject", "-s" },
	{ "MIME-Version", NULL },
	{ "Content-Type", NULL },
	{ "Content-Transfer-Encoding", NULL },
	{ "Content-Disposition", NULL },
};

static int
compose_check_own(const char *h, size_t n, struct err *e)
{
	for (size_t i = 0; i < sizeof(compose_own) / sizeof(compose_own[0]);
	    i++) {
		if (strlen(compose_own[i].name) != n ||
		    strncasecmp(h, compose_own[i].name, n) != 0)
			continue;
		err_set(e, ERR_USAGE, STEP_ARGS, "--header cannot set %s",
		    compose_own[i].name);
		if (compose_own[i].instead != NULL)
			err_hint(e, "use %s", compose_own[i].instead);
		else
			err_hint(e, "tlsmail writes the MIME fields itself");
		return -1;
	}
	return 0;
}

/* RFC 5322 3.6.8: field-name = 1*ftext, printable ASCII but ':'. */
int
compose_check_header(const char *h, struct err *e)
{
	const char *colon = strchr(h, ':');
	size_t n;

	if (colon == NULL) {
		err_set(e, ERR_USAGE, STEP_ARGS, "--header \"%.60s\" has no "
		    "colon", h);
		err_hint(e, "write --header 'Name: value'");
		return -1;
	}
	n = (size_t)(colon - h);
	if (n == 0 || n > COMPOSE_NAME_MAX)
		return err_set(e, ERR_USAGE, STEP_ARGS, "--header \"%.60s\": "
		    "a field name has 1 to %d characters", h,
		    COMPOSE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (h[i] < 33 || h[i] > 126)
			return err_set(e, ERR_USAGE, STEP_ARGS, "--header "
			    "\"%.60s\": \"%.*s\" is not a field name "
			    "(printable ASCII, no space or colon)", h, (int)n,
			    h);
	if (compose_check_text("--header", colon + 1, e) < 0)
		return -1;
	return compose_check_own(h, n, e);
}

/* Whether a --header names this field. */
static bool
compose_user_sets(const struct compose_conf *cf, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < cf->nheader; i++)
		if (strncasecmp(cf->headers[i], name, n) == 0 &&
		    cf->headers[i][n] == ':')
			return true;
	return false;
}

static int
compose_check(const struct compose_conf *cf, struct err *e)
{
	if (cf->subject != NULL && compose_check_text("-s", cf->subject,
	    e) < 0)
		return -1;
	if (cf->from_name != NULL && compose_check_text("-F", cf->from_name,
	    e) < 0)
		return -1;
	if (cf->reply_to != NULL && addr_check(cf->reply_to, 0, e) < 0) {
		err_hint(e, "check --reply-to");
		return -1;
	}
	for (size_t i = 0; i < cf->nheader; i++)
		if (compose_check_header(cf->headers[i], e) < 0)
			return -1;
	return 0;
}

/* ---- the header block ---- */

/* Date, From and Message-ID are made as header completion makes them
 * (hdrfill.h), so that a composed message and a completed one agree. */
static int
compose_date(struct compose *c, struct err *e)
{
	char v[HDRFILL_DATE_MAX];

	if (c->conf->date != NULL)
		return out_field(c, "Date", c->conf->date, e);
	hdrfill_date(time(NULL), v);
	return out_field(c, "Date", v, e);
}

/* "Name <addr>", the name as an RFC 5322 phrase, or the bare address. */
static int
compose_from(struct compose *c, struct err *e)
{
	const struct compose_conf *cf = c->conf;
	char *f;
	int rc;

	if (cf->from == NULL || *cf->from == '\0')
		return 0;
	if ((f = hdrfill_from(cf->from, cf->from_name, e)) == NULL)
		return -1;
	rc = out_str(c, f, e);
	free(f);
	return rc;
}

/* An address list, folded after its commas. */
static int
compose_list(struct compose *c, const char *name, const char *const *a,
    size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	if (out_str(c, name, e) < 0 || out_str(c, ":", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && out_str(c, ",", e) < 0)
			return -1;
		if (out_str(c, i > 0 && c->col + 1 + strlen(a[i]) > 78 ?
		    "\r\n " : " ", e) < 0 || out_str(c, a[i], e) < 0)
			return -1;
	}
	return out_str(c, "\r\n", e);
}

/* RFC 5322 3.6.4, on the sender's domain. */
static int
compose_message_id(struct compose *c, struct err *e)
{
	const struct compose_conf *cf = c->conf;
	const char *at = cf->from ? strrchr(cf->from, '@') : NULL;
	char *v;
	int rc;

	if (cf->message_id != NULL)
		return out_field(c, "Message-ID", cf->message_id, e);
	if ((v = hdrfill_msgid(at && at[1] ? at + 1 : cf->domain, e)) == NULL)
		return -1;
	rc = out_field(c, "Message-ID", v, e);
	free(v);
	return rc;
}

/* The user's fields, "Name: value" with the value encoded as text. */
static int
compose_user_fields(struct compose *c, struct err *e)
{
	for (size_t i = 0; i < c->conf->nheader; i++) {
		const char *h = c->conf->headers[i];
		const char *colon = strchr(h, ':'), *v = colon + 1;
		char *name;
		int rc;

		v += strspn(v, " \t");
		if ((name = strndup(h, (size_t)(colon - h))) == NULL)
			return compose_oom(e);
		rc = out_text_field(c, name, v, e);
		free(name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
compose_fields(struct compose *c, struct err *e)
{
	const struct compose_conf *cf = c->conf;

	if (!compose_user_sets(cf, "Date") && compose_date(c, e) < 0)
		return -1;
	if (compose_from(c, e) < 0 ||
	    compose_list(c, "To", cf->to, cf->nto, e) < 0 ||
	    compose_list(c, "Cc", cf->cc, cf->ncc, e) < 0 ||
	    (cf->reply_to && out_field(c, "Reply-To", cf->reply_to, e) < 0))
		return -1;
	if (cf->subject != NULL && out_text_field(c, "Subject", cf->subject,
	    e) < 0)
		return -1;
	if (!compose_user_sets(cf, "Message-ID") &&
	    compose_message_id(c, e) < 0)
		return -1;
	if (compose_user_fields(c, e) < 0)
		return -1;
	return out_str(c, "MIME-Version: 1.0\r\n", e);
}

/* ---- attachments ---- */

/* "Field: value; param", the parameter on the same line when it fits. */
static char *
compose_param_field(const char *field, const char *value, const char *param,
    const char *pval, struct err *e)
{
	char *p = mime_param(param, pval, e), *s;
	size_t n;

	if (p == NULL)
		return NULL;
	n = strlen(field) + strlen(value) + strlen(p) + 16;
	if ((s = malloc(n)) == NULL) {
		free(p);
		compose_oom(e);
		return NULL;
	}
	snprintf(s, n, "%s: %s;%s%s\r\n", field, value,
	    strchr(p, '\n') == NULL && strlen(field) + strlen(value) +
	    strlen(p) + 4 <= 78 ? " " : "\r\n ", p);
	free(p);
	return s;
}

/* The part's fields: the type from the extension, the file's own name
 * (never its directory) for the reader to save it under. */
static int
compose_file_fields(struct cfile *f, const char *base, struct err *e)
{
	char *ct, *cd;
	size_t n;

	ct = compose_param_field("Content-Type", mime_type_for(base), "name",
	    base, e);
	cd = ct ? compose_param_field("Content-Disposition", "attachment",
	    "filename", base, e) : NULL;
	if (cd != NULL) {
		n = strlen(ct) + strlen(cd) + 64;
		if ((f->fields = malloc(n)) != NULL)
			snprintf(f->fields, n, "%s%sContent-Transfer-Encoding: "
			    "base64\r\n", ct, cd);
	}
	free(ct);
	free(cd);
	if (cd != NULL && f->fields == NULL)
		compose_oom(e);
	return f->fields ? 0 : -1;
}

static int
compose_attach_error(const char *path, const char *why, struct err *e)
{
	err_set(e, ERR_NOINPUT, STEP_ARGS, "cannot attach %s: %s", path, why);
	err_hint(e, "check the --attach path; nothing was sent");
	return -1;
}

/* Opens without blocking (a FIFO would wait for a writer), and keeps
 * only regular files. */
static int
compose_attach(struct cfile *f, const char *path, struct err *e)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	int fl;

	f->path = path;
	base = base ? base + 1 : path;
	f->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f->fd < 0)
		return compose_attach_error(path, strerror(errno), e);
	if (fstat(f->fd, &st) != 0)
		return compose_attach_error(path, strerror(errno), e);
	if (!S_ISREG(st.st_mode))
		return compose_attach_error(path, "not a regular file", e);
	if ((fl = fcntl(f->fd, F_GETFL)) != -1)
		fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK);
	if (!mime_utf8_valid(base, strlen(base))) {
		err_set(e, ERR_USAGE, STEP_ARGS, "cannot attach %s: its name "
		    "is not UTF-8, so no reader could show it", path);
		err_hint(e, "rename the file");
		return -1;
	}
	return compose_file_fields(f, base, e);
}

static int
compose_attach_all(struct compose *c, struct err *e)
{
	const struct compose_conf *cf = c->conf;

	if (cf->nattach == 0)
		return 0;
	if ((c->files = calloc(cf->nattach, sizeof(*c->files))) == NULL)
		return compose_oom(e);
	for (size_t i = 0; i < cf->nattach; i++) {
		c->files[i].fd = -1;
		c->nfiles++;
		if (compose_attach(&c->files[i], cf->attach[i], e) < 0)
			return -1;
	}
	return 0;
}

int
compose_open(struct compose **cp, const struct compose_conf *cf,
    struct err *e)
{
	struct compose *c;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return compose_oom(e);
	c->conf = cf;
	c->out = -1;
	if (compose_check(cf, e) < 0 || compose_attach_all(c, e) < 0)
		goto fail;
	if (cf->boundary != NULL)
		snprintf(c->boundary, sizeof(c->boundary), "%s", cf->boundary);
	else if (mime_boundary(c->boundary, e) < 0)
		goto fail;
	if ((c->buf = malloc(COMPOSE_BUF)) == NULL) {
		compose_oom(e);
		goto fail;
	}
	if ((c->out = compose_tmpfile(cf->tmpdir, e)) < 0 ||
	    compose_fields(c, e) < 0)
		goto fail;
	*cp = c;
	return 0;
fail:
	compose_free(c);
	return -1;
}

void
compose_free(struct compose *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nfiles; i++) {
		if (c->files[i].fd >= 0)
			close(c->files[i].fd);
		free(c->files[i].fields);
	}
	free(c->files);
	if (c->out >= 0)
		close(c->out);
	free(c->buf);
	free(c);
}

/* ---- the body ---- */

static ssize_t
compose_read(int fd, char *buf, size_t len, const char *what, struct err *e)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, ERR_NOINPUT, STEP_MESSAGE, "cannot read %s: "
		    "%s", what, strerror(errno));
	return n;
}

/* Line lengths and what kind of bytes; LF, CR LF and a bare CR each end
 * a line, as for the rest of tlsmail. */
static void
body_count(struct body *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		bool cr_lf = c == '\n' && b->after_cr;

		b->after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			if (!cr_lf) {
				if (b->line > b->longest)
					b->longest = b->line;
				b->line = 0;
				b->lineno++;
			}
			continue;
		}
		b->line++;
		b->eightbit |= c >= 0x80;
		b->nul |= c == 0;
	}
	if (n > 0)
		b->ends_line = p[n - 1] == '\r' || p[n - 1] == '\n';
	if (b->line > b->longest)
		b->longest = b->line;
}

static void
body_scan(struct body *b, const char *p, size_t n)
{
	unsigned long line = b->lineno;
	size_t bad;

	if (!b->bad && (bad = mime_utf8_feed(&b->utf8, p, n)) < n) {
		b->bad = true;
		/* The byte that starts the broken sequence, not the one
		 * after it that shows it is broken. */
		b->bad_byte = b->utf8.need > 0 ? b->utf8.lead :
		    (unsigned char)p[bad];
		b->bad_line = line;
		for (size_t i = 0; i < bad; i++)
			b->bad_line += p[i] == '\n';
	}
	body_count(b, p, n);
	b->size += (off_t)n;
}

/* Reads the body once; a body that cannot be read again in place, or
 * whose start was read ahead, is copied to a temporary file on the way. */
static int
body_learn(struct body *b, int fd, const struct compose_conf *cf,
    char *buf, struct err *e)
{
	struct stat st;
	ssize_t n;

	memset(b, 0, sizeof(*b));
	b->lineno = 1;
	mime_utf8_init(&b->utf8);
	b->fd = fd;
	b->start = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		b->start = lseek(fd, 0, SEEK_CUR);
	if (b->start < 0 || cf->body_prelen > 0) {
		if ((b->fd = compose_tmpfile(cf->tmpdir, e)) < 0)
			return -1;
		b->spooled = true;
		b->start = 0;
	}
	if (cf->body_prelen > 0) {
		body_scan(b, cf->body_pre, cf->body_prelen);
		if (compose_write_fd(b->fd, cf->body_pre, cf->body_prelen,
		    e) < 0)
			return -1;
	}
	while ((n = compose_read(fd, buf, COMPOSE_TEXT_IN, "the body",
	    e)) > 0) {
		body_scan(b, buf, (size_t)n);
		if (b->spooled && compose_write_fd(b->fd, buf, (size_t)n,
		    e) < 0)
			return -1;
	}
	if (n < 0)
		return -1;
	if (!mime_utf8_done(&b->utf8) && !b->bad) {
		b->bad = true;
		b->bad_byte = b->utf8.lead;
		b->bad_line = b->lineno;
	}
	if (lseek(b->fd, b->start, SEEK_SET) < 0)
		return err_set(e, ERR_OS, STEP_MESSAGE, "cannot read the body "
		    "again: %s", strerror(errno));
	return 0;
}

static bool
body_qp(const struct body *b)
{
	return b->eightbit || b->nul || b->longest > COMPOSE_LINE_MAX;
}

static int
body_fields(struct compose *c, const struct body *b, struct err *e)
{
	if (out_str(c, b->eightbit ? "Content-Type: text/plain; charset="
	    "utf-8\r\n" : "Content-Type: text/plain; charset=us-ascii\r\n",
	    e) < 0)
		return -1;
	return out_str(c, body_qp(b) ? "Content-Transfer-Encoding: "
	    "quoted-printable\r\n" : "Content-Transfer-Encoding: 7bit\r\n", e);
}

/* The body's bytes, quoted-printable when they need it; a last line
 * without its line break gets one. */
static int
body_put(struct compose *c, const struct body *b, char *in, struct err *e)
{
	struct mime_qp q;
	char *qout = NULL;
	off_t left = b->size;
	ssize_t n = 0;
	bool qp = body_qp(b);
	int rc = 0;

	if (qp && (qout = malloc(MIME_QP_OUT_MAX(COMPOSE_TEXT_IN))) == NULL)
		return compose_oom(e);
	mime_qp_init(&q);
	while (rc == 0 && left > 0 && (n = compose_read(b->fd, in,
	    left < COMPOSE_TEXT_IN ? (size_t)left : COMPOSE_TEXT_IN,
	    "the body", e)) > 0) {
		left -= n;
		rc = qp ? out_put(c, qout, mime_qp_run(&q, in, (size_t)n,
		    qout), e) : out_put(c, in, (size_t)n, e);
	}
	if (rc == 0 && n < 0)
		rc = -1;
	if (rc == 0 && b->size > 0 && !b->ends_line)
		rc = qp ? out_put(c, qout, mime_qp_run(&q, "\n", 1, qout), e) :
		    out_str(c, "\r\n", e);
	if (rc == 0 && qp)
		rc = out_put(c, qout, mime_qp_finish(&q, qout), e);
	free(qout);
	return rc;
}

static int
body_not_utf8(const struct body *b, struct err *e)
{
	err_set(e, ERR_DATA, STEP_MESSAGE, "the body is not UTF-8 text: byte "
	    "\\x%02x on line %lu", b->bad_byte, b->bad_line);
	err_hint(e, "convert it (iconv -t UTF-8), or send it as a file with "
	    "--attach");
	return -1;
}

/* ---- the parts ---- */

/* A file's bytes in base64, 57 bytes to a line. */
static int
file_put(struct compose *c, struct cfile *f, char *in, char *out,
    struct err *e)
{
	struct mime_b64 b;
	ssize_t n, k;
	char what[300];

	snprintf(what, sizeof(what), "attachment %.250s", f->path);
	mime_b64_init(&b);
	while ((n = compose_read(f->fd, in, COMPOSE_FILE_IN, what, e)) > 0)
		if ((k = mime_b64_run(&b, in, (size_t)n, out, e)) < 0 ||
		    out_put(c, out, (size_t)k, e) < 0)
			return -1;
	if (n < 0 || (k = mime_b64_finish(&b, out, e)) < 0)
		return -1;
	return out_put(c, out, (size_t)k, e);
}

/* RFC 2046 5.1.1: the CR LF before "--boundary" belongs to it, so each
 * part's content ends with its own line break (or is empty). */
static int
out_delimiter(struct compose *c, bool last, struct err *e)
{
	if (out_str(c, "\r\n--", e) < 0 || out_str(c, c->boundary, e) < 0)
		return -1;
	return out_str(c, last ? "--\r\n" : "\r\n", e);
}

static int
compose_parts(struct compose *c, const struct body *b, char *in,
    struct err *e)
{
	char *out = malloc(MIME_B64_OUT_MAX(COMPOSE_FILE_IN));
	int rc = -1;

	if (out == NULL)
		return compose_oom(e);
	if (out_str(c, "Content-Type: multipart/mixed;\r\n boundary=\"", e) <
	    0 || out_str(c, c->boundary, e) < 0 || out_str(c, "\"\r\n\r\n--",
	    e) < 0 || out_str(c, c->boundary, e) < 0 || out_str(c, "\r\n",
	    e) < 0 || body_fields(c, b, e) < 0 || out_str(c, "\r\n", e) < 0 ||
	    body_put(c, b, in, e) < 0 || out_delimiter(c, false, e) < 0)
		goto done;
	for (size_t i = 0; i < c->nfiles; i++)
		if (out_str(c, c->files[i].fields, e) < 0 ||
		    out_str(c, "\r\n", e) < 0 ||
		    file_put(c, &c->files[i], in, out, e) < 0 ||
		    out_delimiter(c, i + 1 == c->nfiles, e) < 0)
			goto done;
	rc = 0;
done:
	free(out);
	return rc;
}

int
compose_write(struct compose *c, int body_fd, int *fd, struct err *e)
{
	char *in = malloc(COMPOSE_FILE_IN);
	struct body b;
	int rc = -1;

	*fd = -1;
	if (in == NULL)
		return compose_oom(e);
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	if (body_learn(&b, body_fd, c->conf, in, e) < 0)
		goto done;
	if (b.eightbit && b.bad) {
		body_not_utf8(&b, e);
		goto done;
	}
	if (c->nfiles > 0)
		rc = compose_parts(c, &b, in, e);
	else
		rc = body_fields(c, &b, e) < 0 || out_str(c, "\r\n", e) < 0 ||
		    body_put(c, &b, in, e) < 0 ? -1 : 0;
	if (rc == 0 && out_flush(c, e) < 0)
		rc = -1;
	else if (rc == 0 && lseek(c->out, 0, SEEK_SET) < 0)
		rc = err_set(e, ERR_OS, STEP_MESSAGE, "cannot rewind the "
		    "composed message: %s", strerror(errno));
	if (rc == 0) {
		*fd = c->out;
		c->out = -1;
	}
done:
	if (b.spooled)
		close(b.fd);
	free(in);
	return rc;
}

/*
 * msg: the message, read once from standard input and spooled.
 *
 * Every byte goes through the dot filter without stuffing, so that what is
 * spooled, counted and parsed has CR LF line ends only (RFC 5321 section
 * 2.3.8), whatever the input used.  The header block (RFC 5322 section 2.1)
 * is held in memory until it ends, because a Bcc field can be dropped only
 * once its last continuation line is known; from then on bytes go straight
 * to the spool.  The spool is a buffer up to MSG_MEM_MAX, then an unlinked
 * temporary file, so memory does not grow with the size of the message.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "dot.h"
#include "hdrfill.h"
#include "msg.h"

#define MSG_CHUNK	(64 * 1024)	/* one read(2) */
/* RFC 5322 section 2.1.1: a line, so a field name, has at most 998
 * octets; a longer run of name characters is not a field. */
#define MSG_NAME_MAX	998
/* A line with its CR LF (RFC 5322 section 2.1.1). */
#define MSG_LINE_MAX	1000

struct msg {
	char	*mem;		/* the spool while in memory */
	size_t	 memlen, memcap;
	int	 fd;		/* the spool file, -1 while in memory */
	size_t	 size;
	bool	 has_8bit;
	size_t	 longest;
	size_t	 line;		/* octets of the line being spooled */
	size_t	 pos;		/* read-back offset */
	char	**rcpt;
	size_t	 nrcpt, rcptcap;
	bool	 hdr_8bit;	/* the header block has 8-bit bytes */
	char	*tmpdir;	/* msg_opts's, for msg_filter's spool */
};

/* One msg_read in progress. */
struct reader {
	struct msg *m;
	const struct msg_opts *opts;
	bool	 in_header;	/* the header block has not ended yet */
	char	*hdr;		/* normalised bytes held until it ends */
	size_t	 hlen, hcap;
	size_t	 scan;		/* start of the first line not yet placed */
	size_t	 nl_from;	/* where the search for its LF resumes */
};

/* A header field with its continuation lines. */
static int
msg_oom(struct err *e)
{
	return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
}

static int
msg_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n,
    struct err *e)
{
	size_t ncap = *cap ? *cap : 4096;
	char *nbuf;

	if (n == 0)
		return 0;
	if (*len + n > *cap) {
		while (ncap < *len + n)
			ncap *= 2;
		if ((nbuf = realloc(*buf, ncap)) == NULL)
			return msg_oom(e);
		*buf = nbuf;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return 0;
}

/* Size, 8-bit content and longest line, over the bytes as sent. */
static void
spool_count(struct msg *m, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c & 0x80)
			m->has_8bit = true;
		if (c == '\n') {
			if (m->line > m->longest)
				m->longest = m->line;
			m->line = 0;
		} else if (c != '\r') {	/* normalised: CR only in CR LF */
			m->line++;
		}
	}
	m->size += len;
}

static int
spool_write_fd(int fd, const char *p, size_t len, struct err *e)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, ERR_OS, STEP_MESSAGE,
			    "cannot write the spool file: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *
spool_dir(const struct msg_opts *opts)
{
	const char *dir = opts->tmpdir;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	return dir;
}

/* Creates the spool file and unlinks it at once: nothing is left behind
 * whatever happens to the process, and the descriptor keeps the message
 * readable for a retry. */
static int
spool_open(const struct msg_opts *opts, struct err *e)
{
	const char *dir = spool_dir(opts);
	size_t n = strlen(dir) + sizeof("/tlsmail.XXXXXX");
	char *path = malloc(n);
	int fd;

	if (path == NULL)
		return msg_oom(e);
	snprintf(path, n, "%s/tlsmail.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		err_set(e, ERR_OS, STEP_MESSAGE, "cannot create a spool file "
		    "in %s: %s", dir, strerror(errno));
	} else if (unlink(path) < 0) {
		err_set(e, ERR_OS, STEP_MESSAGE, "cannot unlink spool file "
		    "%s: %s", path, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

/* Moves the spool from memory to a file. */
static int
spool_to_file(struct msg *m, const struct msg_opts *opts, struct err *e)
{
	m->fd = spool_open(opts, e);
	if (m->fd < 0 || spool_write_fd(m->fd, m->mem, m->memlen, e) < 0)
		return -1;
	free(m->mem);
	m->mem = NULL;
	m->memlen = m->memcap = 0;
	return 0;
}

static int
spool_write(struct reader *r, const char *p, size_t len, struct err *e)
{
	struct msg *m = r->m;

	if (len == 0)
		return 0;
	spool_count(m, p, len);
	if (m->fd < 0 && m->memlen + len > MSG_MEM_MAX &&
	    spool_to_file(m, r->opts, e) < 0)
		return -1;
	if (m->fd >= 0)
		return spool_write_fd(m->fd, p, len, e);
	return msg_append(&m->mem, &m->memlen, &m->memcap, p, len, e);
}

bool
msg_field_next(const char *hdr, size_t end, size_t *pos, struct msg_field *f)
{
	const char *p, *stop, *nl, *colon;

	if (hdr == NULL || *pos >= end)	/* no header read: no buffer */
		return false;
	p = hdr + *pos;
	stop = hdr + end;
	nl = memchr(p, '\n', (size_t)(stop - p));
	while (nl + 1 < stop && (nl[1] == ' ' || nl[1] == '\t'))
		nl = memchr(nl + 1, '\n', (size_t)(stop - nl - 1));
	colon = memchr(p, ':', (size_t)(nl - p));
	f->p = p;
	f->len = (size_t)(nl + 1 - p);
	f->namelen = (size_t)(colon - p);
	while (f->namelen > 0 && (p[f->namelen - 1] == ' ' ||
	    p[f->namelen - 1] == '\t'))
		f->namelen--;
	f->value = colon + 1;
	f->vlen = (size_t)(nl - 1 - f->value);
	*pos += f->len;
	return true;
}

bool
msg_field_is(const struct msg_field *f, const char *name)
{
	return f->namelen == strlen(name) &&
	    strncasecmp(f->p, name, f->namelen) == 0;
}

/*
 * RFC 5322 section 3.6.6: each time a message is resent, a block of
 * Resent- fields is added at the top, each field at most once per block
 * (section 3.6 table).  A block thus ends at the first field that is not
 * a Resent- field, or at a Resent- field already seen in it.
 */
static const char *const resent_names[] = {
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
	"Resent-Cc", "Resent-Bcc", "Resent-Message-ID",
};
enum {
	RESENT_NONE = -1,
	RESENT_TO = 3,
	RESENT_CC = 4,
	RESENT_BCC = 5,
	RESENT_OTHER = 7	/* an unknown Resent- field */
};

struct resent {
	unsigned block;		/* current block, counted from the top */
	unsigned seen;		/* its fields, one bit per resent_names */
	bool	 in;		/* the field above was a Resent- field */
};

static int
resent_kind(const struct msg_field *f)
{
	for (size_t i = 0; i < sizeof(resent_names) / sizeof(resent_names[0]);
	    i++)
		if (msg_field_is(f, resent_names[i]))
			return (int)i;
	if (f->namelen > 7 && strncasecmp(f->p, "Resent-", 7) == 0)
		return RESENT_OTHER;
	return RESENT_NONE;
}

static bool
resent_is_dest(int kind)
{
	return kind == RESENT_TO || kind == RESENT_CC || kind == RESENT_BCC;
}

/* Returns the block the field of this kind is in, 0 for none. */
static unsigned
resent_step(struct resent *rs, int kind)
{
	unsigned bit;

	if (kind == RESENT_NONE) {
		rs->in = false;
		return 0;
	}
	bit = kind == RESENT_OTHER ? 0 : 1u << kind;
	if (!rs->in || (rs->seen & bit)) {
		rs->block++;
		rs->seen = 0;
	}
	rs->in = true;
	rs->seen |= bit;
	return rs->block;
}

static int
rcpt_add(void *ctx, const char *addr, struct err *e)
{
	struct msg *m = ctx;
	char **n;

	if (m->nrcpt == m->rcptcap) {
		size_t cap = m->rcptcap ? 2 * m->rcptcap : 8;

		if ((n = realloc(m->rcpt, cap * sizeof(*n))) == NULL)
			return msg_oom(e);
		m->rcpt = n;
		m->rcptcap = cap;
	}
	if ((m->rcpt[m->nrcpt] = strdup(addr)) == NULL)
		return msg_oom(e);
	m->nrcpt++;
	return 0;
}

/* Parses the unfolded body of an address field (RFC 5322 section 2.2.3)
 * and adds its addresses; errors name the field. */
static int
rcpt_collect(struct msg *m, const struct msg_field *f, struct err *e)
{
	char *v = malloc(f->vlen + 1), msg[ERR_MSG_MAX];
	size_t n = 0;
	int r;

	if (v == NULL)
		return msg_oom(e);
	for (size_t i = 0; i < f->vlen; i++)
		if (f->value[i] != '\r' && f->value[i] != '\n')
			v[n++] = f->value[i];
	r = addr_list_parse(v, n, rcpt_add, m, e);
	free(v);
	if (r < 0 && e->cls == ERR_DATA) {
		memcpy(msg, e->msg, sizeof(msg));
		snprintf(e->msg, sizeof(e->msg), "%.*s field: %.*s",
		    (int)f->namelen, f->p, ERR_MSG_MAX - 64, msg);
	}
	return r;
}

/* Whether any Resent-To, -Cc or -Bcc field is present: then those of the
 * top block are the recipients, not To, Cc and Bcc (section 3.6.6). */
static bool
hdr_resent_dest(const char *hdr, size_t end)
{
	struct msg_field f;
	size_t pos = 0;

	while (msg_field_next(hdr, end, &pos, &f))
		if (resent_is_dest(resent_kind(&f)))
			return true;
	return false;
}

/* Whether the field is one -t takes recipients from. */
static bool
hdr_is_dest(const struct msg_field *f, int kind, unsigned block, bool resent)
{
	if (resent)
		return block == 1 && resent_is_dest(kind);
	return msg_field_is(f, "To") || msg_field_is(f, "Cc") || msg_field_is(f, "Bcc");
}

static void
hdr_count_8bit(struct msg *m, const char *p, size_t len)
{
	for (size_t i = 0; i < len && !m->hdr_8bit; i++)
		if ((unsigned char)p[i] & 0x80)
			m->hdr_8bit = true;
}

/* Adds the fields that the options ask for and the block hdr[0..end)
 * lacks, at its top.  Without a header block the added fields make one,
 * and an empty line ends it unless the body already starts with one. */
static int
hdr_fill(struct reader *r, size_t end, struct err *e)
{
	const struct hdrfill_conf *c = r->opts->fill;
	struct hdrfill_seen seen = { false, false, false, false };
	struct msg_field f;
	size_t pos = 0;
	char *add;
	int rc;

	if (c == NULL)
		return 0;
	while (msg_field_next(r->hdr, end, &pos, &f)) {
		seen.date |= msg_field_is(&f, "Date");
		seen.msgid |= msg_field_is(&f, "Message-ID");
		seen.from |= msg_field_is(&f, "From");
		seen.to_cc |= msg_field_is(&f, "To") || msg_field_is(&f, "Cc");
	}
	if ((add = hdrfill_make(c, &seen, e)) == NULL)
		return -1;
	hdr_count_8bit(r->m, add, strlen(add));
	rc = spool_write(r, add, strlen(add), e);
	if (rc == 0 && end == 0 && *add != '\0' &&
	    (r->hlen == 0 || r->hdr[0] != '\r'))
		rc = spool_write(r, "\r\n", 2, e);
	free(add);
	return rc;
}

/* Spools the header block hdr[0..end) without its Bcc and Resent-Bcc
 * fields (the point of a blind copy), collecting recipients with -t. */
static int
hdr_emit(struct reader *r, size_t end, struct err *e)
{
	bool rcpts = r->opts->read_rcpts;
	bool resent = rcpts && hdr_resent_dest(r->hdr, end);
	struct resent rs = { 0, 0, false };
	struct msg_field f;
	size_t pos = 0;

	if (hdr_fill(r, end, e) < 0)
		return -1;
	while (msg_field_next(r->hdr, end, &pos, &f)) {
		int kind = resent_kind(&f);
		unsigned block = resent_step(&rs, kind);

		if (rcpts && hdr_is_dest(&f, kind, block, resent) &&
		    rcpt_collect(r->m, &f, e) < 0)
			return -1;
		if (msg_field_is(&f, "Bcc") || kind == RESENT_BCC)
			continue;
		if (msg_field_is(&f, "From") &&
		    hdrfill_replaces_from(r->opts->fill))
			continue;
		hdr_count_8bit(r->m, f.p, f.len);
		if (spool_write(r, f.p, f.len, e) < 0)
			return -1;
	}
	return 0;
}

/* The header block is hdr[0..end); the rest is body. */
static int
hdr_done(struct reader *r, size_t end, struct err *e)
{
	if (hdr_emit(r, end, e) < 0 ||
	    spool_write(r, r->hdr ? r->hdr + end : "", r->hlen - end, e) < 0)
		return -1;
	free(r->hdr);
	r->hdr = NULL;
	r->hlen = r->hcap = 0;
	r->in_header = false;
	return 0;
}

enum line_kind {
	LINE_MORE,	/* cannot tell yet */
	LINE_FIELD,	/* "name:" */
	LINE_CONT,	/* starts with WSP: continues the field above */
	LINE_END	/* anything else ends the header block */
};

/*
 * What the line at p, avail bytes of it so far, is to the header block
 * (RFC 5322 sections 2.2 and 3.6.8): field-name is 1*ftext, %d33-57 and
 * %d59-126; obs-optional (section 4.5) allows WSP before the colon.  The
 * block is a run of fields from the first line on: an empty line, or any
 * other line, ends it, and is the start of the body.
 */
static enum line_kind
line_kind(const char *p, size_t avail, bool first)
{
	size_t i;

	if (avail == 0)
		return LINE_MORE;
	if (p[0] == ' ' || p[0] == '\t')
		return first ? LINE_END : LINE_CONT;
	for (i = 0; i < avail && i <= MSG_NAME_MAX; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i > 0 ? LINE_FIELD : LINE_END;
		if (c < 33 || c > 126)
			break;
	}
	if (i == 0)
		return LINE_END;
	while (i < avail && i <= MSG_NAME_MAX && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i > MSG_NAME_MAX)
		return LINE_END;
	if (i == avail)
		return LINE_MORE;
	return p[i] == ':' ? LINE_FIELD : LINE_END;
}

static int
hdr_too_big(struct err *e)
{
	err_set(e, ERR_DATA, STEP_MESSAGE, "header block larger than 1 MiB");
	err_hint(e, "end the header fields with an empty line");
	return -1;
}

/* Places the complete lines held so far; ends the header block when a
 * line that is not part of it shows up. */
static int
hdr_scan(struct reader *r, struct err *e)
{
	while (r->in_header) {
		/* nothing read yet: no buffer, and NULL + 0 is undefined */
		enum line_kind k = line_kind(r->hdr ? r->hdr + r->scan : "",
		    r->hlen - r->scan, r->scan == 0);
		const char *nl;

		if (k == LINE_MORE)
			return 0;
		if (k == LINE_END)
			return hdr_done(r, r->scan, e);
		nl = memchr(r->hdr + r->nl_from, '\n', r->hlen - r->nl_from);
		if (nl == NULL) {
			r->nl_from = r->hlen;
			return r->hlen > MSG_HEADER_MAX ? hdr_too_big(e) : 0;
		}
		r->scan = r->nl_from = (size_t)(nl - r->hdr) + 1;
		if (r->scan > MSG_HEADER_MAX)
			return hdr_too_big(e);
	}
	return 0;
}

static int
reader_feed(struct reader *r, const char *p, size_t len, struct err *e)
{
	if (!r->in_header)
		return spool_write(r, p, len, e);
	if (msg_append(&r->hdr, &r->hlen, &r->hcap, p, len, e) < 0)
		return -1;
	return hdr_scan(r, e);
}

static ssize_t
reader_read(int fd, char *buf, size_t len, struct err *e)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, ERR_OS, STEP_MESSAGE, "cannot read the "
		    "message: %s", strerror(errno));
	return n;
}

/* Reads to EOF; the dot filter ends the last line, so that SIZE counts
 * the CR LF that will be sent. */
static int
reader_pump(struct reader *r, int fd, char *in, char *out, struct err *e)
{
	struct dot_filter f;
	ssize_t n;

	dot_init(&f, 0);
	for (size_t at = 0, k; at < r->opts->prelen; at += k) {
		k = r->opts->prelen - at < MSG_CHUNK ? r->opts->prelen - at :
		    MSG_CHUNK;
		if (reader_feed(r, out, dot_run(&f, r->opts->pre + at, k, out),
		    e) < 0)
			return -1;
	}
	while ((n = reader_read(fd, in, MSG_CHUNK, e)) > 0)
		if (reader_feed(r, out, dot_run(&f, in, (size_t)n, out), e) < 0)
			return -1;
	if (n < 0 || reader_feed(r, out, dot_finish(&f, out), e) < 0)
		return -1;
	if (r->in_header)
		return hdr_done(r, r->hlen, e);
	return 0;
}

/*
 * What the first bytes of an input, len of them so far, say about its
 * header block: LINE_MORE until they decide.  A first line "From ..." is
 * an mbox separator (as git format-patch writes) when a header field
 * follows it: *skip is then its length, to be dropped as sendmail's
 * Postfix and Exim drop it; followed by anything else it is text.
 */
static enum line_kind
start_kind(const char *p, size_t len, size_t *skip)
{
	size_t line = len < MSG_LINE_MAX ? len : MSG_LINE_MAX;
	const char *nl;
	enum line_kind k;

	*skip = 0;
	if (len < 5 && len > 0 && memcmp(p, "From ", len) == 0)
		return LINE_MORE;
	k = line_kind(p, len, true);
	if (k != LINE_END || len < 5 || memcmp(p, "From ", 5) != 0)
		return k;	/* "From : x" is a field (obs-optional) */
	if ((nl = memchr(p, '\n', line)) == NULL)
		return len < MSG_LINE_MAX ? LINE_MORE : LINE_END;
	k = line_kind(nl + 1, len - (size_t)(nl + 1 - p), true);
	if (k == LINE_FIELD)
		*skip = (size_t)(nl + 1 - p);
	return k;
}

int
msg_start_read(struct msg_start *s, int fd, struct err *e)
{
	enum line_kind k = LINE_MORE;
	size_t skip = 0;
	struct stat st;
	off_t at = -1;
	ssize_t n = 1;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		at = lseek(fd, 0, SEEK_CUR);
	s->len = 0;
	while (k == LINE_MORE && s->len < sizeof(s->buf) &&
	    (n = reader_read(fd, s->buf + s->len, sizeof(s->buf) - s->len,
	    e)) > 0) {
		s->len += (size_t)n;
		k = start_kind(s->buf, s->len, &skip);
	}
	if (n < 0)
		return -1;
	s->header = k == LINE_FIELD;
	s->len -= skip;
	memmove(s->buf, s->buf + skip, s->len);
	if (at >= 0) {
		if (lseek(fd, at + (off_t)skip, SEEK_SET) < 0)
			return err_set(e, ERR_OS, STEP_MESSAGE, "cannot read "
			    "the message again: %s", strerror(errno));
		s->len = 0;
	}
	return 0;
}

/* The domain of an address addr_check accepted, or its end for a bare
 * name: a quoted local part may hold '@'. */
static const char *
rcpt_domain(const char *a)
{
	const char *p = a;

	if (*p == '"') {
		for (p++; *p != '"'; p++)
			if (*p == '\\')
				p++;
		p++;
	}
	p += strcspn(p, "@");
	return *p == '@' ? p + 1 : p;
}

static int
rcpt_ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

/* Same mailbox: the local part compared exactly (RFC 5321 section 2.4:
 * only the receiving host may fold its case), the domain without ASCII
 * case. */
static int
rcpt_cmp_addr(const char *a, const char *b)
{
	const char *da = rcpt_domain(a), *db = rcpt_domain(b);
	size_t la = (size_t)(da - a), lb = (size_t)(db - b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0 || la != lb)
		return c != 0 ? c : (la < lb ? -1 : 1);
	return rcpt_ascii_casecmp(da, db);
}

struct rcpt_ref {
	char	*s;
	size_t	 i;
};

static int
rcpt_cmp(const void *x, const void *y)
{
	const struct rcpt_ref *a = x, *b = y;
	int c = rcpt_cmp_addr(a->s, b->s);

	if (c != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Drops later copies of an address, keeping header order; sorting keeps
 * this fast for the long lists a 1 MiB header can hold. */
static int
rcpt_dedup(struct msg *m, struct err *e)
{
	struct rcpt_ref *ref;
	size_t i, n = 0;

	if (m->nrcpt < 2)
		return 0;
	if ((ref = calloc(m->nrcpt, sizeof(*ref))) == NULL)
		return msg_oom(e);
	for (i = 0; i < m->nrcpt; i++)
		ref[i] = (struct rcpt_ref){ m->rcpt[i], i };
	/* Equal addresses are adjacent, the first in header order first. */
	qsort(ref, m->nrcpt, sizeof(*ref), rcpt_cmp);
	for (i = 1; i < m->nrcpt; i++)
		if (rcpt_cmp_addr(ref[i - 1].s, ref[i].s) == 0)
			m->rcpt[ref[i].i] = NULL;
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[ref[i].i] == NULL)
			free(ref[i].s);
	free(ref);
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i] != NULL)
			m->rcpt[n++] = m->rcpt[i];
	m->nrcpt = n;
	return 0;
}

int
msg_read(struct msg **mp, int fd, const struct msg_opts *opts,
    struct err *e)
{
	struct reader r = { .opts = opts, .in_header = true };
	char *in = malloc(MSG_CHUNK);
	char *out = malloc(DOT_OUT_MAX(MSG_CHUNK) + DOT_FINISH_MAX);
	int rc = -1;

	*mp = NULL;
	if ((r.m = calloc(1, sizeof(*r.m))) != NULL)
		r.m->fd = -1;
	if (r.m != NULL && opts->tmpdir != NULL &&
	    (r.m->tmpdir = strdup(opts->tmpdir)) == NULL)
		msg_oom(e);
	else if (r.m == NULL || in == NULL || out == NULL)
		msg_oom(e);
	else if (reader_pump(&r, fd, in, out, e) == 0 &&
	    rcpt_dedup(r.m, e) == 0) {
		*mp = r.m;
		r.m = NULL;
		rc = 0;
	}
	free(in);
	free(out);
	free(r.hdr);
	msg_free(r.m);
	return rc;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	free(m->mem);
	if (m->fd >= 0)
		close(m->fd);
	for (size_t i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->tmpdir);
	free(m);
}

size_t
msg_size(const struct msg *m)
{
	return m->size;
}

bool
msg_has_8bit(const struct msg *m)
{
	return m->has_8bit;
}

size_t
msg_longest_line(const struct msg *m)
{
	return m->longest > m->line ? m->longest : m->line;
}

bool
msg_header_8bit(const struct msg *m)
{
	return m->hdr_8bit;
}

size_t
msg_rcpt_count(const struct msg *m)
{
	return m->nrcpt;
}

const char *
msg_rcpt(const struct msg *m, size_t i)
{
	return i < m->nrcpt ? m->rcpt[i] : NULL;
}

int
msg_rewind(struct msg *m, struct err *e)
{
	(void)e;
	m->pos = 0;
	return 0;
}

ssize_t
msg_read_chunk(struct msg *m, char *buf, size_t len, struct err *e)
{
	size_t left = m->size - m->pos;
	ssize_t n;

	if (len > left)
		len = left;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	if (len == 0)
		return 0;
	if (m->fd < 0) {
		memcpy(buf, m->mem + m->pos, len);
		n = (ssize_t)len;
	} else {
		do
			n = pread(m->fd, buf, len, (off_t)m->pos);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return err_set(e, ERR_OS, STEP_MESSAGE, "cannot read "
			    "the spool file: %s", strerror(errno));
		if (n == 0)
			return err_set(e, ERR_OS, STEP_MESSAGE, "the spool "
			    "file is shorter than the message");
	}
	m->pos += (size_t)n;
	return n;
}

int
msg_put(struct msg *out, const char *p, size_t len, struct err *e)
{
	struct msg_opts opts = { .tmpdir = out->tmpdir };
	struct reader r = { .m = out, .opts = &opts };

	return spool_write(&r, p, len, e);
}

/* The new spool takes the old one's place; the recipients, the header's
 * 8-bit flag and the spool directory move over. */
int
msg_filter(struct msg *m, msg_filter_fn fn, void *ctx, struct err *e)
{
	struct msg *n = calloc(1, sizeof(*n)), old;

	if (n == NULL)
		return msg_oom(e);
	n->fd = -1;
	n->tmpdir = m->tmpdir;
	if (fn(ctx, m, n, e) < 0) {
		n->tmpdir = NULL;
		msg_free(n);
		return -1;
	}
	n->rcpt = m->rcpt;
	n->nrcpt = m->nrcpt;
	n->rcptcap = m->rcptcap;
	n->hdr_8bit = m->hdr_8bit;
	old = *m;
	*m = *n;
	old.rcpt = NULL;
	old.nrcpt = 0;
	old.tmpdir = NULL;
	*n = old;
	msg_free(n);
	return 0;
}

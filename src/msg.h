/*
 * msg: the message read from standard input.
 *
 * msg_read consumes its input to the end (a line holding a lone "." is
 * content, never the end of input), normalises line endings to CR LF with
 * the dot filter (no stuffing), removes Bcc header fields, optionally
 * collects recipients from To/Cc/Bcc (-t), and spools the result: in memory
 * while small, in an unlinked temporary file beyond MSG_MEM_MAX, so that
 * memory use does not grow with message size and the message can be read
 * again (retry, queue) without stdin.  Header fields are unfolded only for
 * parsing; the bytes sent are the input's, normalised.  A non-empty message
 * always ends with CR LF in the spool (the dot filter ends an unterminated
 * last line), so msg_size is what goes on the wire before stuffing.
 *
 * The header block is the run of header fields from the first line up to
 * the first line that is neither a field ("name:") nor a continuation; when
 * the first line is not a field, there is no header block.  Bcc and
 * Resent-Bcc fields are always removed.  With read_rcpts, when any
 * Resent-To, Resent-Cc or Resent-Bcc field is present, the recipients are
 * those of the top-most Resent block (RFC 5322 section 3.6.6), else those
 * of To, Cc and Bcc.
 */
#ifndef TLSMAIL_MSG_H
#define TLSMAIL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define MSG_MEM_MAX	(256 * 1024)	/* spool in memory up to this size */
#define MSG_HEADER_MAX	(1024 * 1024)	/* largest header block accepted */

/* msg_start reads at most this much: a leading mbox "From " line of at
 * most 1000 octets, then the next line is known to be a header field or
 * not within a field name's longest run (998) and its colon. */
#define MSG_START_MAX	2000

struct hdrfill_conf;

struct msg_opts {
	bool	 read_rcpts;	/* -t: collect To, Cc, Bcc */
	const char *tmpdir;	/* NULL: $TMPDIR, else /tmp */
	/* Header completion (hdrfill.h): the missing fields are added at
	 * the top of the header block, and spooled and counted with it; a
	 * message without a header block gets one.  NULL: none. */
	const struct hdrfill_conf *fill;
	/* Bytes already read from the fd (msg_start's), read first. */
	const char *pre;
	size_t	 prelen;
};

/*
 * The start of an input, read ahead to learn whether it opens with a
 * header block (its first line is a header field) before deciding what it
 * is: a complete message or the body of one to compose.  A first line
 * "From " followed by a header field is an mbox separator (git
 * format-patch writes one) and is dropped, as sendmail does; before
 * anything else it is text and stays.  When fd is a regular file it is
 * put back where it was (after a dropped separator) and len is 0;
 * otherwise the len bytes in buf were consumed and must be read first
 * (msg_opts.pre, compose_conf.body_pre).  Errors: ERR_OS.
 */
struct msg_start {
	char	 buf[MSG_START_MAX];
	size_t	 len;
	bool	 header;
};
int	msg_start_read(struct msg_start *, int fd, struct err *);

struct msg;

/* One field of a header block whose lines end in CR LF, continuation
 * lines included: the iterator that msg and mime8 share. */
struct msg_field {
	const char *p;		/* the name */
	size_t	 len;		/* through the final CR LF */
	size_t	 namelen;
	const char *value;	/* after the colon, up to the final CR LF */
	size_t	 vlen;
};

/* Steps to the next field of hdr[0..end), whose first line is a field;
 * false at the end. */
bool	msg_field_next(const char *hdr, size_t end, size_t *pos,
	    struct msg_field *);
/* True when the field's name is name, ignoring case. */
bool	msg_field_is(const struct msg_field *, const char *name);

/* Reads fd to EOF.  Errors: ERR_DATA (header block over MSG_HEADER_MAX,
 * unparseable address list with -t), ERR_OS (read or spool failure). */
int	msg_read(struct msg **, int fd, const struct msg_opts *, struct err *);
void	msg_free(struct msg *);

/* Size in octets as it will be sent, CR LF line ends, before dot-stuffing
 * (the SIZE= parameter, RFC 1870). */
size_t	msg_size(const struct msg *);
/* True when any byte has the high bit set (BODY=8BITMIME, RFC 6152). */
bool	msg_has_8bit(const struct msg *);
/* Longest line in octets, without CR LF (RFC 5321 4.5.3.1.6: 998). */
size_t	msg_longest_line(const struct msg *);
/* True when the header block has a byte with the high bit set (UTF-8
 * header fields need SMTPUTF8, RFC 6532). */
bool	msg_header_8bit(const struct msg *);
/* Recipients found with read_rcpts, in header order, duplicates removed:
 * two addresses are the same when their local parts are equal byte for
 * byte and their domains equal ignoring ASCII case; the first is kept.
 * msg_rcpt returns NULL when i is out of range. */
size_t	msg_rcpt_count(const struct msg *);
const char *msg_rcpt(const struct msg *, size_t i);

/* Reading the spooled message back, from the start, as often as needed. */
int	msg_rewind(struct msg *, struct err *);
/* Returns bytes read into buf (0 at the end), or -1 with ERR_OS. */
ssize_t	msg_read_chunk(struct msg *, char *buf, size_t len, struct err *);

/*
 * Replaces the spooled message with one made from it (the 8-bit
 * conversion of mime8.h), in a second pass, so that memory does not grow
 * with the message: fn reads in with msg_rewind and msg_read_chunk and
 * writes the new message to out with msg_put, CR LF line ends only.
 * Size, 8-bit content and longest line are counted anew; recipients and
 * msg_header_8bit stay.  On failure the message is left as it was.
 * Errors: fn's, ERR_OS.
 */
typedef int (*msg_filter_fn)(void *ctx, struct msg *in, struct msg *out,
    struct err *);
int	msg_filter(struct msg *, msg_filter_fn fn, void *ctx, struct err *);
int	msg_put(struct msg *out, const char *, size_t len, struct err *);

#endif

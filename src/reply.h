/*
 * reply: the SMTP reply parser (RFC 5321 section 4.2), a pure function fed
 * one line at a time so that tests and fuzzers drive it without a socket.
 *
 * A reply is one or more lines "NNN-text" ending with "NNN text" (or a bare
 * "NNN").  Every line must carry the same code, the code must be 2xx to 5xx
 * with a second digit of 0 to 5, and the separator must be '-' or ' '.  Line
 * length and line count are capped so that a hostile server cannot make the
 * client grow without bound.
 */
#ifndef TLSMAIL_REPLY_H
#define TLSMAIL_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define REPLY_LINE_MAX	4096	/* octets per line; RFC 5321 says 512 */
#define REPLY_LINES_MAX	256	/* continuation lines per reply */

struct reply {
	int	 code;
	size_t	 nlines;
	char	*text;		/* the lines' texts without codes, '\n'-joined */
	size_t	 len;
	size_t	 cap;
};

void	reply_init(struct reply *);
void	reply_free(struct reply *);
/* Forget the previous reply, keeping the buffer. */
void	reply_reset(struct reply *);

/*
 * Feeds one line without its CR LF.  Returns 1 when the reply is complete,
 * 0 when more lines follow, -1 with ERR_PROTOCOL on a malformed line (no
 * code, code out of range, codes that differ between lines, too long, too
 * many lines).
 */
int	reply_feed(struct reply *, const char *line, size_t len,
	    enum err_step, struct err *);

/* The n-th line of the text (EHLO keywords), for iteration; NULL at end. */
const char *reply_line(const struct reply *, size_t n, size_t *len);

#endif

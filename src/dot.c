/*
 * dot: line-ending normalisation and dot-stuffing as one streaming filter.
 *
 * RFC 5321 section 2.3.8: lines end in CR LF, and a bare CR or LF must not
 * reach the wire.  Section 4.5.2: a line that starts with '.' gets one more,
 * so that the CR LF . CR LF written by dot_finish is the only end of data.
 *
 * A CR is turned into CR LF as soon as it is seen, and a LF right after it
 * is swallowed (after_cr).  The output for a CR thus never waits on the next
 * byte, which is what makes the output the same however the input is split.
 */
#include <config.h>

#include "dot.h"

void
dot_init(struct dot_filter *f, unsigned flags)
{
	f->flags = flags;
	f->bol = true;
	f->after_cr = false;
	f->empty = true;
}

size_t
dot_run(struct dot_filter *f, const char *in, size_t len, char *out)
{
	char *o = out;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (f->after_cr) {
			f->after_cr = false;
			if (c == '\n')
				continue;	/* the CR already wrote CR LF */
		}
		if (c == '\r' || c == '\n') {
			*o++ = '\r';
			*o++ = '\n';
			f->after_cr = (c == '\r');
			f->bol = true;
			continue;
		}
		if (f->bol && c == '.' && (f->flags & DOT_STUFF))
			*o++ = '.';
		*o++ = c;
		f->bol = false;
	}
	if (o != out)
		f->empty = false;
	return (size_t)(o - out);
}

size_t
dot_finish(struct dot_filter *f, char *out)
{
	char *o = out;

	/* An empty message stays empty: it has no last line to end. */
	if (!f->empty && !f->bol) {
		*o++ = '\r';
		*o++ = '\n';
	}
	if (f->flags & DOT_STUFF) {
		*o++ = '.';
		*o++ = '\r';
		*o++ = '\n';
	}
	if (o != out)
		f->empty = false;
	f->bol = true;
	f->after_cr = false;
	return (size_t)(o - out);
}

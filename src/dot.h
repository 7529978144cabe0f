/*
 * dot: the streaming filter that turns arbitrary message bytes into SMTP
 * DATA content (RFC 5321 section 4.5.2).
 *
 * Line endings are normalised first: CR LF stays, a bare LF and a bare CR
 * each become CR LF.  Then, with DOT_STUFF, a '.' at the start of a line is
 * doubled.  Normalising before stuffing is what makes the terminator that
 * dot_finish writes the only CR LF . CR LF on the wire (SMTP smuggling,
 * SEC Consult 2023).  State is carried across calls, so input may be split
 * at any byte.  Normalisation is idempotent: CR LF input passes unchanged.
 */
#ifndef TLSMAIL_DOT_H
#define TLSMAIL_DOT_H

#include <stdbool.h>
#include <stddef.h>

#define DOT_STUFF	0x01	/* double leading dots */

struct dot_filter {
	unsigned flags;
	bool	 bol;		/* next output byte starts a line */
	bool	 after_cr;	/* last input byte was CR: swallow a LF */
	bool	 empty;		/* nothing has been written yet */
};

/* Worst-case output size for n input bytes. */
#define DOT_OUT_MAX(n)		(2 * (n))
/* Worst-case output of dot_finish. */
#define DOT_FINISH_MAX		5

void	dot_init(struct dot_filter *, unsigned flags);
/* Filters len bytes of in into out, which must hold DOT_OUT_MAX(len)
 * bytes; returns the number of bytes written. */
size_t	dot_run(struct dot_filter *, const char *in, size_t len, char *out);
/* Ends the stream: adds CR LF if the last line had none, and with
 * DOT_STUFF the ". CR LF" terminator.  out holds DOT_FINISH_MAX bytes. */
size_t	dot_finish(struct dot_filter *, char *out);

#endif

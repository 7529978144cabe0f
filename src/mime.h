/*
 * mime: the encoders that put text and files into a message that any
 * RFC 5322 transport carries intact (RFC 2045, RFC 2046, RFC 2047,
 * RFC 2231).  Nothing here reads files or knows about the message as a
 * whole; compose (and the 8-bit conversion of the drop-in work) drive it.
 *
 * The body encoders are streaming filters in the manner of dot.h: state
 * is carried across calls, so input may be split at any byte, and the
 * caller provides an output buffer of the documented worst-case size.
 * Header encoders return heap strings the caller frees; their only error
 * is ERR_OS (out of memory).
 */
#ifndef TLSMAIL_MIME_H
#define TLSMAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* ---- quoted-printable (RFC 2045 section 6.7) ---- */

/*
 * Text in, quoted-printable out.  A line ends at LF, CR LF or a bare CR
 * (each becomes a hard CR LF line break, as dot.h treats them); every
 * output line is at most 76 characters, soft breaks ("=" CR LF)
 * included.  Bytes 33-126 except '=' stay as they are, as do space and
 * tab except at the end of a line; everything else is "=XX".
 */
struct mime_qp {
	size_t	 col;		/* characters on the output line so far */
	int	 held;		/* last byte, not yet written; -1: none */
	bool	 after_cr;	/* last byte was CR: a LF is part of it */
};

#define MIME_QP_LINE		76
/* Worst-case output for n input bytes, and of mime_qp_finish. */
#define MIME_QP_OUT_MAX(n)	(8 * (n))
#define MIME_QP_FINISH_MAX	6

void	mime_qp_init(struct mime_qp *);
/* Encodes len bytes of in into out, which must hold MIME_QP_OUT_MAX(len)
 * bytes; returns the number of bytes written. */
size_t	mime_qp_run(struct mime_qp *, const char *in, size_t len, char *out);
/* Writes what is held back; adds no line break of its own. */
size_t	mime_qp_finish(struct mime_qp *, char *out);

/* ---- base64 body (RFC 2045 section 6.8) ---- */

/*
 * Bytes in, base64 lines of 76 characters out, each ending in CR LF.
 * Input is encoded in multiples of 57 bytes (one line each) with
 * GnuTLS's encoder; the remainder waits for more input or for
 * mime_b64_finish, which writes the last, shorter line.  Empty input
 * gives no output at all.
 */
#define MIME_B64_LINE_IN	57
#define MIME_B64_LINE_OUT	76

struct mime_b64 {
	unsigned char hold[MIME_B64_LINE_IN];
	size_t	 nhold;
};

#define MIME_B64_OUT_MAX(n)	(((n) / MIME_B64_LINE_IN + 2) * \
				    (MIME_B64_LINE_OUT + 2))
#define MIME_B64_FINISH_MAX	(MIME_B64_LINE_OUT + 2)

void	mime_b64_init(struct mime_b64 *);
/* out holds MIME_B64_OUT_MAX(len) bytes; returns the bytes written, or
 * -1 with ERR_OS. */
ssize_t	mime_b64_run(struct mime_b64 *, const void *in, size_t len, char *out,
	    struct err *);
ssize_t	mime_b64_finish(struct mime_b64 *, char *out, struct err *);

/* ---- UTF-8 (RFC 3629) ---- */

/* A validator that can be fed in pieces: overlong forms, surrogates and
 * code points over U+10FFFF are invalid. */
struct mime_utf8 {
	unsigned char need;	/* continuation bytes still expected */
	unsigned char lo, hi;	/* the range the next one must be in */
	unsigned char lead;	/* first byte of the open sequence */
};

void	mime_utf8_init(struct mime_utf8 *);
/* Returns the offset of the first byte that makes the text invalid, or
 * len when all of it is valid so far. */
size_t	mime_utf8_feed(struct mime_utf8 *, const char *, size_t len);
/* True when no multi-byte sequence is left open. */
bool	mime_utf8_done(const struct mime_utf8 *);
/* The whole string at once. */
bool	mime_utf8_valid(const char *, size_t len);

/* ---- header fields (RFC 2047, RFC 5322) ---- */

/*
 * The value of an unstructured field (Subject, or any field a user adds)
 * ready to follow "Name: " on the wire.  col is the column it starts at
 * (the length of "Name: ").  Printable ASCII is kept and folded at
 * spaces so that lines stay within 78 characters where a space allows;
 * anything else (8-bit bytes, which must be UTF-8, control characters,
 * or text that would read as an encoded word) becomes UTF-8
 * encoded-words, B or Q, whichever is shorter, each at most 75
 * characters on lines of at most 76, split between characters, never
 * inside one.  The result may start with a fold when col leaves no room.
 */
char	*mime_header_text(const char *, size_t col, struct err *);

/*
 * A display name (RFC 5322 phrase) for From, To or Reply-To: atoms are
 * kept, other printable ASCII becomes a quoted-string, and non-ASCII
 * becomes encoded-words with the stricter Q alphabet RFC 2047 section
 * 5 (3) allows in a phrase.
 */
char	*mime_header_phrase(const char *, size_t col, struct err *);

/*
 * One MIME parameter, "name=value", for Content-Type or
 * Content-Disposition, meant to follow ";" CR LF SP.  Printable ASCII
 * becomes a quoted-string; anything else is RFC 2231 encoded as UTF-8
 * (name*=utf-8''%E2%82%AC); a value too long for one line is split into
 * RFC 2231 continuations (name*0, name*1 ...) joined by ";" CR LF SP,
 * never inside a character.
 */
char	*mime_param(const char *name, const char *value, struct err *);

/* ---- odds and ends ---- */

/* The media type for a file name, from its extension (case ignored);
 * "application/octet-stream" when unknown. */
const char *mime_type_for(const char *filename);

/* Fills buf with len - 1 random letters and digits (gnutls_rnd) and a
 * NUL, for boundaries and Message-IDs.  Errors: ERR_OS. */
int	mime_random(char *buf, size_t len, struct err *);

/* A multipart boundary (RFC 2046 section 5.1.1): "=_" and random
 * characters.  "=_" cannot occur in quoted-printable or base64 output,
 * so no encoded part can contain the boundary.  buf holds
 * MIME_BOUNDARY_LEN + 1 bytes. */
#define MIME_BOUNDARY_LEN	32
int	mime_boundary(char *buf, struct err *);

#endif

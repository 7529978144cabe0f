/*
 * mime8: makes a message fit for a server that does not take it as it
 * is.  SMTP carries lines of at most 998 octets (RFC 5321 4.5.3.1.6) and
 * 8-bit bytes only with BODY=8BITMIME (RFC 6152); a message that breaks
 * either rule is never folded or cut: its text parts are re-encoded as
 * quoted-printable (RFC 2045 section 6.7), which changes no byte of the
 * decoded text, and anything else that would need a change is refused.
 *
 * It runs as a msg_filter in two passes over the spool.  The first reads
 * the MIME structure (RFC 2045, RFC 2046) and decides part by part; the
 * second writes.  Memory holds one header block and the start of one
 * line at a time, so it does not grow with the message.
 *
 * What is converted: a part whose body breaks a rule, when its type is
 * text (or it has no Content-Type, outside multipart/digest) and its
 * Content-Transfer-Encoding is absent, 7bit, 8bit or binary.  Its
 * Content-Transfer-Encoding becomes quoted-printable; a part without
 * Content-Type that has 8-bit bytes is declared text/plain with charset
 * utf-8 when it is valid UTF-8, else unknown-8bit (RFC 1428); the message
 * gets MIME-Version when it has none.  Every multipart that encloses a
 * converted part gets a new boundary ("=_" and random characters, which
 * quoted-printable output cannot contain), so that re-wrapped text can
 * never be read as a boundary.
 *
 * What is refused (ERR_DATA, exit 65), each with the part named: 8-bit
 * header fields without 8BITMIME; a header line over 998 octets; a part
 * that is not text (application, image, message ...) or that is already
 * quoted-printable or base64; a preamble or epilogue that breaks a rule;
 * a part inside multipart/signed or multipart/encrypted, whose signature
 * any change would break.
 */
#ifndef TLSMAIL_MIME8_H
#define TLSMAIL_MIME8_H

#include <stdbool.h>

#include "err.h"
#include "msg.h"

struct mime8_conf {
	bool	 eightbit;	/* 8-bit bodies may stay: the server offers
				   8BITMIME and the sender did not ask for
				   7 bit (-B7BIT) */
	const char *boundary;	/* new boundaries are this and ".N" (tests);
				   NULL: random */
};

/* True when the message breaks a rule: a line over 998 octets, or 8-bit
 * bytes when !eightbit. */
bool	mime8_needed(const struct msg *, bool eightbit);

/* The msg_filter_fn; ctx is a struct mime8_conf.  Errors: ERR_DATA for
 * what cannot be converted, the message naming the part and why;
 * ERR_OS. */
int	mime8_filter(void *ctx, struct msg *in, struct msg *out, struct err *);

#endif

/*
 * compose: a message made from command-line options, for a person at a
 * shell ("tlsmail -s report --attach report.pdf bob@example.net <
 * notes.txt").
 *
 * Standard input is the body: text/plain, declared US-ASCII when it is
 * 7-bit, UTF-8 when it has 8-bit bytes (which must then be valid UTF-8);
 * quoted-printable when it has 8-bit bytes, NUL bytes or lines over 998
 * octets, 7bit otherwise.  With attachments the message is
 * multipart/mixed: the body first, then each file, base64, streamed from
 * disk, so that memory does not grow with the size of the files.
 *
 * The message is written to an unlinked temporary file whose descriptor
 * the caller hands to msg_read, like standard input; nothing is sent
 * before it is complete, and every attachment is opened (so a missing or
 * unreadable one is reported) before the body is read.
 */
#ifndef TLSMAIL_COMPOSE_H
#define TLSMAIL_COMPOSE_H

#include <stddef.h>

#include "err.h"

struct compose_conf {
	const char *from;		/* sender address, "" for none */
	const char *from_name;		/* -F, NULL: none */
	const char *const *to;		/* the recipient arguments */
	size_t	 nto;
	const char *const *cc;
	size_t	 ncc;
	const char *reply_to;		/* NULL: none */
	const char *subject;		/* NULL: no Subject field */
	const char *const *headers;	/* "Name: value", --header */
	size_t	 nheader;
	const char *const *attach;	/* file paths */
	size_t	 nattach;
	const char *domain;		/* Message-ID's right side when from
					   has no domain; NULL: "localhost" */
	const char *tmpdir;		/* NULL: $TMPDIR, else /tmp */
	/* The body's first bytes, already read from body_fd (msg_start's
	 * look-ahead); they come before the rest of it. */
	const char *body_pre;
	size_t	 body_prelen;
	/* Fixed values instead of the clock and random numbers (tests). */
	const char *date;		/* the Date field's value */
	const char *message_id;		/* "<...>" */
	const char *boundary;
};

struct compose;

/*
 * Checks the options, opens every attachment and writes the header
 * fields.  conf must outlive the compose.  Errors: ERR_USAGE (a --header
 * that is not "Name: value" with an RFC 5322 field name, a CR, LF or NUL
 * in a value, a field tlsmail writes itself, text that is not UTF-8, a
 * bad --reply-to address), ERR_NOINPUT (an attachment that cannot be
 * opened or is not a regular file), ERR_OS.
 */
int	compose_open(struct compose **, const struct compose_conf *,
	    struct err *);

/*
 * Reads the body from body_fd to its end and finishes the message; *fd
 * is then the message, positioned at its start, owned by the caller.
 * Errors: ERR_DATA (a body with 8-bit bytes that is not UTF-8),
 * ERR_NOINPUT (an attachment that fails to read), ERR_OS.
 */
int	compose_write(struct compose *, int body_fd, int *fd, struct err *);

void	compose_free(struct compose *);

/* Checks one --header argument; exposed for tests. */
int	compose_check_header(const char *, struct err *);

#endif

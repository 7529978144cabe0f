/*
 * hdrfill: the header fields a message lacks, made for msg to add at the
 * top of its header block (RFC 5322 section 3.6: Date and From are
 * required, Message-ID should be there; RFC 6409 section 8 lets the
 * submission side add them).  Nothing here reads the message: msg says
 * which fields it found, hdrfill writes what is missing.
 */
#ifndef TLSMAIL_HDRFILL_H
#define TLSMAIL_HDRFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* What to add, and from what.  Strings are borrowed. */
struct hdrfill_conf {
	bool	 date;		/* Date when missing */
	bool	 msgid;		/* Message-ID when missing */
	bool	 from;		/* From when missing */
	bool	 from_replace;	/* From always: msg drops the message's */
	bool	 undisclosed;	/* "To: undisclosed-recipients:;" when
				   there is neither To nor Cc */
	const char *sender;	/* From's address: the envelope sender;
				   NULL or "": no From is added */
	const char *fullname;	/* From's display name, NULL: none */
	const char *domain;	/* Message-ID's right side; NULL: the
				   sender's domain, else "localhost" */
	/* Fixed values instead of the clock and gnutls_rnd (tests). */
	const char *date_value;
	const char *msgid_value;
};

/* The fields msg found in the header block. */
struct hdrfill_seen {
	bool	 date, msgid, from, to_cc;
};

/* RFC 5322 3.3 date-time of t in local time with its numeric zone,
 * "Mon, 30 Nov 2026 01:18:01 +0100", into buf. */
#define HDRFILL_DATE_MAX	40
void	hdrfill_date(time_t t, char buf[HDRFILL_DATE_MAX]);

/* RFC 5322 3.6.4 msg-id "<random@domain>", 24 random letters and digits
 * on the left; a domain in U-labels is written in A-labels, one that is
 * no dot-atom or address literal gives "localhost".  Caller frees;
 * NULL with ERR_OS. */
char	*hdrfill_msgid(const char *domain, struct err *);

/* The From field, "From: " through CR LF: the address alone, or with the
 * display name RFC 2047-encoded when not ASCII and quoted when RFC 5322
 * needs it (mime_header_phrase).  Caller frees; NULL with ERR_OS. */
char	*hdrfill_from(const char *addr, const char *name, struct err *);

/* True when msg must drop the message's own From fields: from_replace
 * with a sender to put in their place. */
bool	hdrfill_replaces_from(const struct hdrfill_conf *);

/*
 * The fields to add, in the order Date, Message-ID, From, To, each
 * ending in CR LF; "" when none is missing.  Caller frees; NULL with
 * ERR_OS.
 */
char	*hdrfill_make(const struct hdrfill_conf *,
	    const struct hdrfill_seen *, struct err *);

#endif

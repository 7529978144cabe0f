/*
 * hint: advice for a permanent refusal.  The enhanced status code (RFC
 * 3463; RFC 2034 has servers put it first in the reply text) says why
 * more reliably than the reply code alone: 5.1.x is about an address,
 * 5.2.x the mailbox, 5.3.x the mail system (5.3.4: too big), 5.6.x the
 * message's form, 5.7.x policy and security.
 */
#include <config.h>

#include <ctype.h>
#include <stddef.h>

#include "hint.h"

struct esc {
	int	 cls, subject, detail;	/* -1: no enhanced status code */
};

/* Up to three digits; -1 when there are none. */
static int
esc_number(const char **p)
{
	int n = 0, digits = 0;

	while (digits < 3 && isdigit((unsigned char)**p)) {
		n = n * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	return digits > 0 ? n : -1;
}

/* "5.1.1 ..." at the start of text (RFC 3463 section 2: class "."
 * subject "." detail, subject and detail of one to three digits). */
static struct esc
esc_parse(const char *text)
{
	struct esc none = { -1, -1, -1 }, x;
	const char *p = text;

	if (text == NULL || (*p != '2' && *p != '4' && *p != '5') ||
	    p[1] != '.')
		return none;
	x.cls = *p - '0';
	p += 2;
	if ((x.subject = esc_number(&p)) < 0 || *p++ != '.' ||
	    (x.detail = esc_number(&p)) < 0 || (*p != '\0' && *p != ' '))
		return none;
	return x;
}

static bool
esc_is(const struct esc *x, int subject, int detail)
{
	return x->cls == 5 && x->subject == subject &&
	    (detail < 0 || x->detail == detail);
}

/* RCPT: the address, the mailbox, or relaying. */
static const char *
hint_rcpt(const struct esc *x, bool logged_in)
{
	if (esc_is(x, 1, 1))
		return "the mailbox does not exist: check the spelling of "
		    "the address";
	if (esc_is(x, 1, 2))
		return "the domain does not exist or takes no mail: check "
		    "the part after the @";
	if (esc_is(x, 1, 3))
		return "the server finds the address malformed: check it";
	if (esc_is(x, 2, 2))
		return "the recipient's mailbox is full: reach them another "
		    "way, or try again much later";
	if (esc_is(x, 7, 1) && !logged_in)
		return "servers relay only for users who log in: give "
		    "--user, or send through a server of the recipient's "
		    "domain";
	if (esc_is(x, 7, -1))
		return "the server's policy refuses this recipient; ask its "
		    "administrator if the reason is unclear";
	return NULL;
}

/* DATA and the end of the message: the content or its size. */
static const char *
hint_message(const struct esc *x, int code)
{
	if (esc_is(x, 3, 4) || esc_is(x, 2, 3) || code == 552)
		return "the message is too big for this server: send a "
		    "smaller one, or the files another way";
	if (esc_is(x, 2, 2))
		return "the recipient's mailbox is full: reach them another "
		    "way, or try again much later";
	if (esc_is(x, 6, -1))
		return "nothing was delivered: the server refuses the "
		    "message's form; compose it with -s and --attach, or "
		    "check its MIME structure";
	if (esc_is(x, 7, -1))
		return "nothing was delivered: the server's policy refuses "
		    "the content; ask its postmaster if the reason is unclear";
	return "nothing was delivered; ask the server's postmaster if the "
	    "reason is unclear";
}

const char *
hint_refusal(enum err_step step, int code, const char *text, bool logged_in)
{
	struct esc x = esc_parse(text);

	if (code < 500 || code > 599)
		return NULL;
	/* RFC 4954 section 6: 530 5.7.0, authentication required */
	if (code == 530 && !logged_in && step != STEP_AUTH)
		return "the server wants a login first: give --user and a "
		    "password source";
	switch (step) {
	case STEP_MAIL:
		if (esc_is(&x, 3, 4) || code == 552)
			return hint_message(&x, code);
		return "check -f: many servers take only the address of the "
		    "account you log in as";
	case STEP_RCPT:
		return hint_rcpt(&x, logged_in);
	case STEP_DATA:
		return hint_message(&x, code);
	default:
		return NULL;
	}
}

/*
 * hint: what a person can do about a permanent refusal, read from the
 * reply's code and its enhanced status code (RFC 3463, "5.1.1"), so that
 * "550 5.1.1 User unknown" ends in "check the spelling of the address"
 * rather than in nothing.  smtp attaches the hint to the error; the words
 * before it are always the server's own.
 */
#ifndef TLSMAIL_HINT_H
#define TLSMAIL_HINT_H

#include <stdbool.h>

#include "err.h"

/*
 * The hint for a 5xx reply code with text (the reply after its code, its
 * lines joined) at step (STEP_MAIL, STEP_RCPT, or STEP_DATA for the DATA
 * command and the end of the message), or NULL when there is nothing
 * better to say than the server's words.  logged_in: credentials were
 * given, so "log in" is no advice.
 */
const char *hint_refusal(enum err_step step, int code, const char *text,
	    bool logged_in);

#endif

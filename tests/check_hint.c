/* The advice for permanent refusals: read from the enhanced status code
 * (RFC 3463) where the server gives one, from the reply code otherwise,
 * and never a made-up one for a temporary failure or a reply it cannot
 * read. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hint.h"
#include "ckrun.h"

/* The hint contains want; want NULL: there is none. */
static void
hint_has(enum err_step step, int code, const char *text,
    bool logged_in, const char *want)
{
	const char *h = hint_refusal(step, code, text, logged_in);

	if (text == NULL)
		text = "(null)";
	if (want == NULL) {
		ck_assert_msg(h == NULL, "%d %s: unexpected hint \"%s\"", code,
		    text, h != NULL ? h : "");
		return;
	}
	ck_assert_msg(h != NULL, "%d %s: no hint", code, text);
	ck_assert_msg(strstr(h, want) != NULL, "%d %s: \"%s\" lacks \"%s\"",
	    code, text, h, want);
}

START_TEST(test_rcpt)
{
	hint_has(STEP_RCPT, 550, "5.1.1 <b@x>: User unknown", false,
	    "check the spelling of the address");
	hint_has(STEP_RCPT, 550, "5.1.2 bad domain", false,
	    "the part after the @");
	hint_has(STEP_RCPT, 553, "5.1.3 syntax", false, "malformed");
	hint_has(STEP_RCPT, 552, "5.2.2 over quota", false,
	    "mailbox is full");
	/* relaying: log in, unless that was done already */
	hint_has(STEP_RCPT, 554, "5.7.1 <b@x>: Relay access denied",
	    false, "give --user");
	hint_has(STEP_RCPT, 554, "5.7.1 <b@x>: Relay access denied",
	    true, "policy refuses this recipient");
	/* nothing specific: smtp's own "fix or drop" stays */
	hint_has(STEP_RCPT, 550, "no such user here", false, NULL);
	hint_has(STEP_RCPT, 550, "5.0.0 no", false, NULL);
}
END_TEST

START_TEST(test_mail_and_message)
{
	hint_has(STEP_MAIL, 553, "5.7.1 <a@x>: Sender address "
	    "rejected: not owned by user", true, "check -f");
	hint_has(STEP_MAIL, 530, "5.7.0 Authentication required",
	    false, "give --user");
	hint_has(STEP_MAIL, 552, "5.3.4 Message size exceeds fixed "
	    "limit", false, "too big");
	hint_has(STEP_DATA, 554, "5.7.1 spam detected", false,
	    "policy refuses the content");
	hint_has(STEP_DATA, 554, "5.6.0 bad MIME", false,
	    "message's form");
	hint_has(STEP_DATA, 552, "too large", false, "too big");
	hint_has(STEP_DATA, 550, "5.2.3 too long", false, "too big");
	hint_has(STEP_DATA, 554, "Transaction failed", false,
	    "nothing was delivered");
	/* the DATA command itself */
	hint_has(STEP_DATA, 554, "5.5.1 no valid recipients", false,
	    "nothing was delivered");
}
END_TEST

START_TEST(test_not_for_these)
{
	/* temporary failures have their own "try again later" */
	hint_has(STEP_RCPT, 450, "4.2.2 mailbox full", false, NULL);
	hint_has(STEP_DATA, 451, "4.7.1 greylisted", false, NULL);
	/* 530 with credentials given is not "log in" advice */
	hint_has(STEP_MAIL, 530, "5.7.0 Authentication required",
	    true, "check -f");
	hint_has(STEP_AUTH, 535, "5.7.8 bad credentials", false,
	    NULL);
	hint_has(STEP_EHLO, 550, "5.7.1 go away", false, NULL);
}
END_TEST

/* Only a well-formed code at the very start counts (RFC 3463 section 2:
 * one to three digits each for subject and detail). */
START_TEST(test_esc_syntax)
{
	hint_has(STEP_RCPT, 550, "5.1.1", false, "spelling");
	hint_has(STEP_RCPT, 550, "5.001.001 x", false, "spelling");
	hint_has(STEP_RCPT, 550, "5.1.1x no", false, NULL);
	hint_has(STEP_RCPT, 550, "5.1111.1 no", false, NULL);
	hint_has(STEP_RCPT, 550, "5.1. no", false, NULL);
	hint_has(STEP_RCPT, 550, "3.1.1 no", false, NULL);
	hint_has(STEP_RCPT, 550, " 5.1.1 no", false, NULL);
	hint_has(STEP_RCPT, 550, "", false, NULL);
	hint_has(STEP_RCPT, 550, NULL, false, NULL);
	/* a temporary class code under a 5xx reply is not 5.x.x */
	hint_has(STEP_RCPT, 550, "4.1.1 odd", false, NULL);
}
END_TEST

static Suite *
hint_suite(void)
{
	Suite *s = suite_create("hint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rcpt);
	tcase_add_test(tc, test_mail_and_message);
	tcase_add_test(tc, test_not_for_these);
	tcase_add_test(tc, test_esc_syntax);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(hint_suite());
}

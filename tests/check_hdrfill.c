/*
 * Check suite for header completion: the fields hdrfill makes (Date in
 * fixed time zones, Message-ID, From with quoted and encoded names), and
 * what msg spools with them, byte for byte: the added fields at the top,
 * the rest of the message untouched, a header block made where there was
 * none, From replaced, undisclosed recipients, the header's 8-bit flag.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hdrfill.h"
#include "msg.h"
#include "ckmsg.h"
#include "ckrun.h"

#define DATE	"Thu, 01 Jan 2026 00:00:00 +0000"
#define ID	"<fixed@example.org>"

static struct err e;

static void
setup(void)
{
	err_clear(&e);
}

/* ---- Date ---- */

static void
date_in(const char *tz, time_t t, const char *want)
{
	char buf[HDRFILL_DATE_MAX];

	ck_assert_int_eq(setenv("TZ", tz, 1), 0);
	tzset();
	hdrfill_date(t, buf);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_date_zones)
{
	date_in("UTC0", 0, "Thu, 01 Jan 1970 00:00:00 +0000");
	date_in("IST-5:30", 0, "Thu, 01 Jan 1970 05:30:00 +0530");
	date_in("NST3:30", 0, "Wed, 31 Dec 1969 20:30:00 -0330");
	/* 2026-11-30 00:18:01 UTC is a Monday */
	date_in("UTC0", 1795997881, "Mon, 30 Nov 2026 00:18:01 +0000");
	date_in("CET-1", 1795997881, "Mon, 30 Nov 2026 01:18:01 +0100");
	unsetenv("TZ");
	tzset();
}
END_TEST

/* ---- Message-ID ---- */

static void
msgid_is(const char *domain, const char *right)
{
	char *id = hdrfill_msgid(domain, &e), want[128];
	size_t n;

	ck_assert_ptr_nonnull(id);
	n = strlen(id);
	ck_assert_int_eq(id[0], '<');
	ck_assert_int_eq(id[n - 1], '>');
	for (size_t i = 1; i <= 24; i++)
		ck_assert_msg(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz", id[i]) != NULL, "%s", id);
	snprintf(want, sizeof(want), "@%s>", right);
	ck_assert_str_eq(id + 25, want);
	free(id);
}

START_TEST(test_msgid)
{
	char *a, *b;

	msgid_is("example.org", "example.org");
	msgid_is(NULL, "localhost");
	msgid_is("[192.0.2.1]", "[192.0.2.1]");
	msgid_is("b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
	/* nothing that would break the field */
	msgid_is("a b", "localhost");
	msgid_is("x>y", "localhost");
	msgid_is("a..b", "localhost");
	msgid_is("", "localhost");
	a = hdrfill_msgid("x.org", &e);
	b = hdrfill_msgid("x.org", &e);
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
}
END_TEST

/* ---- From ---- */

static void
from_is(const char *addr, const char *name, const char *want)
{
	char *f = hdrfill_from(addr, name, &e);

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f, want);
	free(f);
}

START_TEST(test_from)
{
	from_is("a@x.org", NULL, "From: a@x.org\r\n");
	from_is("a@x.org", "", "From: a@x.org\r\n");
	from_is("a@x.org", "Cron Daemon", "From: Cron Daemon <a@x.org>\r\n");
	from_is("a@x.org", "Doe, Jane", "From: \"Doe, Jane\" <a@x.org>\r\n");
	from_is("a@x.org", "say \"hi\"",
	    "From: \"say \\\"hi\\\"\" <a@x.org>\r\n");
	/* B or Q, whichever is shorter (mime.c) */
	from_is("a@x.org", "J\xc3\xb6rg",
	    "From: =?UTF-8?B?SsO2cmc=?= <a@x.org>\r\n");
	from_is("a@x.org", "Jos\xc3\xa9 Smith",
	    "From: =?UTF-8?Q?Jos=C3=A9_Smith?= <a@x.org>\r\n");
	/* an IDN sender: A-labels keep the field ASCII */
	from_is("a@b\xc3\xbc" "cher.example", NULL,
	    "From: a@xn--bcher-kva.example\r\n");
	/* a UTF-8 local part stays (it needs SMTPUTF8 anyway) */
	from_is("j\xc3\xb6rg@x.org", NULL, "From: j\xc3\xb6rg@x.org\r\n");
	from_is("\"a b\"@x.org", NULL, "From: \"a b\"@x.org\r\n");
}
END_TEST

/* ---- the set of fields ---- */

static void
make_is(const struct hdrfill_conf *c, struct hdrfill_seen s,
    const char *want)
{
	char *f = hdrfill_make(c, &s, &e);

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f, want);
	free(f);
}

START_TEST(test_make)
{
	struct hdrfill_conf c = { .date = true, .msgid = true, .from = true,
		.sender = "a@x.org", .date_value = DATE, .msgid_value = ID };
	struct hdrfill_seen none = { false, false, false, false };
	struct hdrfill_seen all = { true, true, true, true };
	char *f;

	make_is(&c, none, "Date: " DATE "\r\nMessage-ID: " ID "\r\n"
	    "From: a@x.org\r\n");
	make_is(&c, all, "");
	make_is(&c, (struct hdrfill_seen){ true, false, true, true },
	    "Message-ID: " ID "\r\n");
	c.undisclosed = true;
	make_is(&c, (struct hdrfill_seen){ true, true, true, false },
	    "To: undisclosed-recipients:;\r\n");
	c.from_replace = true;
	make_is(&c, all, "From: a@x.org\r\n");
	c.sender = "";
	make_is(&c, none, "Date: " DATE "\r\nMessage-ID: " ID "\r\n"
	    "To: undisclosed-recipients:;\r\n");
	ck_assert(!hdrfill_replaces_from(&c));
	c.date = c.msgid = c.from = c.undisclosed = c.from_replace = false;
	make_is(&c, none, "");
	/* the clock and the random Message-ID, with the sender's domain */
	c.date = c.msgid = true;
	c.date_value = c.msgid_value = NULL;
	c.sender = "a@mail.example.net";
	f = hdrfill_make(&c, &none, &e);
	ck_assert_ptr_nonnull(f);
	ck_assert(strncmp(f, "Date: ", 6) == 0);
	ck_assert_ptr_nonnull(strstr(f, "@mail.example.net>\r\n"));
	free(f);
	c.domain = "conf.example";
	f = hdrfill_make(&c, &none, &e);
	ck_assert_ptr_nonnull(strstr(f, "@conf.example>\r\n"));
	free(f);
}
END_TEST

/* ---- what msg spools ---- */

static struct hdrfill_conf fill = { .date = true, .msgid = true,
	.from = true, .sender = "a@x.org", .date_value = DATE,
	.msgid_value = ID };

#define ADDED	"Date: " DATE "\r\nMessage-ID: " ID "\r\nFrom: a@x.org\r\n"

static void
spooled_is(const char *in, const struct hdrfill_conf *c, const char *want)
{
	struct msg_opts o = { .fill = c };
	struct msg *m = ckmsg_from(in, strlen(in), &o, &e);
	size_t len;
	char *b = ckmsg_bytes(m, &len, &e);

	ck_assert_str_eq(b, want);
	ck_assert_uint_eq(msg_size(m), strlen(want));
	free(b);
	msg_free(m);
}

START_TEST(test_msg_fill)
{
	spooled_is("Subject: s\n\nbody\n", &fill,
	    ADDED "Subject: s\r\n\r\nbody\r\n");
	/* present fields are kept where they are; only the rest is added */
	spooled_is("Subject: s\nFrom: b@y.org\n\nbody\n", &fill,
	    "Date: " DATE "\r\nMessage-ID: " ID "\r\nSubject: s\r\n"
	    "From: b@y.org\r\n\r\nbody\r\n");
	spooled_is("DATE: x\r\nmessage-id:\r\n <f@y>\r\nfrom: b@y.org\r\n\r\n"
	    "b\r\n", &fill, "DATE: x\r\nmessage-id:\r\n <f@y>\r\n"
	    "from: b@y.org\r\n\r\nb\r\n");
	/* no header block: one is made, and an empty line ends it */
	spooled_is("hello\n", &fill, ADDED "\r\nhello\r\n");
	spooled_is("\nhello\n", &fill, ADDED "\r\nhello\r\n");
	spooled_is("", &fill, ADDED "\r\n");
	/* a header block without a body */
	spooled_is("Subject: s", &fill, ADDED "Subject: s\r\n");
	/* nothing asked: nothing added */
	spooled_is("hello\n", NULL, "hello\r\n");
}
END_TEST

START_TEST(test_msg_fill_from_replace)
{
	struct hdrfill_conf c = fill;

	c.from_replace = true;
	c.fullname = "Cron Daemon";
	spooled_is("From: root\nSubject: s\nFrom: x@y\n\nb\n", &c,
	    "Date: " DATE "\r\nMessage-ID: " ID "\r\n"
	    "From: Cron Daemon <a@x.org>\r\nSubject: s\r\n\r\nb\r\n");
	/* without a sender there is nothing to put in its place */
	c.sender = NULL;
	spooled_is("From: root\n\nb\n", &c, "Date: " DATE "\r\n"
	    "Message-ID: " ID "\r\nFrom: root\r\n\r\nb\r\n");
}
END_TEST

START_TEST(test_msg_fill_undisclosed)
{
	struct hdrfill_conf c = fill;

	c.undisclosed = true;
	/* Bcc only: it is removed, and To says why there is no list */
	spooled_is("Bcc: s@x.org\nSubject: s\n\nb\n", &c,
	    ADDED "To: undisclosed-recipients:;\r\nSubject: s\r\n\r\nb\r\n");
	spooled_is("Cc: c@x.org\n\nb\n", &c, ADDED "Cc: c@x.org\r\n\r\nb\r\n");
	spooled_is("To: t@x.org\n\nb\n", &c, ADDED "To: t@x.org\r\n\r\nb\r\n");
}
END_TEST

START_TEST(test_msg_fill_rcpts)
{
	struct msg_opts o = { .read_rcpts = true, .fill = &fill };
	const char *in = "To: \"Doe, Jane\" <j@x.org>,\n (c) team: b@x.org;\n"
	    "Bcc: s@x.org\n\nb\n";
	struct msg *m = ckmsg_from(in, strlen(in), &o, &e);

	ck_assert_uint_eq(msg_rcpt_count(m), 3);
	ck_assert_str_eq(msg_rcpt(m, 0), "j@x.org");
	ck_assert_str_eq(msg_rcpt(m, 1), "b@x.org");
	ck_assert_str_eq(msg_rcpt(m, 2), "s@x.org");
	msg_free(m);
}
END_TEST

static bool
hdr8(const char *in, const struct hdrfill_conf *c)
{
	struct msg_opts o = { .fill = c };
	struct msg *m = ckmsg_from(in, strlen(in), &o, &e);
	bool r = msg_header_8bit(m);

	msg_free(m);
	return r;
}

START_TEST(test_msg_header_8bit)
{
	struct hdrfill_conf c = fill;

	ck_assert(hdr8("Subject: caf\xc3\xa9\n\nb\n", NULL));
	ck_assert(!hdr8("Subject: cafe\n\nb\xc3\xa9\n", NULL));
	ck_assert(!hdr8("Bcc: j\xc3\xb6rg@x.org\n\nb\n", NULL));
	ck_assert(!hdr8("caf\xc3\xa9\n", NULL));
	ck_assert(hdr8("Subject: x\n\t caf\xc3\xa9\n\nb\n", NULL));
	c.sender = "j\xc3\xb6rg@x.org";
	ck_assert(hdr8("Subject: x\n\nb\n", &c));
}
END_TEST

static Suite *
hdrfill_suite(void)
{
	Suite *s = suite_create("hdrfill");
	TCase *fields = tcase_create("fields");
	TCase *msg = tcase_create("msg");

	tcase_add_checked_fixture(fields, setup, NULL);
	tcase_add_test(fields, test_date_zones);
	tcase_add_test(fields, test_msgid);
	tcase_add_test(fields, test_from);
	tcase_add_test(fields, test_make);
	suite_add_tcase(s, fields);
	tcase_add_checked_fixture(msg, setup, NULL);
	tcase_add_test(msg, test_msg_fill);
	tcase_add_test(msg, test_msg_fill_from_replace);
	tcase_add_test(msg, test_msg_fill_undisclosed);
	tcase_add_test(msg, test_msg_fill_rcpts);
	tcase_add_test(msg, test_msg_header_8bit);
	suite_add_tcase(s, msg);
	return s;
}

int
main(void)
{
	return ck_run(hdrfill_suite());
}

/*
 * Check suite for compose: whole messages compared byte for byte, with the
 * clock and the random parts fixed through compose_conf; the body fed from
 * a pipe (copied aside) and from a regular file (read twice in place); and
 * every refusal checked for its class, before anything is written.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "ckrun.h"

#define DATE	"Mon, 01 Jan 2024 12:00:00 +0000"
#define MSGID	"<fixed@example.org>"
#define BND	"=_test"

static char tmp[96];	/* $TMPDIR/check_compose.XXXXXX */

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "%s/check_compose.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static void
conf_init(struct compose_conf *c)
{
	static const char *to[] = { "bob@example.net" };

	memset(c, 0, sizeof(*c));
	c->from = "alice@example.org";
	c->to = to;
	c->nto = 1;
	c->date = DATE;
	c->message_id = MSGID;
	c->boundary = BND;
	c->tmpdir = tmp;
}

/* A file under tmp holding len bytes of s; returns its path. */
static char *
file_with(const char *name, const char *s, size_t len)
{
	static char path[8][256];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", tmp, name);
	ck_assert_ptr_nonnull(f = fopen(p, "wb"));
	ck_assert_uint_eq(fwrite(s, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

static char *
read_all(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	ssize_t r;

	ck_assert_ptr_nonnull(p);
	while ((r = read(fd, p + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			cap *= 2;
			ck_assert_ptr_nonnull(p = realloc(p, cap));
		}
	}
	ck_assert_int_eq(r, 0);
	p[n] = '\0';
	*len = n;
	return p;
}

/* Composes with the body from a pipe (pipe true) or a file; returns the
 * message, or NULL with e set. */
static char *
compose_body(const struct compose_conf *c, const char *body, size_t blen,
    bool pipe_in, struct err *e)
{
	struct compose *cp;
	int bfd, fd, pfd[2];
	char *out = NULL;
	size_t n;

	err_clear(e);
	if (compose_open(&cp, c, e) < 0)
		return NULL;
	if (pipe_in) {
		ck_assert_int_eq(pipe(pfd), 0);
		ck_assert_uint_lt(blen, 60000);	/* fits the pipe buffer */
		ck_assert_int_eq(write(pfd[1], body, blen), (ssize_t)blen);
		close(pfd[1]);
		bfd = pfd[0];
	} else {
		bfd = open(file_with("body", body, blen), O_RDONLY);
		ck_assert_int_ge(bfd, 0);
	}
	if (compose_write(cp, bfd, &fd, e) == 0) {
		out = read_all(fd, &n);
		ck_assert_uint_eq(strlen(out), n);
		close(fd);
	}
	close(bfd);
	compose_free(cp);
	return out;
}

static void
compose_is(const struct compose_conf *c, const char *body, const char *want)
{
	for (int pipe_in = 0; pipe_in < 2; pipe_in++) {
		struct err e;
		char *m = compose_body(c, body, strlen(body), pipe_in, &e);

		ck_assert_msg(m != NULL, "%s", e.msg);
		ck_assert_str_eq(m, want);
		free(m);
	}
}

START_TEST(test_plain)
{
	struct compose_conf c;

	conf_init(&c);
	c.subject = "status";
	compose_is(&c, "All good.\n",
	    "Date: " DATE "\r\n"
	    "From: alice@example.org\r\n"
	    "To: bob@example.net\r\n"
	    "Subject: status\r\n"
	    "Message-ID: " MSGID "\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "All good.\n");
	/* A last line without its line end gets one; empty stays empty. */
	compose_is(&c, "no newline",
	    "Date: " DATE "\r\nFrom: alice@example.org\r\n"
	    "To: bob@example.net\r\nSubject: status\r\n"
	    "Message-ID: " MSGID "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\nno newline\r\n");
	c.subject = NULL;
	compose_is(&c, "",
	    "Date: " DATE "\r\nFrom: alice@example.org\r\n"
	    "To: bob@example.net\r\n"
	    "Message-ID: " MSGID "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n");
}
END_TEST

/* Every originator and destination field, non-ASCII names and subject,
 * and the user's own fields in the order given. */
START_TEST(test_fields)
{
	static const char *to[] = { "bob@example.net", "carol@example.net" };
	static const char *cc[] = { "dave@example.com" };
	static const char *hdr[] = { "X-Mailer-Test: yes", "In-Reply-To:"
	    "<a@b>", "X-Note: d\xc3\xa9j\xc3\xa0 vu, once more with feeling" };
	struct compose_conf c;

	conf_init(&c);
	c.to = to;
	c.nto = 2;
	c.cc = cc;
	c.ncc = 1;
	c.reply_to = "replies@example.org";
	c.from_name = "Alice M\xc3\xbcller";
	c.subject = "Gr\xc3\xbc\xc3\x9f" "e";
	c.headers = hdr;
	c.nheader = 3;
	compose_is(&c, "x\n",
	    "Date: " DATE "\r\n"
	    "From: =?UTF-8?Q?Alice_M=C3=BCller?= <alice@example.org>\r\n"
	    "To: bob@example.net, carol@example.net\r\n"
	    "Cc: dave@example.com\r\n"
	    "Reply-To: replies@example.org\r\n"
	    "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
	    "Message-ID: " MSGID "\r\n"
	    "X-Mailer-Test: yes\r\n"
	    "In-Reply-To: <a@b>\r\n"
	    "X-Note: =?UTF-8?Q?d=C3=A9j=C3=A0_vu,_once_more_with_feeling?=\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "x\n");
}
END_TEST

/* A --header Date or Message-ID replaces the generated one. */
START_TEST(test_user_date)
{
	static const char *hdr[] = { "Date: Tue, 02 Jan 2024 00:00:00 +0100",
	    "message-id: <mine@x>" };
	struct compose_conf c;

	conf_init(&c);
	c.headers = hdr;
	c.nheader = 2;
	compose_is(&c, "x\n",
	    "From: alice@example.org\r\n"
	    "To: bob@example.net\r\n"
	    "Date: Tue, 02 Jan 2024 00:00:00 +0100\r\n"
	    "message-id: <mine@x>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "x\n");
}
END_TEST

/* Long address lists fold after a comma. */
START_TEST(test_fold_list)
{
	static const char *to[] = { "aaaaaaaaaaaaaaaaaaaa@example.net",
	    "bbbbbbbbbbbbbbbbbbbb@example.net",
	    "cccccccccccccccccccc@example.net" };
	struct compose_conf c;

	conf_init(&c);
	c.to = to;
	c.nto = 3;
	compose_is(&c, "",
	    "Date: " DATE "\r\n"
	    "From: alice@example.org\r\n"
	    "To: aaaaaaaaaaaaaaaaaaaa@example.net, "
	    "bbbbbbbbbbbbbbbbbbbb@example.net,\r\n"
	    " cccccccccccccccccccc@example.net\r\n"
	    "Message-ID: " MSGID "\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n");
}
END_TEST

#define HEAD_TEXT \
	"Date: " DATE "\r\nFrom: alice@example.org\r\n" \
	"To: bob@example.net\r\nMessage-ID: " MSGID "\r\n" \
	"MIME-Version: 1.0\r\n"

/* UTF-8 is declared and quoted-printable; so are NUL and long lines. */
START_TEST(test_body_encodings)
{
	struct compose_conf c;
	char *longline, *want;
	struct err e;
	char *m;

	conf_init(&c);
	compose_is(&c, "caf\xc3\xa9 cr\xc3\xa8me\r\nfin=\n",
	    HEAD_TEXT
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "caf=C3=A9 cr=C3=A8me\r\nfin=3D\r\n");
	compose_is(&c, "\xc3\xa9",
	    HEAD_TEXT
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "=C3=A9\r\n");

	/* NUL: ASCII but not 7bit data (RFC 2045 2.7). */
	m = compose_body(&c, "a\0b\n", 4, true, &e);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m, HEAD_TEXT
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "a=00b\r\n");
	free(m);

	/* 999 octets on a line: over RFC 5322's limit, so soft breaks. */
	longline = malloc(1001);
	memset(longline, 'x', 999);
	strcpy(longline + 999, "\n");
	m = compose_body(&c, longline, 1000, false, &e);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "=\r\nxxx"));
	free(m);
	/* 998 is still fine as it is. */
	longline[998] = '\n';
	m = compose_body(&c, longline, 999, false, &e);
	ck_assert_ptr_nonnull(m);
	want = malloc(2000);
	snprintf(want, 2000, "%s%s%.999s", HEAD_TEXT,
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n", longline);
	ck_assert_str_eq(m, want);
	free(want);
	free(m);
	free(longline);
}
END_TEST

/* 8-bit bytes that are not UTF-8 are refused, naming the line. */
START_TEST(test_body_not_utf8)
{
	struct compose_conf c;
	struct err e;

	conf_init(&c);
	for (int pipe_in = 0; pipe_in < 2; pipe_in++) {
		ck_assert_ptr_null(compose_body(&c, "ok\nstill ok\ncaf\xe9\n",
		    17, pipe_in, &e));
		ck_assert_int_eq(e.cls, ERR_DATA);
		ck_assert_str_eq(e.msg, "the body is not UTF-8 text: byte "
		    "\\xe9 on line 3");
		ck_assert_ptr_nonnull(strstr(e.hint, "--attach"));
	}
	/* cut short at the very end */
	ck_assert_ptr_null(compose_body(&c, "a\xe2\x82", 3, true, &e));
	ck_assert_int_eq(e.cls, ERR_DATA);
}
END_TEST

/* The body's start read ahead (body_pre) and its rest from the fd, from a
 * pipe and from a file: one body, a UTF-8 character and the line count
 * running across the cut. */
START_TEST(test_body_pre)
{
	struct compose_conf c;
	struct err e;
	char *m;

	conf_init(&c);
	c.body_pre = "caf\xc3";
	c.body_prelen = 4;
	compose_is(&c, "\xa9\nline 2\n",
	    HEAD_TEXT
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "caf=C3=A9\r\nline 2\r\n");
	/* all of it read ahead: nothing left on the fd */
	c.body_pre = "just this\n";
	c.body_prelen = 10;
	compose_is(&c, "", HEAD_TEXT
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\njust this\n");
	c.body_pre = "ok\n";
	c.body_prelen = 3;
	for (int pipe_in = 0; pipe_in < 2; pipe_in++) {
		ck_assert_ptr_null(m = compose_body(&c, "caf\xe9\n", 5,
		    pipe_in, &e));
		ck_assert_str_eq(e.msg, "the body is not UTF-8 text: byte "
		    "\\xe9 on line 2");
	}
}
END_TEST

#define HEAD_MULTI \
	HEAD_TEXT \
	"Content-Type: multipart/mixed;\r\n boundary=\"" BND "\"\r\n" \
	"\r\n" \
	"--" BND "\r\n" \
	"Content-Type: text/plain; charset=us-ascii\r\n" \
	"Content-Transfer-Encoding: 7bit\r\n" \
	"\r\n"

START_TEST(test_attach)
{
	const char *files[4];
	struct compose_conf c;

	conf_init(&c);
	files[0] = file_with("empty.txt", "", 0);
	files[1] = file_with("one.bin", "a", 1);
	files[2] = file_with("r\xc3\xa9sum\xc3\xa9.pdf", "%PDF", 4);
	files[3] = file_with("quote\"d.CSV", "a,b\n", 4);
	c.attach = files;
	c.nattach = 4;
	compose_is(&c, "See attached.\n",
	    HEAD_MULTI
	    "See attached.\n"
	    "\r\n--" BND "\r\n"
	    "Content-Type: text/plain; name=\"empty.txt\"\r\n"
	    "Content-Disposition: attachment; filename=\"empty.txt\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "\r\n--" BND "\r\n"
	    "Content-Type: application/octet-stream; name=\"one.bin\"\r\n"
	    "Content-Disposition: attachment; filename=\"one.bin\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "YQ==\r\n"
	    "\r\n--" BND "\r\n"
	    "Content-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9.pdf"
	    "\r\n"
	    "Content-Disposition: attachment; "
	    "filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "JVBERg==\r\n"
	    "\r\n--" BND "\r\n"
	    "Content-Type: text/csv; name=\"quote\\\"d.CSV\"\r\n"
	    "Content-Disposition: attachment; filename=\"quote\\\"d.CSV\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "YSxiCg==\r\n"
	    "\r\n--" BND "--\r\n");
}
END_TEST

/* 57 bytes: exactly one full line; 58: one more. */
START_TEST(test_attach_lines)
{
	char data[58], line[80] = "", *m, *p, want[200];
	const char *files[1];
	struct compose_conf c;
	struct err e;

	conf_init(&c);
	memset(data, 'a', sizeof(data));
	files[0] = file_with("d57", data, 57);
	c.attach = files;
	c.nattach = 1;
	for (int i = 0; i < 19; i++)
		strcat(line, "YWFh");
	m = compose_body(&c, "", 0, true, &e);
	ck_assert_ptr_nonnull(m);
	p = strstr(m, "base64\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	snprintf(want, sizeof(want), "%s\r\n\r\n--" BND "--\r\n", line);
	ck_assert_str_eq(p + 10, want);
	free(m);
	files[0] = file_with("d58", data, 58);
	m = compose_body(&c, "", 0, true, &e);
	ck_assert_ptr_nonnull(m);
	p = strstr(m, "base64\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	snprintf(want, sizeof(want), "%s\r\nYQ==\r\n\r\n--" BND "--\r\n",
	    line);
	ck_assert_str_eq(p + 10, want);
	/* the body part came first, empty */
	ck_assert_ptr_nonnull(strstr(m, "7bit\r\n\r\n\r\n--" BND "\r\n"));
	free(m);
}
END_TEST

static void
open_fails(const struct compose_conf *c, enum err_class cls, const char *msg)
{
	struct compose *cp;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(compose_open(&cp, c, &e), -1);
	ck_assert_ptr_null(cp);
	ck_assert_int_eq(e.cls, cls);
	ck_assert_msg(strstr(e.msg, msg) != NULL, "\"%s\" lacks \"%s\"",
	    e.msg, msg);
}

/* A missing, unreadable or special file fails before the body is read. */
START_TEST(test_attach_refused)
{
	const char *files[2];
	struct compose_conf c;

	conf_init(&c);
	files[0] = file_with("ok.txt", "x", 1);
	files[1] = "/nonexistent/file.pdf";
	c.attach = files;
	c.nattach = 2;
	open_fails(&c, ERR_NOINPUT, "cannot attach /nonexistent/file.pdf: "
	    "No such file or directory");
	files[1] = tmp;
	open_fails(&c, ERR_NOINPUT, "not a regular file");
	files[1] = "/dev/null";
	open_fails(&c, ERR_NOINPUT, "not a regular file");
	if (geteuid() != 0) {
		files[1] = file_with("secret.txt", "x", 1);
		chmod(files[1], 0);
		open_fails(&c, ERR_NOINPUT, "Permission denied");
	}
	files[1] = file_with("latin1-\xe9.txt", "x", 1);
	open_fails(&c, ERR_USAGE, "is not UTF-8");
}
END_TEST

START_TEST(test_header_checks)
{
	static const struct {
		const char *h;
		const char *msg;
	} bad[] = {
		{ "X-No-Colon", "has no colon" },
		{ ": empty name", "1 to 76 characters" },
		{ "Bad Name: v", "is not a field name" },
		{ "X-Tab\t: v", "is not a field name" },
		{ "X-Inject: a\r\nBcc: evil@example.com", "line break" },
		{ "X-Inject: a\nRCPT TO:<x>", "line break" },
		{ "X-Latin1: caf\xe9", "not UTF-8" },
		{ "Subject: via header", "cannot set Subject" },
		{ "bcc: hidden@example.com", "cannot set Bcc" },
		{ "Content-Type: text/html", "cannot set Content-Type" },
		{ "X-\xc3\xa9: v", "is not a field name" },
	};
	struct err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		ck_assert_int_eq(compose_check_header(bad[i].h, &e), -1);
		ck_assert_int_eq(e.cls, ERR_USAGE);
		ck_assert_msg(strstr(e.msg, bad[i].msg) != NULL, "%s: %s",
		    bad[i].h, e.msg);
	}
	err_clear(&e);
	ck_assert_int_eq(compose_check_header("bcc: x", &e), -1);
	ck_assert_str_eq(e.hint, "use --bcc");
	ck_assert_int_eq(compose_check_header("X-Ok: fine", &e), 0);
	ck_assert_int_eq(compose_check_header("X-Empty:", &e), 0);
	ck_assert_int_eq(compose_check_header("In-Reply-To:<a@b>", &e), 0);
}
END_TEST

START_TEST(test_option_checks)
{
	static const char *hdr[] = { "X-Ok: 1", "X-Bad\r\n: 2" };
	struct compose_conf c;

	conf_init(&c);
	c.subject = "two\nlines";
	open_fails(&c, ERR_USAGE, "-s holds a line break");
	c.subject = "caf\xe9";
	open_fails(&c, ERR_USAGE, "-s is not UTF-8");
	c.subject = NULL;
	c.from_name = "Eve\r\nBcc: x@y";
	open_fails(&c, ERR_USAGE, "-F holds a line break");
	c.from_name = NULL;
	c.reply_to = "not an address>";
	open_fails(&c, ERR_USAGE, "");
	c.reply_to = NULL;
	c.headers = hdr;
	c.nheader = 2;
	open_fails(&c, ERR_USAGE, "is not a field name");
}
END_TEST

/* A word too long to fold cannot make a line over 998 characters. */
START_TEST(test_overlong_word)
{
	struct compose_conf c;
	char *s = malloc(1200);

	conf_init(&c);
	memset(s, 'x', 1100);
	s[1100] = '\0';
	c.subject = s;
	open_fails(&c, ERR_USAGE, "Subject field has a word longer than 998");
	free(s);
}
END_TEST

static Suite *
compose_suite(void)
{
	Suite *s = suite_create("compose");
	TCase *core = tcase_create("core");
	TCase *parts = tcase_create("parts");
	TCase *refuse = tcase_create("refusals");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_plain);
	tcase_add_test(core, test_fields);
	tcase_add_test(core, test_user_date);
	tcase_add_test(core, test_fold_list);
	tcase_add_test(core, test_body_encodings);
	tcase_add_test(core, test_body_pre);
	suite_add_tcase(s, core);
	tcase_add_checked_fixture(parts, setup, teardown);
	tcase_add_test(parts, test_attach);
	tcase_add_test(parts, test_attach_lines);
	suite_add_tcase(s, parts);
	tcase_add_checked_fixture(refuse, setup, teardown);
	tcase_add_test(refuse, test_body_not_utf8);
	tcase_add_test(refuse, test_attach_refused);
	tcase_add_test(refuse, test_header_checks);
	tcase_add_test(refuse, test_option_checks);
	tcase_add_test(refuse, test_overlong_word);
	suite_add_tcase(s, refuse);
	return s;
}

int
main(void)
{
	return ck_run(compose_suite());
}

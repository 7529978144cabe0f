/*
 * Check suite for addr: envelope address checks (RFC 5321 4.1.2 syntax,
 * 4.5.3.1 limits, no byte that could end an SMTP command) and the RFC 5322
 * 3.4 address-list parser used by -t.
 */
#include <config.h>

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ckrun.h"

/* Addresses handed to the callback, each followed by '\n'. */
struct seen {
	char	 s[8192];
	size_t	 len;
	int	 calls;
	int	 fail_at;	/* call number that fails, 0 for none */
	bool	 overflow;	/* s was too small to hold them all */
};

static int
collect(void *ctx, const char *addr, struct err *e)
{
	struct seen *sn = ctx;
	size_t n = strlen(addr);

	sn->calls++;
	if (sn->calls == sn->fail_at)
		return err_set(e, ERR_INTERNAL, STEP_NONE, "stop at %s", addr);
	if (sn->len + n + 2 > sizeof(sn->s)) {
		sn->overflow = true;
		return 0;
	}
	memcpy(sn->s + sn->len, addr, n);
	sn->len += n;
	sn->s[sn->len++] = '\n';
	sn->s[sn->len] = '\0';
	return 0;
}

/* Parses value (len bytes) and asserts exactly want was yielded. */
static void
list_ok(const char *value, size_t len, const char *want)
{
	struct seen sn = { .len = 0 };
	struct err e;

	err_clear(&e);
	sn.s[0] = '\0';
	ck_assert_msg(addr_list_parse(value, len, collect, &sn, &e) == 0,
	    "list \"%s\" refused: %s", value, e.msg);
	ck_assert(!sn.overflow);
	ck_assert_str_eq(sn.s, want);
}

/* Asserts a clean refusal: -1, ERR_DATA, STEP_MESSAGE, and a message
 * containing what. */
static void
list_bad(const char *value, size_t len, const char *what)
{
	struct seen sn = { .len = 0 };
	struct err e;

	err_clear(&e);
	ck_assert_msg(addr_list_parse(value, len, collect, &sn, &e) == -1,
	    "list \"%s\" accepted", value);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_int_eq(e.step, STEP_MESSAGE);
	ck_assert_msg(strstr(e.msg, what) != NULL,
	    "message \"%s\" lacks \"%s\"", e.msg, what);
}

#define LIST_OK(lit, want)	list_ok(lit, sizeof(lit) - 1, want)
#define LIST_BAD(lit, what)	list_bad(lit, sizeof(lit) - 1, what)

static void
check_ok(const char *addr)
{
	struct err e;

	err_clear(&e);
	ck_assert_msg(addr_check(addr, 0, &e) == 0, "\"%s\" refused: %s",
	    addr, e.msg);
}

/* Asserts refusal with ERR_USAGE and the exact message. */
static void
check_bad(const char *addr, const char *msg)
{
	struct err e;

	err_clear(&e);
	ck_assert_msg(addr_check(addr, 0, &e) == -1, "\"%s\" accepted", addr);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_str_eq(e.msg, msg);
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Well-formed envelope addresses of every RFC 5321 shape pass. */
START_TEST(test_check_valid)
{
	static const char *const good[] = {
		"user@example.org",
		"first.last+tag@sub.example.org",
		"!#$%&'*+-/=?^_`{|}~@x.example",
		"\"a b\"@example.org",
		"\"a\\\"b@c\"@example.org",
		"\"\"@example.org",
		"user@[192.0.2.1]",
		"user@[IPv6:2001:db8::1]",
		"user@[ipv6:::1]",
		"user@[x-tag:some.content]",
		"user@a-b.c0",
		"root",
		"\"quoted name\"",
		"j\xc3\xb6rg@b\xc3\xbcro.example",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_ok(good[i]);
}
END_TEST

/* The injection case from the design: the message names the byte and
 * shows the address escaped. */
START_TEST(test_check_injection)
{
	check_bad("bob@x\r\nRCPT TO:<evil>", "address \"bob@x\\x0d\\x0aRCPT "
	    "TO:<evil>\" contains a control character (\\x0d)");
	check_bad("bob@x\nRCPT TO:<evil>", "address \"bob@x\\x0aRCPT "
	    "TO:<evil>\" contains a control character (\\x0a)");
	check_bad("a\tb@x", "address \"a\\x09b@x\" contains a control "
	    "character (\\x09)");
	check_bad("a\x7f@x", "address \"a\\x7f@x\" contains a control "
	    "character (\\x7f)");
	/* Even quoted, a line break is refused. */
	check_bad("\"a\rb\"@x", "address \"\"a\\x0db\"@x\" contains a "
	    "control character (\\x0d)");
}
END_TEST

/* Angle brackets, spaces and misplaced specials are refused, each with
 * a message that names the problem. */
START_TEST(test_check_invalid)
{
	check_bad("<a@x>", "address \"<a@x>\" contains '<'; give the "
	    "address without angle brackets");
	check_bad("a@x>", "address \"a@x>\" contains '>'; give the address "
	    "without angle brackets");
	check_bad("a b@x", "address \"a b@x\" contains a space outside "
	    "quotes");
	check_bad("a@b c", "address \"a@b c\" has ' ' in the domain");
	check_bad("a..b@x", "address \"a..b@x\" has a misplaced '.' in the "
	    "local part");
	check_bad(".a@x", "address \".a@x\" has a misplaced '.' in the "
	    "local part");
	check_bad("a.@x", "address \"a.@x\" has a misplaced '.' in the "
	    "local part");
	check_bad("@x", "address \"@x\" has an empty local part");
	check_bad("a@", "address \"a@\" has an empty domain");
	check_bad("a@.x", "address \"a@.x\" has an empty label in the "
	    "domain");
	check_bad("a@x..y", "address \"a@x..y\" has an empty label in the "
	    "domain");
	check_bad("a@x.", "address \"a@x.\" has an empty label in the "
	    "domain");
	check_bad("a@-x.y", "address \"a@-x.y\" has a domain label that "
	    "starts or ends with '-'");
	check_bad("a@x_y", "address \"a@x_y\" has '_' in the domain");
	check_bad("a@b@c", "address \"a@b@c\" has '@' in the domain");
	check_bad("a(b)@x", "address \"a(b)@x\" has '(' in the local part; "
	    "quote the local part to use it");
	check_bad("\"abc@x", "address \"\"abc@x\" has an unterminated "
	    "quoted string");
	check_bad("\"a\\\xc3\xa9\"@x", "address \"\"a\\\\\\xc3\\xa9\"@x\" has "
	    "a bad quoted pair");
	check_bad("\"a\"b@x", "address \"\"a\"b@x\" has 'b' after the "
	    "quoted local part");
	check_bad("a@[1.2.3]", "address \"a@[1.2.3]\" has an invalid "
	    "address literal");
	check_bad("a@[1.2.3.4", "address \"a@[1.2.3.4\" has an "
	    "unterminated address literal");
	check_bad("a@[IPv6:zz::]", "address \"a@[IPv6:zz::]\" has an "
	    "invalid address literal");
	check_bad("a@[tag-:x]", "address \"a@[tag-:x]\" has an invalid "
	    "address literal");
	check_bad("a@[]", "address \"a@[]\" has an unterminated address "
	    "literal");
}
END_TEST

/* The null reverse-path is allowed only where asked for. */
START_TEST(test_check_empty)
{
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(addr_check("", 1, &e), 0);
	ck_assert_int_eq(addr_check("", 0, &e), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_str_eq(e.msg, "empty address");
}
END_TEST

/* RFC 5321 4.5.3.1: 64-octet local part, 255-octet domain, 256-octet
 * path including the angle brackets; one more octet is refused. */
START_TEST(test_check_lengths)
{
	char *local64 = repeat('l', 64), *local65 = repeat('l', 65);
	char addr[600];
	struct err e;
	char *label = repeat('d', 63);

	snprintf(addr, sizeof(addr), "%s@x.org", local64);
	check_ok(addr);
	snprintf(addr, sizeof(addr), "%s@x.org", local65);
	err_clear(&e);
	ck_assert_int_eq(addr_check(addr, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "local part of 65 octets") != NULL,
	    "%s", e.msg);
	/* The shown address is cut at 60 bytes. */
	ck_assert_msg(strstr(e.msg, "lllll...\" has") != NULL, "%s", e.msg);
	ck_assert_uint_lt(strlen(e.msg), 160);

	/* 64 + 1 + 189 = 254 octets: a path of exactly 256. */
	snprintf(addr, sizeof(addr), "%s@%s.%s.%.61s", local64, label, label,
	    label);
	ck_assert_uint_eq(strlen(addr), 254);
	check_ok(addr);
	strcat(addr, "x");
	err_clear(&e);
	ck_assert_int_eq(addr_check(addr, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "is 255 octets long; RFC 5321 allows "
	    "254") != NULL, "%s", e.msg);

	/* A 256-octet domain is refused as such. */
	snprintf(addr, sizeof(addr), "a@%s.%s.%s.%s", label, label, label,
	    label);
	ck_assert_uint_eq(strlen(addr), 2 + 255);
	err_clear(&e);
	ck_assert_int_eq(addr_check(addr, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "is 257 octets long") != NULL, "%s",
	    e.msg);
	snprintf(addr, sizeof(addr), "a@%s.%s.%s.%s.x", label, label, label,
	    label);
	err_clear(&e);
	ck_assert_int_eq(addr_check(addr, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "has a domain of 257 octets; RFC 5321 "
	    "allows 255") != NULL, "%s", e.msg);

	/* DNS labels: 63 octets pass, 64 do not. */
	snprintf(addr, sizeof(addr), "a@%s.org", label);
	check_ok(addr);
	snprintf(addr, sizeof(addr), "a@%sd.org", label);
	err_clear(&e);
	ck_assert_int_eq(addr_check(addr, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "domain label of 64 octets") != NULL,
	    "%s", e.msg);
	free(local64);
	free(local65);
	free(label);
}
END_TEST

/* Plain lists, display names, quoted names holding commas, and the
 * example of addr.h. */
START_TEST(test_list_simple)
{
	LIST_OK("a@x.org", "a@x.org\n");
	LIST_OK("a@x.org,b@y.org", "a@x.org\nb@y.org\n");
	LIST_OK("  a@x.org ,  b@y.org  ", "a@x.org\nb@y.org\n");
	LIST_OK("Ann <a@x.org>", "a@x.org\n");
	LIST_OK("Ann Lee <a@x.org>, <b@y.org>", "a@x.org\nb@y.org\n");
	LIST_OK("\"Lee, Ann\" <a@x.org>, \"B <b@evil>\" <b@y.org>",
	    "a@x.org\nb@y.org\n");
	LIST_OK("John Q. Public <jqp@x.org>", "jqp@x.org\n");
	LIST_OK("=?UTF-8?Q?J=C3=B6rg?= <j@x.org>", "j@x.org\n");
	LIST_OK("Ann <a@x.org>, \"B, C\" <b@y.org> (work), team: d@z.org, "
	    "e@z.org;", "a@x.org\nb@y.org\nd@z.org\ne@z.org\n");
	LIST_OK("\"a b\"@x.org, Q <\"c\\\"d\"@y.org>",
	    "\"a b\"@x.org\n\"c\\\"d\"@y.org\n");
	LIST_OK("a@[192.0.2.1]", "a@[192.0.2.1]\n");
	LIST_OK("a@[ 192.0.2.1 ]", "a@[192.0.2.1]\n");
	LIST_OK("root", "root\n");
	LIST_OK("root, admin@x.org", "root\nadmin@x.org\n");
	LIST_OK("", "");
	LIST_OK("   ", "");
}
END_TEST

/* Comments may sit anywhere CFWS may, nest, and hold quoted pairs. */
START_TEST(test_list_comments)
{
	LIST_OK("(c1) a (c2) @ (c3) x.org (c4)", "a@x.org\n");
	LIST_OK("a@x.org (Ann (the (first)) one), (x) <b@y.org> (y)",
	    "a@x.org\nb@y.org\n");
	LIST_OK("(a \\) b \\( c) a@x.org", "a@x.org\n");
	LIST_OK("Ann (x) <(y) a@x.org (z)>", "a@x.org\n");
	LIST_OK("(<evil@x>, c@d) a@x.org", "a@x.org\n");
	LIST_OK("a . b @ x . org", "a.b@x.org\n");
}
END_TEST

/* Groups yield their members; empty groups yield nothing. */
START_TEST(test_list_groups)
{
	LIST_OK("undisclosed-recipients:;", "");
	LIST_OK("undisclosed-recipients: ;", "");
	LIST_OK("undisclosed-recipients:", "");
	LIST_OK("team: Ann <a@x.org>, b@y.org;, c@z.org",
	    "a@x.org\nb@y.org\nc@z.org\n");
	LIST_OK("g1: a@x.org;, g2:;, g3: b@y.org; (end)",
	    "a@x.org\nb@y.org\n");
	LIST_OK("\"The Team\": ,a@x.org,, b@y.org,;", "a@x.org\nb@y.org\n");
}
END_TEST

/* Folded values: CR LF before white space is invisible, also inside a
 * quoted display name. */
START_TEST(test_list_folded)
{
	LIST_OK("Ann\r\n <a@x.org>,\r\n\tb@y.org", "a@x.org\nb@y.org\n");
	LIST_OK("\"Ann\r\n Lee\" <a@x.org>", "a@x.org\n");
	LIST_OK("a@x.org (comment\r\n folded)", "a@x.org\n");
	LIST_OK("\"a\r\n b\"@x.org", "\"a b\"@x.org\n");
}
END_TEST

/* Obsolete forms still met: empty elements and source routes. */
START_TEST(test_list_obsolete)
{
	LIST_OK(",,a@x.org,,, b@y.org,", "a@x.org\nb@y.org\n");
	LIST_OK("<@a.example,@b.example:user@c.example>",
	    "user@c.example\n");
	LIST_OK("Ann <@a.example:a@x.org>", "a@x.org\n");
	LIST_OK("<,@a.example, ,@b.example:u@c.example>", "u@c.example\n");
}
END_TEST

/* Malformed lists are refused cleanly, naming the problem. */
START_TEST(test_list_malformed)
{
	LIST_BAD("\"Ann <a@x.org>", "unbalanced quote at \"\"Ann <a@x.org>\"");
	LIST_BAD("(Ann a@x.org", "unbalanced '('");
	LIST_BAD("a@x.org)", "unexpected ')'");
	LIST_BAD("<a@x.org", "missing '>' at the end");
	LIST_BAD("a@x.org>", "expected ',' between addresses at \">\"");
	LIST_BAD("Ann <bob>", "missing '@' in angle brackets at \">\"");
	LIST_BAD("a@b c@d", "expected ',' between addresses at \"c@d\"");
	LIST_BAD("Ann Lee", "expected ',' between addresses at \"Lee\"");
	LIST_BAD("<>", "empty angle brackets");
	LIST_BAD("a@", "expected a domain at the end");
	LIST_BAD("a@x.", "has an empty label in the domain");
	LIST_BAD("a@x..org", "has an empty label in the domain");
	LIST_BAD("a.@x.org", "has a misplaced '.' in the local part");
	LIST_BAD("a@.", "has an empty label in the domain");
	LIST_BAD("g: h: a@x.org;;", "group inside a group");
	LIST_BAD(": a@x.org;", "group without a name");
	LIST_BAD("g: a@x.org b@y.org;", "expected ',' or ';'");
	LIST_BAD("<@a.example user@c.example>", "malformed route");
	LIST_BAD("a@[1.2.3.4", "unbalanced '['");
	LIST_BAD("a\\b@x.org", "unexpected '\\'");
	/* Syntax the envelope check refuses is refused here as data. */
	LIST_BAD("a..b@x.org", "has a misplaced '.' in the local part");
	LIST_BAD("a@x_y.org", "has '_' in the domain");
}
END_TEST

/* CR, LF and NUL cannot reach an address through a header, folded or
 * not, quoted or not. */
START_TEST(test_list_injection)
{
	LIST_BAD("bob@x\r\nRCPT TO:<evil>", "control character (\\x0d)");
	LIST_BAD("bob@x\nRCPT TO:<evil>", "control character (\\x0a)");
	LIST_BAD("bob@x\r\n RCPT TO:<evil@y>",
	    "expected ',' between addresses at \"RCPT");
	LIST_BAD("\"bob\r\nRCPT\"@x", "control character (\\x0d)");
	LIST_BAD("<bob@x\rRCPT>", "control character (\\x0d)");
	LIST_BAD("a\0b@x.org", "control character (\\x00)");
	LIST_BAD("\"a\0b\"@x.org", "control character (\\x00)");
	LIST_BAD("(x\0) a@x.org", "control character (\\x00)");
	/* Other control bytes are obs-qtext to RFC 5322 but not to the
	 * envelope check. */
	LIST_BAD("\"a\x01" "b\"@x.org", "contains a control character "
	    "(\\x01)");
	LIST_BAD("a\tb@x.org", "expected ',' between addresses");
}
END_TEST

/* A callback failure stops the parse and keeps the callback's error. */
START_TEST(test_list_callback)
{
	struct seen sn = { .len = 0, .fail_at = 2 };
	struct err e;
	static const char v[] = "a@x.org, b@y.org, c@z.org";

	err_clear(&e);
	ck_assert_int_eq(addr_list_parse(v, sizeof(v) - 1, collect, &sn, &e),
	    -1);
	ck_assert_int_eq(e.cls, ERR_INTERNAL);
	ck_assert_str_eq(e.msg, "stop at b@y.org");
	ck_assert_int_eq(sn.calls, 2);
	ck_assert_str_eq(sn.s, "a@x.org\n");
}
END_TEST

/* The value's length is honoured: bytes past len are not read, and the
 * value need not be NUL-terminated. */
START_TEST(test_list_length)
{
	static const char v[] = "a@x.org, b@y.org";

	list_ok(v, 7, "a@x.org\n");
	list_ok(v, 8, "a@x.org\n");
	list_bad(v, 2, "expected a domain at the end");
}
END_TEST

/* Many addresses, and an address at the length limits, in one list. */
START_TEST(test_list_limits)
{
	size_t n = 2000, len = 0;
	char *v = malloc(n * 16 + 1);
	char *local65 = repeat('l', 65);
	char one[100], want[100];
	struct seen sn = { .len = 0 };
	struct err e;

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(v + len, "u%zu@x.org, ", i % 500);
	err_clear(&e);
	sn.s[0] = '\0';
	ck_assert_int_eq(addr_list_parse(v, len, collect, &sn, &e), 0);
	ck_assert_int_eq(sn.calls, (int)n);
	ck_assert_int_eq(strncmp(sn.s, "u0@x.org\nu1@x.org\n", 18), 0);
	free(v);

	snprintf(one, sizeof(one), "Long <%s@x.org>", local65);
	list_bad(one, strlen(one), "local part of 65 octets");
	snprintf(one, sizeof(one), "Long <%s@x.org>", local65 + 1);
	snprintf(want, sizeof(want), "%s@x.org\n", local65 + 1);
	list_ok(one, strlen(one), want);
	free(local65);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *check = tcase_create("check");
	TCase *list = tcase_create("list");
	TCase *limits = tcase_create("limits");

	tcase_add_test(check, test_check_valid);
	tcase_add_test(check, test_check_injection);
	tcase_add_test(check, test_check_invalid);
	tcase_add_test(check, test_check_empty);
	suite_add_tcase(s, check);
	tcase_add_test(list, test_list_simple);
	tcase_add_test(list, test_list_comments);
	tcase_add_test(list, test_list_groups);
	tcase_add_test(list, test_list_folded);
	tcase_add_test(list, test_list_obsolete);
	tcase_add_test(list, test_list_malformed);
	tcase_add_test(list, test_list_injection);
	tcase_add_test(list, test_list_callback);
	tcase_add_test(list, test_list_length);
	suite_add_tcase(s, list);
	tcase_add_test(limits, test_check_lengths);
	tcase_add_test(limits, test_list_limits);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	return ck_run(addr_suite());
}

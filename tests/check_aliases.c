/*
 * Aliases (aliases(5) syntax) and the mail domain: what cron's "root"
 * becomes on the envelope.  Continuation lines, comments, case, chains,
 * self-reference, loops, the depth limit, "default", duplicates, values
 * tlsmail cannot deliver to, and errors that name file:line.
 */
#include <config.h>

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "ckrun.h"

static struct aliases *al;
static struct err e;
static char **out;
static size_t nout;

static void
setup(void)
{
	err_clear(&e);
	al = NULL;
	out = NULL;
	nout = 0;
}

static void
teardown(void)
{
	aliases_free(al);
	aliases_list_free(out, nout);
}

static int
load(const char *text)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ck_assert_ptr_nonnull(fp);
	aliases_free(al);
	al = NULL;
	rc = aliases_parse(&al, fp, "aliases", &e);
	fclose(fp);
	return rc;
}

/* Resolves the NULL-terminated list and returns the result joined with
 * spaces (a static buffer), or the error message. */
static const char *
resolve(const char *domain, ...)
{
	static char buf[1024];
	const char *in[16];
	size_t n = 0;
	va_list ap;

	va_start(ap, domain);
	while ((in[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	aliases_list_free(out, nout);
	out = NULL;
	nout = 0;
	if (aliases_resolve(al, domain, in, n, &out, &nout, &e) < 0)
		return e.msg;
	buf[0] = '\0';
	for (size_t i = 0; i < nout; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, out[i]);
	}
	return buf;
}

static const char debian[] =
	"# /etc/aliases\n"
	"mailer-daemon: postmaster\n"
	"postmaster: root\n"
	"nobody: root\n"
	"\n"
	"Root: alice@example.org,\n"
	"\tbob@example.net ,  \n"
	"  carol@example.com\n"
	"cron: \"quoted local\"@example.org\n"
	"ops: root, ops@example.org\n";

START_TEST(chains_and_continuations)
{
	ck_assert_int_eq(load(debian), 0);
	ck_assert_str_eq(resolve(NULL, "root", NULL),
	    "alice@example.org bob@example.net carol@example.com");
	ck_assert_str_eq(resolve(NULL, "MAILER-DAEMON", NULL),
	    "alice@example.org bob@example.net carol@example.com");
	ck_assert_str_eq(resolve(NULL, "cron", NULL),
	    "\"quoted local\"@example.org");
	/* addresses pass untouched, unknown names stay bare */
	ck_assert_str_eq(resolve(NULL, "x@example.org", "stranger", NULL),
	    "x@example.org stranger");
	ck_assert_str_eq(resolve("example.org", "stranger", NULL),
	    "stranger@example.org");
}
END_TEST

START_TEST(duplicates_dropped)
{
	ck_assert_int_eq(load(debian), 0);
	/* root twice over two paths, the domain compared without case */
	ck_assert_str_eq(resolve(NULL, "root", "nobody", "alice@EXAMPLE.ORG",
	    "Alice@example.org", NULL),
	    "alice@example.org bob@example.net carol@example.com "
	    "Alice@example.org");
}
END_TEST

START_TEST(self_reference_and_loops)
{
	ck_assert_int_eq(load(
	    "ops: root, ops, ops@example.org\n"
	    "root: admin@example.org\n"
	    "a: b\n"
	    "b: a, b@example.org\n"), 0);
	/* a name inside its own expansion stands for itself */
	ck_assert_str_eq(resolve("example.net", "ops", NULL),
	    "admin@example.org ops@example.net ops@example.org");
	ck_assert_str_eq(resolve(NULL, "a", NULL), "a b@example.org");
}
END_TEST

START_TEST(depth_limit)
{
	char text[2048] = "";
	char line[64];
	int i;

	for (i = 0; i < ALIASES_DEPTH_MAX + 2; i++) {
		snprintf(line, sizeof(line), "n%d: n%d\n", i, i + 1);
		strcat(text, line);
	}
	ck_assert_int_eq(load(text), 0);
	ck_assert_int_eq(aliases_resolve(al, NULL,
	    (const char *[]){ "n0" }, 1, &out, &nout, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_str_eq(e.msg, "aliases:17: aliases nest deeper than 16 "
	    "levels at \"n16\"");
	/* one level less is fine */
	ck_assert_str_eq(resolve(NULL, "n2", NULL), "n18");
}
END_TEST

START_TEST(default_fallback)
{
	ck_assert_int_eq(load("root: admin\n"
	    "admin: admin@example.org\n"
	    "default: catchall, someone@example.org\n"), 0);
	ck_assert_str_eq(resolve(NULL, "root", NULL), "admin@example.org");
	/* default answers for unknown names, but not for its own */
	ck_assert_str_eq(resolve("example.net", "www-data", NULL),
	    "catchall@example.net someone@example.org");
	ck_assert_str_eq(resolve(NULL, "x@y.org", NULL), "x@y.org");
}
END_TEST

START_TEST(local_delivery_refused_when_used)
{
	ck_assert_int_eq(load(
	    "root: admin@example.org\n"
	    "majordomo: \"|/usr/lib/majordomo/wrapper majordomo\"\n"
	    "archive: /var/mail/archive\n"
	    "list: :include:/etc/mail/list\n"
	    "pipe: |/bin/cat\n"), 0);
	ck_assert_str_eq(resolve(NULL, "root", NULL), "admin@example.org");
	aliases_list_free(out, nout);
	out = NULL;
	nout = 0;
	ck_assert_int_eq(aliases_resolve(al, NULL, (const char *[]){ "pipe" },
	    1, &out, &nout, &e), -1);
	ck_assert_str_eq(e.msg, "aliases:5: tlsmail relays to addresses "
	    "only, it cannot deliver to \"|/bin/cat\"");
	ck_assert_int_eq(aliases_resolve(al, NULL,
	    (const char *[]){ "archive" }, 1, &out, &nout, &e), -1);
	ck_assert_int_eq(aliases_resolve(al, NULL, (const char *[]){ "list" },
	    1, &out, &nout, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, ":include:"));
}
END_TEST

START_TEST(syntax_errors)
{
	ck_assert_int_eq(load("root: a@example.org\nno colon here\n"), -1);
	ck_assert_str_eq(e.msg, "aliases:2: expected \"name: address, ...\"");
	ck_assert_int_eq(load("root: a@example.org\nROOT: b@example.org\n"),
	    -1);
	ck_assert_str_eq(e.msg, "aliases:2: listed twice: \"ROOT\"");
	ck_assert_int_eq(load("  a@example.org\n"), -1);
	ck_assert_str_eq(e.msg, "aliases:1: a continuation line without an "
	    "entry");
	ck_assert_int_eq(load("root:\n"), -1);
	ck_assert_str_eq(e.msg, "aliases:1: no address for \"root\"");
	ck_assert_int_eq(load("a b: c@example.org\n"), -1);
	ck_assert_str_eq(e.msg, "aliases:1: not an alias name: \"a b\"");
	ck_assert_int_eq(load("\n\nroot: <a@example.org>\n"), -1);
	ck_assert_str_eq(e.msg, "aliases:3: not an address: "
	    "\"<a@example.org>\"");
	ck_assert_int_eq(load("root: a@example.org\r\n\tb@exa\rmple.org\n"),
	    -1);
	ck_assert_str_eq(e.msg, "aliases:2: a control character is not "
	    "allowed");
}
END_TEST

START_TEST(nul_byte)
{
	static const char text[] = "root: a@example.org\0b@evil.example\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");

	ck_assert_int_eq(aliases_parse(&al, fp, "nul", &e), -1);
	fclose(fp);
	ck_assert_str_eq(e.msg, "nul:1: a NUL byte is not allowed");
}
END_TEST

START_TEST(qualify)
{
	char *s;

	s = aliases_qualify("root", "example.org");
	ck_assert_str_eq(s, "root@example.org");
	free(s);
	s = aliases_qualify("root@here", "example.org");
	ck_assert_str_eq(s, "root@here");
	free(s);
	s = aliases_qualify("", "example.org");	/* the null sender */
	ck_assert_str_eq(s, "");
	free(s);
	s = aliases_qualify("root", NULL);
	ck_assert_str_eq(s, "root");
	free(s);
	/* without an aliases file, only the domain */
	ck_assert_str_eq(resolve("example.org", "root", "a@b.org", NULL),
	    "root@example.org a@b.org");
	ck_assert_str_eq(resolve(NULL, NULL), "");
}
END_TEST

START_TEST(load_file)
{
	ck_assert_int_eq(aliases_load(&al, "/nonexistent/aliases", &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/aliases"));
}
END_TEST

static Suite *
aliases_suite(void)
{
	Suite *s = suite_create("aliases");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(core, chains_and_continuations);
	tcase_add_test(core, duplicates_dropped);
	tcase_add_test(core, self_reference_and_loops);
	tcase_add_test(core, default_fallback);
	tcase_add_test(core, qualify);
	tcase_add_test(lim, depth_limit);
	tcase_add_test(lim, local_delivery_refused_when_used);
	tcase_add_test(lim, syntax_errors);
	tcase_add_test(lim, nul_byte);
	tcase_add_test(lim, load_file);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	return ck_run(aliases_suite());
}

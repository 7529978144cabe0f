/* The JSON writer: exact bytes out for hostile strings in (control
 * characters, quotes, backslash, NUL, invalid and valid UTF-8), the
 * layout, and misuse that must not produce a document. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ckrun.h"

/* The document for one top-level string of n bytes. */
static char *
one_string(const char *s, size_t n)
{
	struct json j;
	const char *t;
	char *out;

	json_init(&j);
	json_stringn(&j, s, n);
	t = json_text(&j, NULL);
	ck_assert_ptr_nonnull(t);
	out = strdup(t);
	json_free(&j);
	return out;
}

static void
check_string(const char *in, size_t n, const char *want)
{
	char *got = one_string(in, n);

	ck_assert_str_eq(got, want);
	free(got);
}

#define CHECK_STR(lit, want) check_string(lit, sizeof(lit) - 1, want)

START_TEST(plain_ascii)
{
	CHECK_STR("250 ok", "\"250 ok\"\n");
	CHECK_STR("", "\"\"\n");
}
END_TEST

START_TEST(quotes_and_backslash)
{
	CHECK_STR("a\"b\\c", "\"a\\\"b\\\\c\"\n");
	CHECK_STR("\\\"", "\"\\\\\\\"\"\n");
	/* '/' may stay as it is (RFC 8259 section 7) */
	CHECK_STR("a/b", "\"a/b\"\n");
}
END_TEST

START_TEST(control_characters)
{
	CHECK_STR("\r\n\t\b\f", "\"\\r\\n\\t\\b\\f\"\n");
	CHECK_STR("\x1b[31m", "\"\\u001b[31m\"\n");
	CHECK_STR("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"\n");
	CHECK_STR("bell\a", "\"bell\\u0007\"\n");
}
END_TEST

START_TEST(nul_bytes)
{
	CHECK_STR("a\0b", "\"a\\u0000b\"\n");
	CHECK_STR("\0", "\"\\u0000\"\n");
}
END_TEST

START_TEST(valid_utf8_kept)
{
	/* 2, 3 and 4 byte sequences, the edges of each range */
	CHECK_STR("caf\xc3\xa9", "\"caf\xc3\xa9\"\n");
	CHECK_STR("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"\n");
	CHECK_STR("\xe0\xa0\x80\xef\xbf\xbf", "\"\xe0\xa0\x80\xef\xbf\xbf\"\n");
	CHECK_STR("\xe2\x82\xac", "\"\xe2\x82\xac\"\n");
	CHECK_STR("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"\n");
	CHECK_STR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"\n");
	CHECK_STR("\xed\x9f\xbf", "\"\xed\x9f\xbf\"\n");	/* U+D7FF */
}
END_TEST

#define FFFD "\\ufffd"

START_TEST(invalid_utf8_replaced)
{
	/* lone continuation bytes, bytes that never occur */
	CHECK_STR("\x80", "\"" FFFD "\"\n");
	CHECK_STR("\xbf", "\"" FFFD "\"\n");
	CHECK_STR("\xff\xfe", "\"" FFFD FFFD "\"\n");
	CHECK_STR("\xc0\x80", "\"" FFFD FFFD "\"\n");	/* overlong NUL */
	CHECK_STR("\xc1\xbf", "\"" FFFD FFFD "\"\n");	/* overlong */
	CHECK_STR("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"\n");
	CHECK_STR("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\"\n");
	/* surrogates U+D800 and U+DFFF */
	CHECK_STR("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"\n");
	CHECK_STR("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"\n");
	/* above U+10FFFF */
	CHECK_STR("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"\n");
	CHECK_STR("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"\n");
}
END_TEST

START_TEST(truncated_sequences)
{
	/* a sequence cut by the end of the string, or by ASCII */
	CHECK_STR("a\xc3", "\"a" FFFD "\"\n");
	CHECK_STR("\xe2\x82", "\"" FFFD FFFD "\"\n");
	CHECK_STR("\xe2\x82z", "\"" FFFD FFFD "z\"\n");
	CHECK_STR("\xf0\x90\x80", "\"" FFFD FFFD FFFD "\"\n");
	/* a valid sequence right after an invalid byte is kept */
	CHECK_STR("\xff\xc3\xa9", "\"" FFFD "\xc3\xa9\"\n");
}
END_TEST

START_TEST(nested_layout)
{
	struct json j;
	const char *t;
	size_t len;

	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "version");
	json_int(&j, 1);
	json_key(&j, "list");
	json_array_begin(&j);
	json_bool(&j, true);
	json_bool(&j, false);
	json_null(&j);
	json_string(&j, NULL);
	json_int(&j, -42);
	json_array_end(&j);
	json_key(&j, "empty");
	json_object_begin(&j);
	json_object_end(&j);
	json_key(&j, "none");
	json_array_begin(&j);
	json_array_end(&j);
	json_key(&j, "k\"ey\n");
	json_string(&j, "v");
	json_object_end(&j);
	t = json_text(&j, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t,
	    "{\n"
	    "  \"version\": 1,\n"
	    "  \"list\": [\n"
	    "    true,\n"
	    "    false,\n"
	    "    null,\n"
	    "    null,\n"
	    "    -42\n"
	    "  ],\n"
	    "  \"empty\": {},\n"
	    "  \"none\": [],\n"
	    "  \"k\\\"ey\\n\": \"v\"\n"
	    "}\n");
	ck_assert_uint_eq(len, strlen(t));
	/* asking again adds nothing */
	ck_assert_str_eq(json_text(&j, NULL), t);
	json_free(&j);
}
END_TEST

START_TEST(big_numbers)
{
	struct json j;

	json_init(&j);
	json_array_begin(&j);
	json_int(&j, 9223372036854775807LL);
	json_int(&j, -9223372036854775807LL - 1);
	json_array_end(&j);
	ck_assert_str_eq(json_text(&j, NULL), "[\n  9223372036854775807,\n"
	    "  -9223372036854775808\n]\n");
	json_free(&j);
}
END_TEST

START_TEST(deep_nesting)
{
	struct json j;
	const char *t;

	json_init(&j);
	for (int i = 0; i < 100; i++)
		json_array_begin(&j);
	for (int i = 0; i < 100; i++)
		json_array_end(&j);
	t = json_text(&j, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t[0], '[');
	json_free(&j);
}
END_TEST

START_TEST(misuse_gives_no_document)
{
	struct json j;

	/* a value in an object without its key */
	json_init(&j);
	json_object_begin(&j);
	json_int(&j, 1);
	json_object_end(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	/* a key in an array */
	json_init(&j);
	json_array_begin(&j);
	json_key(&j, "k");
	json_array_end(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	/* a key without its value */
	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "k");
	json_object_end(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	/* unbalanced: open, or closed with the wrong bracket */
	json_init(&j);
	json_object_begin(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	json_init(&j);
	json_array_begin(&j);
	json_object_end(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	/* two top-level values */
	json_init(&j);
	json_int(&j, 1);
	json_int(&j, 2);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
	/* nothing at all */
	json_init(&j);
	ck_assert_ptr_null(json_text(&j, NULL));
	json_free(&j);
}
END_TEST

START_TEST(long_hostile_string)
{
	/* every byte value in turn, many times: no two neighbours form a
	 * UTF-8 sequence, so the output is printable ASCII and one final
	 * newline */
	size_t n = 256 * 64;
	char *in = malloc(n);
	struct json j;
	const char *t;

	ck_assert_ptr_nonnull(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)(i % 256);
	json_init(&j);
	json_stringn(&j, in, n);
	t = json_text(&j, NULL);
	ck_assert_ptr_nonnull(t);
	for (const unsigned char *p = (const unsigned char *)t; p[1]; p++)
		ck_assert(*p >= 0x20 && *p <= 0x7e);
	ck_assert_ptr_eq(strchr(t, '\n'), t + strlen(t) - 1);
	json_free(&j);
	free(in);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *strings = tcase_create("strings");
	TCase *doc = tcase_create("documents");
	TCase *limits = tcase_create("limits");

	tcase_add_test(strings, plain_ascii);
	tcase_add_test(strings, quotes_and_backslash);
	tcase_add_test(strings, control_characters);
	tcase_add_test(strings, nul_bytes);
	tcase_add_test(strings, valid_utf8_kept);
	tcase_add_test(strings, invalid_utf8_replaced);
	tcase_add_test(strings, truncated_sequences);
	tcase_add_test(doc, nested_layout);
	tcase_add_test(doc, big_numbers);
	tcase_add_test(doc, misuse_gives_no_document);
	tcase_add_test(limits, deep_nesting);
	tcase_add_test(limits, long_hostile_string);
	suite_add_tcase(s, strings);
	suite_add_tcase(s, doc);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	return ck_run(json_suite());
}

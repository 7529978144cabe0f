/*
 * json: the writer behind --json.
 *
 *   RFC 8259  JSON: section 7, strings and their escapes; section 8.1,
 *             text exchanged between systems is UTF-8
 *   RFC 3629  UTF-8: section 4, the well-formed byte sequences
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_INDENT	2

void
json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void
json_free(struct json *j)
{
	free(j->buf);
	free(j->kind);
	free(j->filled);
	memset(j, 0, sizeof(*j));
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *p;

		while (cap < j->len + n + 1)
			cap *= 2;
		if ((p = realloc(j->buf, cap)) == NULL) {
			j->failed = true;
			return;
		}
		j->buf = p;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_puts(struct json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

static void
json_newline(struct json *j)
{
	json_put(j, "\n", 1);
	for (size_t i = 0; i < j->depth * JSON_INDENT; i++)
		json_put(j, " ", 1);
}

/*
 * Before any value or key: a value inside an object must follow its key,
 * a key must not; inside a container, a comma after the previous item and
 * a new line.
 */
static void
json_before(struct json *j, bool is_key)
{
	bool in_obj = j->depth > 0 && j->kind[j->depth - 1] == 'o';

	if (j->want_value) {
		if (is_key)
			j->failed = true;
		j->want_value = false;
		return;
	}
	if ((in_obj && !is_key) || (!in_obj && is_key) ||
	    (j->depth == 0 && j->len > 0)) {
		j->failed = true;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->filled[j->depth - 1])
		json_put(j, ",", 1);
	j->filled[j->depth - 1] = true;
	json_newline(j);
}

static void
json_open(struct json *j, char kind)
{
	json_before(j, false);
	if (j->failed)
		return;
	if (j->depth == j->depthcap) {
		size_t cap = j->depthcap ? 2 * j->depthcap : 8;
		char *k = realloc(j->kind, cap);
		bool *f;

		if (k != NULL)
			j->kind = k;
		f = k ? realloc(j->filled, cap * sizeof(*f)) : NULL;
		if (f == NULL) {
			j->failed = true;
			return;
		}
		j->filled = f;
		j->depthcap = cap;
	}
	j->kind[j->depth] = kind;
	j->filled[j->depth] = false;
	j->depth++;
	json_put(j, kind == 'o' ? "{" : "[", 1);
}

static void
json_close(struct json *j, char kind)
{
	if (j->failed)
		return;
	if (j->depth == 0 || j->kind[j->depth - 1] != kind ||
	    j->want_value) {
		j->failed = true;
		return;
	}
	j->depth--;
	if (j->filled[j->depth])
		json_newline(j);
	json_put(j, kind == 'o' ? "}" : "]", 1);
}

void
json_object_begin(struct json *j)
{
	json_open(j, 'o');
}

void
json_object_end(struct json *j)
{
	json_close(j, 'o');
}

void
json_array_begin(struct json *j)
{
	json_open(j, 'a');
}

void
json_array_end(struct json *j)
{
	json_close(j, 'a');
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4),
 * or 0 when the byte at s does not start one. */
static size_t
json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms (E0, F0),
	 * surrogates (ED) and code points above U+10FFFF (F4). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* One ASCII byte, escaped as RFC 8259 section 7 requires or allows. */
static void
json_ascii(struct json *j, unsigned char c)
{
	char esc[8];

	switch (c) {
	case '"':	json_puts(j, "\\\""); return;
	case '\\':	json_puts(j, "\\\\"); return;
	case '\n':	json_puts(j, "\\n"); return;
	case '\r':	json_puts(j, "\\r"); return;
	case '\t':	json_puts(j, "\\t"); return;
	case '\b':	json_puts(j, "\\b"); return;
	case '\f':	json_puts(j, "\\f"); return;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(esc, sizeof(esc), "\\u%04x", c);
		json_puts(j, esc);
		return;
	}
	json_put(j, (const char *)&c, 1);
}

void
json_stringn(struct json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	json_before(j, false);
	json_put(j, "\"", 1);
	while (i < n) {
		size_t k;

		if (p[i] < 0x80) {
			json_ascii(j, p[i++]);
		} else if ((k = json_utf8_len(p + i, n - i)) > 0) {
			json_put(j, s + i, k);
			i += k;
		} else {
			json_puts(j, "\\ufffd");
			i++;
		}
	}
	json_put(j, "\"", 1);
}

void
json_string(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_stringn(j, s, strlen(s));
}

void
json_key(struct json *j, const char *key)
{
	bool in_obj = j->depth > 0 && j->kind[j->depth - 1] == 'o';

	if (!in_obj || j->want_value) {
		j->failed = true;
		return;
	}
	/* The key is a string in key position: same escaping. */
	if (j->filled[j->depth - 1])
		json_put(j, ",", 1);
	j->filled[j->depth - 1] = true;
	json_newline(j);
	j->want_value = true;
	json_stringn(j, key, strlen(key));
	json_put(j, ": ", 2);
	j->want_value = true;
}

void
json_int(struct json *j, long long v)
{
	char num[32];

	json_before(j, false);
	snprintf(num, sizeof(num), "%lld", v);
	json_puts(j, num);
}

void
json_bool(struct json *j, bool v)
{
	json_before(j, false);
	json_puts(j, v ? "true" : "false");
}

void
json_null(struct json *j)
{
	json_before(j, false);
	json_puts(j, "null");
}

const char *
json_text(struct json *j, size_t *len)
{
	if (j->failed || j->depth != 0 || j->want_value || j->len == 0)
		return NULL;
	/* The final newline is added once, here. */
	if (j->buf[j->len - 1] != '\n') {
		json_put(j, "\n", 1);
		if (j->failed)
			return NULL;
	}
	if (len != NULL)
		*len = j->len;
	return j->buf;
}

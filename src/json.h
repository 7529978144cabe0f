/*
 * json: a small writer for the --json reports (RFC 8259), into a growing
 * memory buffer so that tests read back exactly what it made.  Output is
 * indented by two spaces per level, one member or element a line.
 *
 * Strings are bytes from anywhere, the server included: '"' and '\' are
 * escaped, control characters become \n \r \t \b \f or \u00XX, DEL
 * becomes \u007f, well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) is kept as it is, and every byte
 * that is not part of a well-formed sequence becomes \ufffd, one per byte.
 * So the output is always valid UTF-8 and valid JSON, whatever came in.
 *
 * Misuse (a value where a key is due, unbalanced ends) and running out of
 * memory are remembered; json_text then returns NULL.
 */
#ifndef TLSMAIL_JSON_H
#define TLSMAIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json {
	char	*buf;
	size_t	 len, cap;
	/* One entry per open container: 'o' or 'a', and whether it has a
	 * member yet. */
	char	*kind;
	bool	*filled;
	size_t	 depth, depthcap;
	bool	 want_value;	/* after a key: its value is due */
	bool	 failed;
};

void	json_init(struct json *);
void	json_free(struct json *);

void	json_object_begin(struct json *);
void	json_object_end(struct json *);
void	json_array_begin(struct json *);
void	json_array_end(struct json *);
/* A member name inside an object; the value follows with one call. */
void	json_key(struct json *, const char *);

/* NULL writes null. */
void	json_string(struct json *, const char *);
void	json_stringn(struct json *, const char *, size_t);
void	json_int(struct json *, long long);
void	json_bool(struct json *, bool);
void	json_null(struct json *);

/* The document with a final newline, NUL-terminated; NULL when the
 * writer failed or a container is still open. */
const char *json_text(struct json *, size_t *len);

#endif

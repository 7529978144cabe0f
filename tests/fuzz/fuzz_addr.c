/*
 * Addresses (addr.c): the RFC 5322 address-list parser that -t uses on
 * To, Cc and Bcc, and the envelope check.  Invariants: every address the
 * list parser yields passes addr_check and so carries no control
 * character, '<' or '>' (nothing that could end or extend a command); a
 * failure is ERR_DATA, or ERR_USAGE from addr_check, with a message.
 */
#include <config.h>

#include <string.h>

#include "addr.h"
#include "fuzz.h"

static int
fuzz_addr_cb(void *ctx, const char *addr, struct err *e)
{
	struct err e2;

	(void)e;
	++*(size_t *)ctx;
	err_clear(&e2);
	FUZZ_CHECK(addr_check(addr, 1, &e2) == 0);
	for (const char *p = addr; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f &&
		    *p != '<' && *p != '>');
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	size_t n = 0;
	char *s;

	err_clear(&e);
	if (addr_list_parse((const char *)data, size, fuzz_addr_cb, &n,
	    &e) < 0)
		FUZZ_CHECK(e.cls == ERR_DATA && e.msg[0] != '\0');
	/* The same bytes as one envelope address. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err_clear(&e);
	if (addr_check(s, 0, &e) < 0)
		FUZZ_CHECK(e.cls == ERR_USAGE && e.msg[0] != '\0');
	else
		FUZZ_CHECK(strpbrk(s, "\r\n<>") == NULL && *s != '\0');
	free(s);
	return 0;
}
